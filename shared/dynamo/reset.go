package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/reset"
)

// Recovery reads the account, its cards and its devices in one Query: their sort keys
// ("ACCOUNT", "CARD#…", "DEVICE#…") sort together, before the account's events.
func (s *Store) Recovery(ctx context.Context, accountID string) (reset.State, error) {
	var st reset.State
	if accountID == "" {
		return st, nil
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountKey(accountID).PK), ":from": str("ACCOUNT"), ":to": str(devicePrefix + "\uffff")}})
	if err != nil {
		return st, fmt.Errorf("query account: %w", err)
	}
	for _, item := range out.Items {
		sk := item[attrSK].(*types.AttributeValueMemberS).Value
		switch {
		case sk == "ACCOUNT":
			var it accountItem
			if err := unmarshal(item, &it); err != nil {
				return st, fmt.Errorf("decode account: %w", err)
			}
			st.Account = it.domain()
		case strings.HasPrefix(sk, devicePrefix):
			var it deviceItem
			if err := unmarshal(item, &it); err != nil {
				return st, fmt.Errorf("decode device: %w", err)
			}
			st.Devices = append(st.Devices, it.domain(strings.TrimPrefix(sk, devicePrefix)))
		case strings.HasPrefix(sk, "CARD#"):
			var it cardItem
			if err := unmarshal(item, &it); err != nil {
				return st, fmt.Errorf("decode card: %w", err)
			}
			st.Cards = append(st.Cards, it.Hash)
		}
	}
	if out.LastEvaluatedKey != nil {
		return st, errors.New("query account: more than one page of cards and devices")
	}
	return st, nil
}

// Apply writes a reset in one transaction: the account (conditional on its version, and not
// closed), every session but the one kept deleted, the proof spent, and the event.
func (s *Store) Apply(ctx context.Context, c reset.Change) error {
	a := c.Account
	now := c.Event.At
	set := []string{"loginFailures = :zero", "loginLockedUntil = :zero", "loginLockLevel = :zero",
		"recFailures = :zero", "recLockedUntil = :zero", "passwordResetAt = :now", "version = :next"}
	vals := map[string]types.AttributeValue{":zero": num(0), ":now": num(ms(now)), ":next": num(a.Version + 1),
		":v": num(a.Version), ":closed": str(string(account.StatusClosed))}
	if c.LoginHash != "" {
		set = append(set, "loginHash = :login")
		vals[":login"] = str(c.LoginHash)
	}
	if c.PaymentHash != "" {
		set = append(set, "paymentHash = :pay", "payFailures = :zero", "payLockedUntil = :zero", "payWindowStart = :zero")
		vals[":pay"] = str(c.PaymentHash)
	}
	if c.Unfreeze {
		set = append(set, "#status = :active")
		vals[":active"] = str(string(account.StatusActive))
	}
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:       aws.String("version = :v AND #status <> :closed"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: vals}}}
	for _, h := range c.Sessions {
		if string(h) != string(c.KeepSession) {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(h).av()}})
		}
	}
	if c.Proof != nil {
		items = append(items, s.spendProof(c.Proof, now))
	}
	ev, err := marshal(eventKey(a.ID, c.Event.ID), toEventItem(a.ID, c.Event, s.eventTTL))
	if err != nil {
		return err
	}
	items = append(items, putNew(s.table, ev))
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	switch {
	case !ok:
		return fmt.Errorf("apply reset: %w", err)
	case failed(rs, 0) || conflicted(rs):
		return errConflict
	case c.Proof != nil && failedAt(rs) > 0:
		return account.FieldError(account.CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")
	}
	return fmt.Errorf("apply reset: %w", err)
}

// RecoveryFailure counts one failed recovery atomically: parallel guesses are all counted.
func (s *Store) RecoveryFailure(ctx context.Context, accountID string) (int, error) {
	return s.addFailure(ctx, accountID, "recFailures")
}

// addFailure adds one to a failure counter of the account and returns the new count.
func (s *Store) addFailure(ctx context.Context, accountID, attr string) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression:          aws.String("ADD #n :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#n": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", attr, err)
	}
	var n int
	if v, ok := out.Attributes[attr].(*types.AttributeValueMemberN); ok {
		n, _ = strconv.Atoi(v.Value)
	}
	return n, nil
}

// LockRecovery starts a recovery lock if the failures are still at the limit (a concurrent
// attempt may have locked it already, which is as good).
func (s *Store) LockRecovery(ctx context.Context, accountID string, max, level int, until, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression:    aws.String("SET recFailures = :zero, recLockedUntil = :until, recLockLevel = :level, recLastLockAt = :now"),
		ConditionExpression: aws.String("recFailures >= :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":until": num(ms(until)),
			":level": num(int64(level)), ":now": num(ms(now)), ":max": num(int64(max))}})
	if err != nil && !errors.As(err, new(*types.ConditionalCheckFailedException)) {
		return fmt.Errorf("lock recovery: %w", err)
	}
	return nil
}

// recoveryLockItem is the recovery lockout of a number without an account.
type recoveryLockItem struct {
	Failures    int   `dynamodbav:"recFailures"`
	LockedUntil int64 `dynamodbav:"recLockedUntil"`
	Level       int   `dynamodbav:"recLockLevel"`
	LastLockAt  int64 `dynamodbav:"recLastLockAt"`
}

// unknownRecoveryTTL keeps a number's recovery lockout for as long as a lock can matter: the
// longest lock, and the day within which another lock doubles it.
const unknownRecoveryTTL = 48 * time.Hour

// UnknownRecovery reads the recovery lockout of a number without an account (one strongly
// consistent read, as reading an account's is), so that it locks as an account does.
func (s *Store) UnknownRecovery(ctx context.Context, e164 string) (account.Lockout, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: unknownRecovery(e164).av(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return account.Lockout{}, fmt.Errorf("get unknown recovery: %w", err)
	}
	var it recoveryLockItem
	if err := unmarshal(out.Item, &it); err != nil {
		return account.Lockout{}, fmt.Errorf("decode unknown recovery: %w", err)
	}
	return account.Lockout{Failures: it.Failures, LockedUntil: fromMS(it.LockedUntil), Level: it.Level, LastLockAt: fromMS(it.LastLockAt)}, nil
}

// UnknownRecoveryFailure is RecoveryFailure for a number without an account.
func (s *Store) UnknownRecoveryFailure(ctx context.Context, e164 string, now time.Time) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: unknownRecovery(e164).av(),
		UpdateExpression:          aws.String("ADD recFailures :one SET expiresAt = :exp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":exp": epoch(now.Add(unknownRecoveryTTL))},
		ReturnValues:              types.ReturnValueUpdatedNew})
	if err != nil {
		return 0, fmt.Errorf("count unknown recovery: %w", err)
	}
	var it recoveryLockItem
	if err := unmarshal(out.Attributes, &it); err != nil {
		return 0, fmt.Errorf("decode unknown recovery: %w", err)
	}
	return it.Failures, nil
}

// LockUnknownRecovery is LockRecovery for a number without an account.
func (s *Store) LockUnknownRecovery(ctx context.Context, e164 string, max, level int, until, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: unknownRecovery(e164).av(),
		UpdateExpression:    aws.String("SET recFailures = :zero, recLockedUntil = :until, recLockLevel = :level, recLastLockAt = :now, expiresAt = :exp"),
		ConditionExpression: aws.String("recFailures >= :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":until": num(ms(until)), ":level": num(int64(level)),
			":now": num(ms(now)), ":max": num(int64(max)), ":exp": epoch(until.Add(unknownRecoveryTTL))}})
	if err != nil && !errors.As(err, new(*types.ConditionalCheckFailedException)) {
		return fmt.Errorf("lock unknown recovery: %w", err)
	}
	return nil
}
