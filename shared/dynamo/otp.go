package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

var _ otp.Store = (*Store)(nil)

// slotTTL keeps a slot long enough for any cooldown.
const slotTTL = 24 * time.Hour

type slotItem struct {
	SK          string `dynamodbav:"SK"`
	ChallengeID string `dynamodbav:"challengeId"`
	SentAt      int64  `dynamodbav:"sentAt"` // unix ms
}

// SendState reads the phone's claim and its slot for the purpose, and for a new number's code
// the session and the phone change, in one BatchGetItem.
func (s *Store) SendState(ctx context.Context, q otp.StateQuery) (otp.SendState, error) {
	if q.Email != "" {
		return s.emailSendState(ctx, q)
	}
	claimKey, slotKey := phoneClaim(q.Phone), otpSlot(q.Phone, string(q.Purpose))
	keys := []key{claimKey, slotKey}
	var changeKey key
	if len(q.SessionHash) > 0 {
		keys = append(keys, sessionKey(q.SessionHash))
	}
	if accountID, own, ok := account.SplitChangeID(q.ChangeID); ok {
		changeKey = phoneChangeKey(accountID, own)
		keys = append(keys, changeKey)
	}
	traffic := map[key]bool{}
	for _, c := range q.Traffic {
		k := counter(c.Key, c.Window)
		traffic[k] = true
		keys = append(keys, k)
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return otp.SendState{}, fmt.Errorf("get phone state: %w", err)
	}
	var st otp.SendState
	for k, item := range items {
		var err error
		switch {
		case traffic[k]:
			var c prefixCounterItem
			err = unmarshal(item, &c)
			st.Traffic.Sent += c.Sent
			st.Traffic.Verified += c.Verified
			continue
		case k == claimKey:
			var c claimItem
			err = unmarshal(item, &c)
			st.Owner = &otp.Owner{AccountID: c.AccountID, Lang: c.Lang}
		case k == slotKey:
			var sl slotItem
			err = unmarshal(item, &sl)
			st.Slot = otp.Slot{ChallengeID: sl.ChallengeID, SentAt: time.UnixMilli(sl.SentAt).UTC()}
		case k == changeKey:
			var c phoneChangeItem
			err = unmarshal(item, &c)
			st.Change = &otp.ChangeRef{AccountID: c.AccountID, Open: c.State == string(phonechange.StateAwaitingNew),
				ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC()}
		default:
			var si sessionItem
			err = unmarshal(item, &si)
			ses := si.domain(q.SessionHash)
			st.Session = &ses
		}
		if err != nil {
			return st, fmt.Errorf("decode send state: %w", err)
		}
	}
	return st, nil
}

// prefixCounterItem is what a send reads of a number prefix's hourly counter: the SMS sent and
// the codes verified (its n, the requests, is the hourly cap's and is not read).
type prefixCounterItem struct {
	Sent     int `dynamodbav:"sent"`
	Verified int `dynamodbav:"verified"`
}

// emailSendState reads an email code's slot and the account asking (with its profile, which
// holds its email), in one BatchGetItem. The address's claim is not read: whether another
// account holds it is decided when the code is spent, and a send must not depend on it.
func (s *Store) emailSendState(ctx context.Context, q otp.StateQuery) (otp.SendState, error) {
	slotKey := emailSlot(q.Email, string(q.Purpose), q.AccountID)
	items, err := s.getMany(ctx, []key{slotKey, accountKey(q.AccountID), profileKey(q.AccountID)})
	if err != nil {
		return otp.SendState{}, fmt.Errorf("get email state: %w", err)
	}
	var st otp.SendState
	if item, ok := items[slotKey]; ok {
		var sl slotItem
		if err := unmarshal(item, &sl); err != nil {
			return st, fmt.Errorf("decode slot: %w", err)
		}
		st.Slot = otp.Slot{ChallengeID: sl.ChallengeID, SentAt: time.UnixMilli(sl.SentAt).UTC()}
	}
	var err2 error
	st.Account, err2 = accountOf(items, q.AccountID)
	return st, err2
}

// Issue writes the challenge, moves the slot, supersedes the previous challenge and charges the
// counters in one transaction.
func (s *Store) Issue(ctx context.Context, in otp.Issue) error {
	ch := in.Challenge
	item := challengeItem{Phone: ch.Phone, Region: ch.Region, Email: ch.Email, Purpose: string(ch.Purpose), AccountID: ch.AccountID, ChangeID: ch.ChangeID, State: string(ch.State),
		CodeHash: ch.CodeHash, CreatedAt: ch.CreatedAt.UnixMilli(), ExpiresAt: ch.ExpiresAt.Unix()}
	slot := slotOf(ch)
	slotCond := "attribute_not_exists(challengeId)"
	slotVals := map[string]types.AttributeValue{":id": str(ch.ID), ":sent": millis(ch.CreatedAt),
		":exp": epoch(ch.CreatedAt.Add(slotTTL)), ":notBefore": millis(in.NotBefore)}
	if in.Previous.ChallengeID != "" {
		slotCond = "challengeId = :prev AND sentAt <= :notBefore"
		slotVals[":prev"] = str(in.Previous.ChallengeID)
	} else {
		slotCond += " OR sentAt <= :notBefore" // a retracted send left the slot without a challenge
	}
	t := s.newTx()
	t.addFn(types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: slot.av(),
		UpdateExpression:                    aws.String("SET challengeId = :id, sentAt = :sent, expiresAt = :exp"),
		ConditionExpression:                 aws.String(slotCond),
		ExpressionAttributeValues:           slotVals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		func(old map[string]types.AttributeValue) error {
			var sl slotItem
			if err := unmarshal(old, &sl); err != nil {
				return fmt.Errorf("decode slot: %w", err)
			}
			if sl.SentAt > in.NotBefore.UnixMilli() {
				return &otp.CooldownError{SentAt: time.UnixMilli(sl.SentAt).UTC()}
			}
			return errConflict // another send moved the slot after we read it
		})
	if err := t.putNewItem(challenge(ch.ID), item, nil); err != nil {
		return err
	}
	if in.Previous.ChallengeID != "" {
		// A superseded challenge can no longer be redeemed; its proof, if it was verified, stays
		// good. If it is already gone, this leaves a tombstone that expires with the slot.
		t.update(&types.Update{TableName: &s.table, Key: challenge(in.Previous.ChallengeID).av(),
			UpdateExpression:          aws.String("SET superseded = :t, expiresAt = if_not_exists(expiresAt, :exp)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true), ":exp": epoch(ch.CreatedAt.Add(slotTTL))}}, nil)
	}
	for _, c := range in.Charge {
		t.update(charge(s.table, c, 1), &ratelimit.LimitError{Counter: c})
	}
	for _, c := range in.Check {
		t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: counter(c.Key, c.Window).av(),
			ConditionExpression:       aws.String("attribute_not_exists(n) OR n < :max"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":max": num(int64(c.Max))}}}, &ratelimit.LimitError{Counter: c})
	}
	return t.commit(ctx, "issue challenge")
}

// Retract kills the challenge, gives back what Issue charged and lifts the cooldown it set.
func (s *Store) Retract(ctx context.Context, in otp.Issue) error {
	ch := in.Challenge
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: challenge(ch.ID).av(),
		UpdateExpression:          aws.String("SET superseded = :t REMOVE codeHash"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true)}}, nil)
	t.update(&types.Update{TableName: &s.table, Key: slotOf(ch).av(),
		UpdateExpression:          aws.String("SET sentAt = :zero REMOVE challengeId"),
		ConditionExpression:       aws.String("challengeId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":id": str(ch.ID)}}, nil)
	for _, c := range in.Charge {
		t.update(charge(s.table, c, -1), nil)
	}
	return t.commit(ctx, "retract challenge")
}

// redeemUpdate is the conditional update that turns a pending challenge into a proof.
func (s *Store) redeemUpdate(id string, codeHashes [][]byte, proofHash []byte, now, proofExpiresAt time.Time, maxAttempts int) *types.Update {
	vals := map[string]types.AttributeValue{":verified": str(string(otp.StateVerified)),
		":pending": str(string(otp.StatePending)), ":proof": bin(proofHash), ":proofExp": epoch(proofExpiresAt),
		":now": epoch(now), ":max": num(int64(maxAttempts)), ":f": boolean(false)}
	return &types.Update{TableName: &s.table, Key: challenge(id).av(),
		UpdateExpression: aws.String("SET #state = :verified, proofHash = :proof, expiresAt = :proofExp REMOVE codeHash"),
		ConditionExpression: aws.String("codeHash IN (" + placeholders(vals, ":code", codeHashes) + ") AND #state = :pending" +
			" AND expiresAt > :now AND attempts < :max AND superseded = :f"),
		ExpressionAttributeNames:            map[string]string{"#state": "state"},
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// notRedeemable is the error of a redeem whose condition failed, given the challenge as it stood.
func notRedeemable(id string, old map[string]types.AttributeValue) error {
	if len(old) == 0 {
		return &otp.RedeemError{}
	}
	var c challengeItem
	if err := unmarshal(old, &c); err != nil {
		return fmt.Errorf("decode challenge: %w", err)
	}
	ch := c.domain(id)
	return &otp.RedeemError{Challenge: &ch}
}

// Redeem turns a pending challenge into a proof in one conditional update; for a phone code,
// in one transaction with the count of a verified code on its prefix's counter.
func (s *Store) Redeem(ctx context.Context, id string, codeHashes [][]byte, proofHash []byte, now, proofExpiresAt time.Time, maxAttempts int, verified *ratelimit.Counter) (otp.Challenge, error) {
	u := s.redeemUpdate(id, codeHashes, proofHash, now, proofExpiresAt, maxAttempts)
	if verified != nil {
		t := s.newTx()
		t.addFn(types.TransactWriteItem{Update: u}, func(old map[string]types.AttributeValue) error { return notRedeemable(id, old) })
		t.update(&types.Update{TableName: &s.table, Key: counter(verified.Key, verified.Window).av(),
			UpdateExpression:          aws.String("ADD " + attrVerified + " :one SET expiresAt = if_not_exists(expiresAt, :exp)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":exp": epoch(verified.Expires())}}, nil)
		if err := t.commit(ctx, "redeem challenge"); err != nil {
			return otp.Challenge{}, err
		}
		return otp.Challenge{ID: id, State: otp.StateVerified, ProofHash: proofHash, ExpiresAt: proofExpiresAt}, nil
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key,
		UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnValues: types.ReturnValueAllNew, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return otp.Challenge{}, notRedeemable(id, ccf.Item)
	}
	if err != nil {
		return otp.Challenge{}, fmt.Errorf("redeem challenge: %w", err)
	}
	var c challengeItem
	if err := unmarshal(out.Attributes, &c); err != nil {
		return otp.Challenge{}, fmt.Errorf("decode challenge: %w", err)
	}
	return c.domain(id), nil
}

// errBurn says the phone's daily failures are used up: the challenge is burned instead.
var errBurn = errors.New("the phone's failures are used up")

// RecordFailure counts a wrong code on the challenge and on the phone's daily failures, in one
// transaction. When the phone's failures are used up, it burns the challenge instead.
func (s *Store) RecordFailure(ctx context.Context, ch otp.Challenge, maxAttempts int, failures ratelimit.Counter) (int, error) {
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: challenge(ch.ID).av(),
		UpdateExpression:          aws.String("ADD attempts :one"),
		ConditionExpression:       aws.String("#state = :pending AND attempts < :max"),
		ExpressionAttributeNames:  map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":pending": str(string(otp.StatePending)), ":max": num(int64(maxAttempts))}},
		&otp.RedeemError{Challenge: &ch})
	t.update(charge(s.table, failures, 1), errBurn)
	err := t.commit(ctx, "record failure")
	switch {
	case err == nil:
		return ch.Attempts + 1, nil // the condition pins attempts below max; the count is exact enough to report
	case !errors.Is(err, errBurn):
		return 0, err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: challenge(ch.ID).av(),
		UpdateExpression:          aws.String("SET attempts = :max, retryAt = :retry"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":max": num(int64(maxAttempts)), ":retry": millis(failures.Ends)}})
	if err != nil && !errors.As(err, new(*types.ConditionalCheckFailedException)) {
		return 0, fmt.Errorf("burn challenge: %w", err)
	}
	return maxAttempts, &ratelimit.LimitError{Counter: failures}
}

// Proof reads the challenge a verification token names, strongly consistent. It returns nil when
// the token is malformed or names nothing; otp.CheckProof decides whether it is good.
func (s *Store) Proof(ctx context.Context, token string) (*otp.Challenge, error) {
	id, ok := otp.TokenChallengeID(token)
	if !ok {
		return nil, nil
	}
	var c challengeItem
	if ok, err := s.get(ctx, challenge(id), &c, "proof"); !ok || err != nil {
		return nil, err
	}
	ch := c.domain(id)
	return &ch, nil
}
