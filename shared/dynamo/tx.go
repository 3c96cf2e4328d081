package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/session"
)

// tx builds one TransactWriteItems. Each item is added with what its failed condition means, so
// commit can map DynamoDB's cancellation reasons back in one place and no call site counts
// positions:
//
//	t := s.newTx()
//	t.putNew(claim, account.FieldError(account.CodePhoneTaken, …))
//	t.spendProof(proof, now)
//	return t.commit(ctx, "create account")
type tx struct {
	s        *Store
	items    []types.TransactWriteItem
	fails    []failure
	conflict error
	deviceID string // the device that gets a session in this transaction: its events came from it
}

// A failure turns a failed condition into the error the flow understands, given the item as it
// stood (set only where the item asks for ReturnValuesOnConditionCheckFailure ALL_OLD).
type failure func(old map[string]types.AttributeValue) error

func (s *Store) newTx() *tx { return &tx{s: s, conflict: errConflict} }

// retryable makes a lost race answer account.ErrStale, for a service that reads again and retries.
func (t *tx) retryable() *tx { return t.onConflict(account.ErrStale) }

// onConflict sets what a transaction that lost a race with another answers (conflict by default).
func (t *tx) onConflict(err error) *tx { t.conflict = err; return t }

// add adds an item whose failed condition means err. A nil err says the condition can fail only
// through a bug; commit then answers an internal error naming the item.
func (t *tx) add(item types.TransactWriteItem, err error) {
	var f failure
	if err != nil {
		f = func(map[string]types.AttributeValue) error { return err }
	}
	t.addFn(item, f)
}

// addFn adds an item whose failed condition means what f makes of the item as it stood.
func (t *tx) addFn(item types.TransactWriteItem, f failure) {
	t.items = append(t.items, item)
	t.fails = append(t.fails, f)
}

// putNew adds a put of an item that must not exist yet.
func (t *tx) putNew(item map[string]types.AttributeValue, err error) {
	t.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}}, err)
}

// putNewItem encodes v under k and adds it with putNew.
func (t *tx) putNewItem(k key, v any, err error) error {
	item, mErr := marshal(k, v)
	if mErr != nil {
		return mErr
	}
	t.putNew(item, err)
	return nil
}

// update, put and del add an item of each kind.
func (t *tx) update(u *types.Update, err error) { t.add(types.TransactWriteItem{Update: u}, err) }

func (t *tx) put(p *types.Put, err error) { t.add(types.TransactWriteItem{Put: p}, err) }

func (t *tx) del(d *types.Delete, err error) { t.add(types.TransactWriteItem{Delete: d}, err) }

// deleteKey adds an unconditional delete.
func (t *tx) deleteKey(k key) { t.del(&types.Delete{TableName: &t.s.table, Key: k.av()}, nil) }

// event adds a security event: the stream outbox, written with the change it describes.
func (t *tx) event(accountID string, ev account.Event) error {
	return t.putNewItem(eventKey(accountID, ev.ID), toEventItem(accountID, ev, t.s.eventTTL), nil)
}

// activeUpdate is an update of a's item conditional on its version as read and on its being
// active: the expression's SET clauses (set, which may be "") with one more version, then rest
// ("REMOVE …", or ""); vals holds the clauses' values.
func (s *Store) activeUpdate(a account.Account, set, rest string, vals map[string]types.AttributeValue) *types.Update {
	expr := "SET #version = :next"
	if set != "" {
		expr = "SET " + set + ", #version = :next"
	}
	if rest != "" {
		expr += " " + rest
	}
	vals[":v"], vals[":next"], vals[":active"] = num(a.Version), num(a.Version+1), str(string(account.StatusActive))
	return &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(), UpdateExpression: aws.String(expr),
		ConditionExpression: aws.String("#version = :v AND #status = :active"), ExpressionAttributeNames: accountNames,
		ExpressionAttributeValues: vals}
}

// updateWithEvent applies u to the account accountID, a failed condition answering
// account.ErrStale: alone in one UpdateItem, or with ev in one transaction.
func (s *Store) updateWithEvent(ctx context.Context, u *types.Update, accountID string, ev *account.Event, what string) error {
	if ev != nil {
		t := s.newTx().retryable()
		t.update(u, account.ErrStale)
		if err := t.event(accountID, *ev); err != nil {
			return err
		}
		return t.commit(ctx, what)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return account.ErrStale
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// spendProof adds the spending of a verification token: the proof is deleted only if it is still
// the verified, unexpired proof the flow checked, so a token works exactly once.
func (t *tx) spendProof(ch *otp.Challenge, now time.Time) {
	t.del(proofSpend(t.s.table, ch, now), account.ErrInvalidToken)
}

// proofSpend is the deletion of ch's proof, conditional on its being still the verified,
// unexpired proof the flow checked.
func proofSpend(table string, ch *otp.Challenge, now time.Time) *types.Delete {
	return &types.Delete{TableName: &table, Key: challenge(ch.ID).av(),
		ConditionExpression:      aws.String("#state = :verified AND proofHash = :proof AND expiresAt > :now"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":verified": str(string(otp.StateVerified)),
			":proof": bin(ch.ProofHash), ":now": epoch(now)}}
}

// endSessions adds the deletion of every session in hashes but keep.
func (t *tx) endSessions(hashes [][]byte, keep []byte) {
	for _, h := range hashes {
		if string(h) != string(keep) {
			t.deleteKey(sessionKey(h))
		}
	}
}

// endAllSessions adds the deletion of every session in hashes; those beyond the transaction's
// room are deleted first, on their own.
func (t *tx) endAllSessions(ctx context.Context, hashes [][]byte) error {
	if room := maxTransactItems - t.len(); len(hashes) > room {
		if err := t.s.EndSessions(ctx, hashes[room:]); err != nil {
			return err
		}
		hashes = hashes[:room]
	}
	t.endSessions(hashes, nil)
	return nil
}

// newSession adds a new session.
func (t *tx) newSession(ses session.Session) error {
	return t.putNewItem(sessionKey(ses.Hash), toSessionItem(ses), nil)
}

// device adds the write of a device that holds a new session. A new device (prev nil) must still
// be absent; a known one must still hold the session it held when read, so two sign-ins racing
// on one device cannot both leave a session behind. A failed condition means err.
func (t *tx) device(accountID string, d account.Device, prev *account.Device, err error) error {
	item, mErr := marshal(deviceKey(accountID, d.ID), toDeviceItem(d))
	if mErr != nil {
		return mErr
	}
	p := &types.Put{TableName: &t.s.table, Item: item}
	switch {
	case prev == nil:
		p.ConditionExpression = aws.String("attribute_not_exists(PK)")
	case len(prev.SessionHash) == 0:
		p.ConditionExpression = aws.String("attribute_exists(PK) AND attribute_not_exists(sessionHash)")
	default:
		p.ConditionExpression = aws.String("sessionHash = :old")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":old": bin(prev.SessionHash)}
	}
	t.put(p, err)
	t.deviceID = d.ID
	return nil
}

// guardAccount adds, for a flow (a phone change's start) whose transaction does not otherwise write the account item, an
// update of it conditional on its version as read and on no deletion being pending: it bumps the
// version and stores r (see account.Rehash), with an update of each card whose fingerprint moves
// to the current pepper. A deletion requested meanwhile, which writes the account too, and this
// cannot both succeed; a pending one answers deletion_pending.
func (t *tx) guardAccount(a account.Account, r account.Rehash) error {
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1)}
	set := append([]string{"version = :next"}, rehashSets(a, r, vals)...)
	conflict := t.conflict
	t.addFn(types.TransactWriteItem{Update: &types.Update{TableName: &t.s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:                    aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:                 aws.String("version = :v AND attribute_not_exists(deletionDueAt)"),
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		func(old map[string]types.AttributeValue) error {
			if _, pending := old["deletionDueAt"]; pending {
				return phonechange.ErrDeletionPending
			}
			return conflict
		})
	t.rehashCards(a.ID, r)
	t.rehashProfile(a.ID, r)
	return t.rehashAnswers(a, r)
}

// rehashProfile adds, when r moves the ID number's fingerprint to the current pepper, the
// update of the profile item that stores it (guarded as rehashAnswers is).
func (t *tx) rehashProfile(accountID string, r account.Rehash) {
	if r.IDHash != nil {
		t.updateProfile(accountID, "SET idHash = :h", map[string]types.AttributeValue{":h": bin(r.IDHash)})
	}
}

// rehashCards adds an update of each card whose fingerprint moves to the current pepper; one
// unlinked meanwhile fails the transaction as a lost race.
func (t *tx) rehashCards(accountID string, r account.Rehash) {
	for id, h := range r.Cards {
		t.update(&types.Update{TableName: &t.s.table, Key: cardKey(accountID, id).av(),
			UpdateExpression: aws.String("SET cardHash = :h"), ConditionExpression: aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":h": bin(h)}}, t.conflict)
	}
}

// rehashSets returns the SET clauses that store r's account hashes in a's item, adding their
// values to vals (the answers' and the ID number's are in items of their own: rehashAnswers,
// rehashProfile). The update they join must
// be conditional on the item being as a was read (its version).
func rehashSets(a account.Account, r account.Rehash, vals map[string]types.AttributeValue) []string {
	var set []string
	if r.PaymentHash != "" {
		set = append(set, "paymentHash = :rhPay")
		vals[":rhPay"] = str(r.PaymentHash)
	}
	return set
}

// rehashAnswers adds, when r moves any of a's answer hashes to the current pepper, the put of
// a's answers item with them. The transaction's update of the account, conditional on the
// version a was read at, guards it: the answers cannot have changed since they were read.
func (t *tx) rehashAnswers(a account.Account, r account.Rehash) error {
	answers := slices.Clone(a.Answers)
	moved := false
	for i, ans := range answers {
		if h, ok := r.Answers[ans.QuestionID]; ok {
			answers[i].Hash, moved = h, true
		}
	}
	if !moved {
		return nil
	}
	return t.putAnswers(a.ID, answers)
}

// putAnswers adds the write of an account's answers item, unconditional: the caller adds an
// update of the account conditional on its version, which every write of the answers bumps.
func (t *tx) putAnswers(accountID string, answers []account.Answer) error {
	item, err := marshal(answersKey(accountID), toAnswersItem(answers))
	if err != nil {
		return err
	}
	t.put(&types.Put{TableName: &t.s.table, Item: item}, nil)
	return nil
}

// updateProfile adds an update of an account's profile item (which it creates if need be),
// unconditional: the caller adds an update of the account conditional on its version, which
// every write of the profile bumps.
func (t *tx) updateProfile(accountID, expr string, vals map[string]types.AttributeValue) {
	t.update(&types.Update{TableName: &t.s.table, Key: profileKey(accountID).av(), UpdateExpression: aws.String(expr),
		ExpressionAttributeValues: vals}, nil)
}

// putProfile adds the write of an account's whole profile item, unconditional, as updateProfile.
func (t *tx) putProfile(accountID string, p account.Profile) error {
	item, err := marshal(profileKey(accountID), profileItem(p))
	if err != nil {
		return err
	}
	t.put(&types.Put{TableName: &t.s.table, Item: item}, nil)
	return nil
}

// stamp records on each event the transaction writes where its request came from: the source IP
// and the device (the one this transaction gives a session, else the request's session's).
func (t *tx) stamp(ctx context.Context) {
	o := account.OriginOf(ctx)
	if t.deviceID != "" {
		o.DeviceID = t.deviceID
	}
	for _, it := range t.items {
		if it.Put == nil || !isEvent(it.Put.Item) {
			continue
		}
		if o.SourceIP != "" {
			it.Put.Item[attrSourceIP] = str(o.SourceIP)
		}
		if o.DeviceID != "" {
			it.Put.Item[attrDeviceID] = str(o.DeviceID)
		}
	}
}

// len is the number of items so far.
func (t *tx) len() int { return len(t.items) }

// commit writes the items. A failed condition answers the error its item was added with (the
// first such item's, in the order they were added); a lost race answers the conflict error.
func (t *tx) commit(ctx context.Context, what string) error {
	t.stamp(ctx)
	_, err := t.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return fmt.Errorf("%s: %w", what, err)
	}
	rs := tce.CancellationReasons
	for i, r := range rs {
		if aws.ToString(r.Code) != "ConditionalCheckFailed" {
			continue
		}
		if i < len(t.fails) && t.fails[i] != nil {
			return t.fails[i](r.Item)
		}
		return fmt.Errorf("%s: condition failed on item %d: %w", what, i, err)
	}
	for _, r := range rs {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return t.conflict
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// charge adds delta to a counter (and to its SMS sent, when it counts them), refusing to go past its Max
// when delta is positive.
func charge(table string, c ratelimit.Counter, delta int64) *types.Update {
	add := "ADD n :d"
	if c.Sent {
		add += ", " + attrSent + " :d"
	}
	u := &types.Update{TableName: &table, Key: counter(c.Key, c.Window).av(),
		UpdateExpression:          aws.String(add + " SET expiresAt = if_not_exists(expiresAt, :exp)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta), ":exp": epoch(c.Expires())}}
	if delta > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(n) OR n < :max")
		u.ExpressionAttributeValues[":max"] = num(int64(c.Max))
	}
	return u
}
