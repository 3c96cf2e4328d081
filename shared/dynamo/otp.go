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
)

// slotTTL keeps a slot long enough for any cooldown.
const slotTTL = 24 * time.Hour

type claimItem struct {
	AccountID string `dynamodbav:"accountId"`
	Lang      string `dynamodbav:"lang"`
}

type slotItem struct {
	SK          string `dynamodbav:"SK"`
	ChallengeID string `dynamodbav:"challengeId"`
	SentAt      int64  `dynamodbav:"sentAt"` // unix ms
}

type challengeItem struct {
	Phone      string `dynamodbav:"phone"`
	Purpose    string `dynamodbav:"purpose"`
	AccountID  string `dynamodbav:"accountId,omitempty"`
	ChangeID   string `dynamodbav:"changeId,omitempty"`
	State      string `dynamodbav:"state"`
	CodeHash   []byte `dynamodbav:"codeHash,omitempty"`
	ProofHash  []byte `dynamodbav:"proofHash,omitempty"`
	Attempts   int    `dynamodbav:"attempts"`
	Superseded bool   `dynamodbav:"superseded"`
	CreatedAt  int64  `dynamodbav:"createdAt"` // unix ms
	ExpiresAt  int64  `dynamodbav:"expiresAt"` // unix s; also the TTL
}

func (c challengeItem) domain(id string) otp.Challenge {
	return otp.Challenge{ID: id, Phone: c.Phone, Purpose: account.Purpose(c.Purpose), AccountID: c.AccountID, ChangeID: c.ChangeID,
		State: otp.State(c.State), CodeHash: c.CodeHash, ProofHash: c.ProofHash, Attempts: c.Attempts,
		Superseded: c.Superseded, CreatedAt: time.UnixMilli(c.CreatedAt).UTC(), ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC()}
}

// SendState reads the phone's claim and its slot for the purpose, and for a new number's code
// the session and the phone change, in one BatchGetItem.
func (s *Store) SendState(ctx context.Context, q otp.StateQuery) (otp.SendState, error) {
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
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return otp.SendState{}, fmt.Errorf("get phone state: %w", err)
	}
	var st otp.SendState
	for k, item := range items {
		var err error
		switch k {
		case claimKey:
			var c claimItem
			err = unmarshal(item, &c)
			st.Owner = &otp.Owner{AccountID: c.AccountID, Lang: c.Lang}
		case slotKey:
			var sl slotItem
			err = unmarshal(item, &sl)
			st.Slot = otp.Slot{ChallengeID: sl.ChallengeID, SentAt: time.UnixMilli(sl.SentAt).UTC()}
		case changeKey:
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

// Issue writes the challenge, moves the slot, supersedes the previous challenge and charges the
// counters in one transaction. The item order is fixed so a cancellation reason maps back to it:
// slot, challenge, previous challenge (if any), charged counters, checked counters.
func (s *Store) Issue(ctx context.Context, in otp.Issue) error {
	ch := in.Challenge
	item := challengeItem{Phone: ch.Phone, Purpose: string(ch.Purpose), AccountID: ch.AccountID, ChangeID: ch.ChangeID, State: string(ch.State),
		CodeHash: ch.CodeHash, CreatedAt: ch.CreatedAt.UnixMilli(), ExpiresAt: ch.ExpiresAt.Unix()}
	av, err := marshal(challenge(ch.ID), item)
	if err != nil {
		return err
	}
	slot := otpSlot(ch.Phone, string(ch.Purpose))
	slotCond := "attribute_not_exists(challengeId)"
	slotVals := map[string]types.AttributeValue{":id": str(ch.ID), ":sent": millis(ch.CreatedAt),
		":exp": epoch(ch.CreatedAt.Add(slotTTL)), ":notBefore": millis(in.NotBefore)}
	if in.Previous.ChallengeID != "" {
		slotCond = "challengeId = :prev AND sentAt <= :notBefore"
		slotVals[":prev"] = str(in.Previous.ChallengeID)
	} else {
		slotCond += " OR sentAt <= :notBefore" // a retracted send left the slot without a challenge
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: slot.av(),
			UpdateExpression:                    aws.String("SET challengeId = :id, sentAt = :sent, expiresAt = :exp"),
			ConditionExpression:                 aws.String(slotCond),
			ExpressionAttributeValues:           slotVals,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: &types.Put{TableName: &s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}
	if in.Previous.ChallengeID != "" {
		// A superseded challenge can no longer be redeemed; its proof, if it was verified, stays
		// good. If it is already gone, this leaves a tombstone that expires with the slot.
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &s.table,
			Key:                       challenge(in.Previous.ChallengeID).av(),
			UpdateExpression:          aws.String("SET superseded = :t, expiresAt = if_not_exists(expiresAt, :exp)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true), ":exp": epoch(ch.CreatedAt.Add(slotTTL))}}})
	}
	first := len(items)
	for _, c := range in.Charge {
		items = append(items, types.TransactWriteItem{Update: charge(s.table, c, 1)})
	}
	for _, c := range in.Check {
		k := counter(c.Key, c.Window)
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: k.av(),
			ConditionExpression:       aws.String("attribute_not_exists(n) OR n < :max"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":max": num(int64(c.Max))}}})
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	if !ok {
		return fmt.Errorf("issue challenge: %w", err)
	}
	switch i := failedAt(rs); {
	case i == 0:
		var sl slotItem
		if err := unmarshal(rs[0].Item, &sl); err != nil {
			return fmt.Errorf("decode slot: %w", err)
		}
		if sl.SentAt > in.NotBefore.UnixMilli() {
			return &otp.CooldownError{SentAt: time.UnixMilli(sl.SentAt).UTC()}
		}
		return errConflict // another send moved the slot after we read it
	case i >= first && i < first+len(in.Charge):
		return &otp.LimitError{Counter: in.Charge[i-first]}
	case i >= first+len(in.Charge):
		return &otp.LimitError{Counter: in.Check[i-first-len(in.Charge)]}
	case i > 0:
		return fmt.Errorf("issue challenge: condition failed on item %d", i)
	}
	if conflicted(rs) {
		return errConflict
	}
	return fmt.Errorf("issue challenge: %w", err)
}

// charge adds delta to a counter, refusing to go past its Max when delta is positive.
func charge(table string, c otp.Counter, delta int64) *types.Update {
	u := &types.Update{TableName: &table, Key: counter(c.Key, c.Window).av(),
		UpdateExpression:          aws.String("ADD n :d SET expiresAt = if_not_exists(expiresAt, :exp)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta), ":exp": epoch(c.Ends)}}
	if delta > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(n) OR n < :max")
		u.ExpressionAttributeValues[":max"] = num(int64(c.Max))
	}
	return u
}

// Retract kills the challenge, gives back what Issue charged and lifts the cooldown it set.
func (s *Store) Retract(ctx context.Context, in otp.Issue) error {
	ch := in.Challenge
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: challenge(ch.ID).av(),
			UpdateExpression:          aws.String("SET superseded = :t REMOVE codeHash"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true)}}},
		{Update: &types.Update{TableName: &s.table, Key: otpSlot(ch.Phone, string(ch.Purpose)).av(),
			UpdateExpression:          aws.String("SET sentAt = :zero REMOVE challengeId"),
			ConditionExpression:       aws.String("challengeId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":id": str(ch.ID)}}},
	}
	for _, c := range in.Charge {
		items = append(items, types.TransactWriteItem{Update: charge(s.table, c, -1)})
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("retract challenge: %w", err)
	}
	return nil
}

// Redeem turns a pending challenge into a proof in one conditional update.
func (s *Store) Redeem(ctx context.Context, id string, codeHash, proofHash []byte, now, proofExpiresAt time.Time, maxAttempts int) (otp.Challenge, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: challenge(id).av(),
		UpdateExpression: aws.String("SET #state = :verified, proofHash = :proof, expiresAt = :proofExp REMOVE codeHash"),
		ConditionExpression: aws.String("codeHash = :code AND #state = :pending AND expiresAt > :now" +
			" AND attempts < :max AND superseded = :f"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":verified": str(string(otp.StateVerified)),
			":pending": str(string(otp.StatePending)), ":proof": bin(proofHash), ":proofExp": epoch(proofExpiresAt),
			":code": bin(codeHash), ":now": epoch(now), ":max": num(int64(maxAttempts)), ":f": boolean(false)},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return otp.Challenge{}, &otp.RedeemError{}
		}
		var c challengeItem
		if err := unmarshal(ccf.Item, &c); err != nil {
			return otp.Challenge{}, fmt.Errorf("decode challenge: %w", err)
		}
		ch := c.domain(id)
		return otp.Challenge{}, &otp.RedeemError{Challenge: &ch}
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

// RecordFailure counts a wrong code on the challenge and on the phone's daily failures, in one
// transaction. When the phone's failures are used up, it burns the challenge instead.
func (s *Store) RecordFailure(ctx context.Context, ch otp.Challenge, maxAttempts int, failures otp.Counter) (int, error) {
	count := &types.Update{TableName: &s.table, Key: challenge(ch.ID).av(),
		UpdateExpression:          aws.String("ADD attempts :one"),
		ConditionExpression:       aws.String("#state = :pending AND attempts < :max"),
		ExpressionAttributeNames:  map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":pending": str(string(otp.StatePending)), ":max": num(int64(maxAttempts))}}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: count}, {Update: charge(s.table, failures, 1)},
	}})
	if err == nil {
		return ch.Attempts + 1, nil // the condition pins attempts below max; the count is exact enough to report
	}
	rs, ok := reasons(err)
	if !ok {
		return 0, fmt.Errorf("record failure: %w", err)
	}
	switch failedAt(rs) {
	case 0:
		return 0, &otp.RedeemError{Challenge: &ch}
	case 1:
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: challenge(ch.ID).av(),
			UpdateExpression:          aws.String("SET attempts = :max"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":max": num(int64(maxAttempts))}})
		if err != nil && !errors.As(err, new(*types.ConditionalCheckFailedException)) {
			return 0, fmt.Errorf("burn challenge: %w", err)
		}
		return maxAttempts, &otp.LimitError{Counter: failures}
	}
	if conflicted(rs) {
		return 0, errConflict
	}
	return 0, fmt.Errorf("record failure: %w", err)
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

// spendProof is the transaction item that spends a verification token: the proof is deleted only
// if it is still the verified, unexpired proof the flow checked, so a token works exactly once.
func (s *Store) spendProof(ch *otp.Challenge, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: challenge(ch.ID).av(),
		ConditionExpression:      aws.String("#state = :verified AND proofHash = :proof AND expiresAt > :now"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":verified": str(string(otp.StateVerified)),
			":proof": bin(ch.ProofHash), ":now": epoch(now)}}}
}
