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
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/reset"
)

var (
	_ reset.Store      = (*Store)(nil)
	_ factor.LockStore = (*Store)(nil)
)

// Recovery reads the account, its cards and its devices in one Query.
func (s *Store) Recovery(ctx context.Context, accountID string) (reset.State, error) {
	var st reset.State
	if accountID == "" {
		return st, nil
	}
	p, err := s.accountWith(ctx, accountID)
	if p.account != nil {
		st.Account = *p.account
	}
	st.Devices, st.Passkeys = p.devices, len(p.passkeys)
	for _, c := range p.cards {
		st.Cards = append(st.Cards, factor.Card{ID: c.ID, Hash: c.Hash})
	}
	return st, err
}

// Apply writes a reset in one transaction: the account (conditional on its version, and not
// closed) with its sign-in and recovery lockouts cleared, its answers item when they are
// replaced or rehashed, every session but the one kept deleted, the proof spent, and the event.
func (s *Store) Apply(ctx context.Context, c reset.Change) error {
	a := c.Account
	now := c.Event.At
	set := []string{"version = :next"}
	remove := []string{"loginFailures", "loginLockedUntil", "loginLockLevel", "recFailures", "recLockedUntil"}
	vals := map[string]types.AttributeValue{":next": num(a.Version + 1),
		":v": num(a.Version), ":closed": str(string(account.StatusClosed))}
	if !c.Changed {
		set = append(set, "passwordResetAt = :now") // a reset closes the identity path of a phone change for a while
		vals[":now"] = num(ms(now))
	}
	if c.LoginHash != "" {
		set = append(set, "loginHash = :login")
		vals[":login"] = str(c.LoginHash)
	}
	if c.PaymentHash != "" {
		set = append(set, "paymentHash = :pay")
		remove = append(remove, "payFailures", "payLockedUntil", "payWindowStart")
		vals[":pay"] = str(c.PaymentHash)
	}
	if c.Unfreeze {
		set = append(set, "#status = :active")
		vals[":active"] = str(string(account.StatusActive))
	}
	cond := "version = :v AND #status <> :closed"
	if ad := c.Admission; ad != nil { // the payment password that allowed it, admitted here
		set, remove = admitInto(*ad, c.PaymentHash != "", set, remove, vals)
		cond += " AND " + admitted
	}
	rehash := c.Rehash
	if c.PaymentHash != "" {
		rehash.PaymentHash = "" // the new payment password replaces it
	}
	set = append(set, rehashSets(a, rehash, vals)...)
	t := s.newTx()
	t.addFn(types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:                    aws.String("SET " + strings.Join(set, ", ") + " REMOVE " + strings.Join(remove, ", ")),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            map[string]string{"#status": "status"},
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		func(old map[string]types.AttributeValue) error { return changeRefused(c, old) })
	t.rehashCards(a.ID, rehash)
	t.rehashProfile(a.ID, rehash)
	if err := s.answersChange(t, c, rehash); err != nil {
		return err
	}
	if c.Passkey != nil {
		if err := t.passkeyAssertion(*c.Passkey); err != nil {
			return err
		}
	}
	t.endSessions(c.Sessions, c.KeepSession)
	if c.Proof != nil {
		t.spendProof(c.Proof, now)
	}
	if err := t.event(a.ID, c.Event); err != nil {
		return err
	}
	return t.commit(ctx, "apply reset")
}

// answersChange adds to t the write of the account's answers item: the new answers, or else
// the old ones with the hashes the rehash moves to the current pepper.
func (s *Store) answersChange(t *tx, c reset.Change, r account.Rehash) error {
	if c.Answers != nil {
		return t.putAnswers(c.Account.ID, c.Answers)
	}
	return t.rehashAnswers(c.Account, r)
}

// changeRefused answers a reset or change whose account condition failed: the account changed
// since it was read (a conflict), or the payment password that allowed it was refused its
// admission meanwhile (its lockout's answer).
func changeRefused(c reset.Change, old map[string]types.AttributeValue) error {
	var it struct {
		Version int64 `dynamodbav:"version"`
	}
	if err := unmarshal(old, &it); err != nil || c.Admission == nil || it.Version != c.Account.Version {
		return errConflict
	}
	return refusal(*c.Admission, old)
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
		UpdateExpression:    aws.String("SET recLockedUntil = :until, recLockLevel = :level, recLastLockAt = :now REMOVE recFailures"),
		ConditionExpression: aws.String("recFailures >= :max"), // false while it is absent, which is zero
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": num(ms(until)),
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
