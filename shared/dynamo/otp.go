package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// A slot is two attributes of its item: the latest challenge's id and when it was sent (unix
// ms). An email code's slot item is its own (emailSlot: challengeId, sentAt); a phone's slots
// share the phone's codes item (phoneCodes), one pair per purpose (challengeId#signup, …),
// with the phone's counts, one attribute per window (n#H2026112121, n#D20261121).
type slotAttrs struct{ id, sent string }

const countPrefix = "n#"

func slotAttrsOf(ch otp.Challenge) slotAttrs {
	if ch.Email != "" {
		return slotAttrs{"challengeId", "sentAt"}
	}
	return phoneSlotAttrs(string(ch.Purpose))
}

func phoneSlotAttrs(purpose string) slotAttrs {
	return slotAttrs{"challengeId#" + purpose, "sentAt#" + purpose}
}

// slot reads a slot from its item.
func (a slotAttrs) slot(item map[string]types.AttributeValue) otp.Slot {
	id, _ := item[a.id].(*types.AttributeValueMemberS)
	sl := otp.Slot{SentAt: time.UnixMilli(intAttr(item, a.sent)).UTC()}
	if id != nil {
		sl.ChallengeID = id.Value
	}
	return sl
}

// intAttr is a number attribute of item, 0 when it is missing or not a whole number.
func intAttr(item map[string]types.AttributeValue, name string) int64 {
	n, _ := item[name].(*types.AttributeValueMemberN)
	if n == nil {
		return 0
	}
	v, _ := strconv.ParseInt(n.Value, 10, 64)
	return v
}

// SendState reads the phone's claim and codes, and for a new number's code the session and the
// phone change, with the prefix's traffic and the check counters, in one BatchGetItem.
func (s *Store) SendState(ctx context.Context, q otp.StateQuery) (otp.SendState, error) {
	if q.Email != "" {
		return s.emailSendState(ctx, q)
	}
	claimKey, codesKey := phoneClaim(q.Phone), phoneCodes(q.Phone)
	keys := []key{claimKey, codesKey}
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
	keys = append(keys, checkKeys(q.Check)...)
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return otp.SendState{}, fmt.Errorf("get phone state: %w", err)
	}
	st := otp.SendState{Full: full(q.Check, items)}
	for k, item := range items {
		var err error
		switch {
		case traffic[k]:
			var c prefixCounterItem
			err = unmarshal(item, &c)
			st.Traffic.Sent += c.Sent
			st.Traffic.Verified += c.Verified
		case k == claimKey:
			var c claimItem
			err = unmarshal(item, &c)
			st.Owner = &otp.Owner{AccountID: c.AccountID, Lang: c.Lang}
		case k == codesKey:
			st.Slot = phoneSlotAttrs(string(q.Purpose)).slot(item)
			for name := range item {
				if w, ok := strings.CutPrefix(name, countPrefix); ok {
					st.Slot.Windows = append(st.Slot.Windows, w)
				}
			}
		case k == changeKey:
			var c phoneChangeItem
			err = unmarshal(item, &c)
			st.Change = &otp.ChangeRef{AccountID: c.AccountID, Open: c.State == string(phonechange.StateAwaitingNew),
				ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC()}
		case k.PK == sessionKey(q.SessionHash).PK:
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

func checkKeys(cs []ratelimit.Counter) []key {
	keys := make([]key, len(cs))
	for i, c := range cs {
		keys[i] = counter(c.Key, c.Window)
	}
	return keys
}

// full is the first of cs whose item, among items, counts its Max, or nil.
func full(cs []ratelimit.Counter, items map[key]map[string]types.AttributeValue) *ratelimit.Counter {
	for _, c := range cs {
		if item, ok := items[counter(c.Key, c.Window)]; ok && intAttr(item, "n") >= int64(c.Max) {
			return &c
		}
	}
	return nil
}

// prefixCounterItem is what a send reads of a number prefix's hourly counter: the SMS sent and
// the codes verified (its n, the requests, is the hourly cap's and is not read).
type prefixCounterItem struct {
	Sent     int `dynamodbav:"sent"`
	Verified int `dynamodbav:"verified"`
}

// emailSendState reads an email code's slot, the account asking (with its profile, which holds
// its email) and the check counters, in one BatchGetItem. The address's claim is not read:
// whether another account holds it is decided when the code is spent, and a send must not
// depend on it.
func (s *Store) emailSendState(ctx context.Context, q otp.StateQuery) (otp.SendState, error) {
	slotKey := emailSlot(q.Email, string(q.Purpose), q.AccountID)
	keys := append([]key{slotKey, accountKey(q.AccountID), profileKey(q.AccountID)}, checkKeys(q.Check)...)
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return otp.SendState{}, fmt.Errorf("get email state: %w", err)
	}
	st := otp.SendState{Full: full(q.Check, items)}
	if item, ok := items[slotKey]; ok {
		st.Slot = slotAttrs{"challengeId", "sentAt"}.slot(item)
	}
	st.Account, err = accountOf(items, q.AccountID)
	return st, err
}

// Issue writes the challenge, moves the slot (charging the phone's own counters on its item),
// supersedes the previous challenge and charges the other counters in one transaction.
func (s *Store) Issue(ctx context.Context, in otp.Issue) error {
	ch := in.Challenge
	item := challengeItem{Phone: ch.Phone, Region: ch.Region, Email: ch.Email, Purpose: string(ch.Purpose), AccountID: ch.AccountID, ChangeID: ch.ChangeID, State: string(ch.State),
		CodeHash: ch.CodeHash, CreatedAt: ch.CreatedAt.UnixMilli(), ExpiresAt: ch.ExpiresAt.Unix()}
	t := s.newTx()
	t.addFn(types.TransactWriteItem{Update: s.moveSlot(in)}, slotFailure(in))
	if err := t.putNewItem(challenge(ch.ID), item, nil); err != nil {
		return err
	}
	if in.Supersede {
		// A superseded challenge can no longer be redeemed; its proof, if it was verified, stays
		// good. If it is already gone, this leaves a tombstone that expires with the slot.
		t.update(&types.Update{TableName: &s.table, Key: challenge(in.Previous.ChallengeID).av(),
			UpdateExpression:          aws.String("SET superseded = :t, expiresAt = if_not_exists(expiresAt, :exp)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true), ":exp": epoch(ch.CreatedAt.Add(slotTTL))}}, nil)
	}
	for _, c := range in.Charge {
		t.update(charge(s.table, c, 1), &ratelimit.LimitError{Counter: c})
	}
	return t.commit(ctx, "issue challenge")
}

// moveSlot is the update that moves the slot on to the new challenge, if the cooldown has passed
// and nobody moved it since it was read, and charges the phone's own counters, each below its
// Max; it drops the counts of ended windows it read.
func (s *Store) moveSlot(in otp.Issue) *types.Update {
	ch, a := in.Challenge, slotAttrsOf(in.Challenge)
	names := map[string]string{"#id": a.id, "#sent": a.sent}
	vals := map[string]types.AttributeValue{":id": str(ch.ID), ":sent": millis(ch.CreatedAt), ":notBefore": millis(in.NotBefore)}
	cond := "(attribute_not_exists(#id) OR #sent <= :notBefore)" // a retracted send left the slot without a challenge
	if in.Previous.ChallengeID != "" {
		cond = "#id = :prev AND #sent <= :notBefore"
		vals[":prev"] = str(in.Previous.ChallengeID)
	}
	expires := ch.CreatedAt.Add(slotTTL)
	var add, remove []string
	for i, c := range in.Own {
		n := "#n" + strconv.Itoa(i)
		names[n], vals[":max"+n[2:]] = countPrefix+c.Window, num(int64(c.Max))
		add = append(add, n+" :one")
		cond += " AND (attribute_not_exists(" + n + ") OR " + n + " < :max" + n[2:] + ")"
		if c.Expires().After(expires) {
			expires = c.Expires()
		}
	}
	for i, w := range in.Previous.Windows {
		if ended(w, in.Own) {
			o := "#o" + strconv.Itoa(i)
			names[o] = countPrefix + w
			remove = append(remove, o)
		}
	}
	vals[":exp"] = epoch(expires)
	expr := "SET #id = :id, #sent = :sent, expiresAt = :exp"
	if len(add) > 0 {
		vals[":one"] = num(1)
		expr += " ADD " + strings.Join(add, ", ")
	}
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	return &types.Update{TableName: &s.table, Key: slotOf(ch).av(), UpdateExpression: aws.String(expr),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
}

// ended reports whether window w, read on the phone's codes item, is over: older than the send's
// own window of its kind (labels of one kind sort by time: H2026112121, D20261121). A window not
// older, written by a send for another purpose since this one read the clock, is left alone.
func ended(w string, own []ratelimit.Counter) bool {
	return slices.ContainsFunc(own, func(c ratelimit.Counter) bool {
		return len(w) > 0 && len(c.Window) > 0 && w[0] == c.Window[0] && w < c.Window
	})
}

// slotFailure tells why moveSlot's condition failed, from the item as it stood: the cooldown, a
// full counter, or another send that moved the slot after it was read.
func slotFailure(in otp.Issue) failure {
	return func(old map[string]types.AttributeValue) error {
		sl, prev := slotAttrsOf(in.Challenge).slot(old), in.Previous.ChallengeID
		early := sl.SentAt.After(in.NotBefore)
		if prev == "" && sl.ChallengeID != "" && early || prev != "" && (sl.ChallengeID != prev || early) {
			if early {
				return &otp.CooldownError{SentAt: sl.SentAt}
			}
			return errConflict // another send moved the slot after we read it
		}
		for _, c := range in.Own {
			if intAttr(old, countPrefix+c.Window) >= int64(c.Max) {
				return &ratelimit.LimitError{Counter: c}
			}
		}
		return errConflict
	}
}

// Retract kills the challenge, gives back what Issue charged and lifts the cooldown it set.
func (s *Store) Retract(ctx context.Context, in otp.Issue) error {
	ch, a := in.Challenge, slotAttrsOf(in.Challenge)
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: challenge(ch.ID).av(),
		UpdateExpression:          aws.String("SET superseded = :t REMOVE codeHash"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": boolean(true)}}, nil)
	names := map[string]string{"#id": a.id, "#sent": a.sent}
	expr := "SET #sent = :zero REMOVE #id"
	vals := map[string]types.AttributeValue{":zero": num(0), ":id": str(ch.ID)}
	if len(in.Own) > 0 {
		var back []string
		for i, c := range in.Own {
			n := "#n" + strconv.Itoa(i)
			names[n] = countPrefix + c.Window
			back = append(back, n+" :minus")
		}
		vals[":minus"] = num(-1)
		expr += " ADD " + strings.Join(back, ", ")
	}
	t.update(&types.Update{TableName: &s.table, Key: slotOf(ch).av(), UpdateExpression: aws.String(expr),
		ConditionExpression: aws.String("#id = :id"), ExpressionAttributeNames: names, ExpressionAttributeValues: vals}, nil)
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
