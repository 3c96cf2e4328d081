package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/session"
)

// phoneChangeItem is the stored form of phonechange.Change.
type phoneChangeItem struct {
	ChangeID    string `dynamodbav:"changeId"`
	AccountID   string `dynamodbav:"accountId"`
	Path        string `dynamodbav:"path"`
	State       string `dynamodbav:"state"`
	OldPhone    string `dynamodbav:"oldPhone"`
	NewPhone    string `dynamodbav:"newPhone,omitempty"`
	CreatedAt   int64  `dynamodbav:"createdAt"`
	EffectiveAt int64  `dynamodbav:"effectiveAt,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"` // unix s; the TTL of an unfinished change
	SessionHash []byte `dynamodbav:"sessionHash,omitempty"`
}

// changeKeep is how long a finished change stays in the table, for support and audit.
const changeKeep = 90 * 24 * time.Hour

func toChangeItem(c phonechange.Change) phoneChangeItem {
	return phoneChangeItem{ChangeID: c.ID, AccountID: c.AccountID, Path: string(c.Path), State: string(c.State),
		OldPhone: c.OldPhone, NewPhone: c.NewPhone, CreatedAt: ms(c.CreatedAt), EffectiveAt: ms(c.EffectiveAt), ExpiresAt: c.ExpiresAt.Unix(),
		SessionHash: c.SessionHash}
}

func (it phoneChangeItem) domain() phonechange.Change {
	return phonechange.Change{ID: it.ChangeID, AccountID: it.AccountID, Path: phonechange.Path(it.Path), State: phonechange.State(it.State),
		OldPhone: it.OldPhone, NewPhone: it.NewPhone, CreatedAt: fromMS(it.CreatedAt), EffectiveAt: fromMS(it.EffectiveAt),
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), SessionHash: it.SessionHash}
}

func (it sessionItem) domain(hash []byte) session.Session {
	return session.Session{Hash: hash, AccountID: it.AccountID, DeviceID: it.DeviceID, CreatedAt: fromMS(it.CreatedAt),
		SeenAt: fromMS(it.SeenAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), AbsoluteAt: fromMS(it.AbsoluteAt)}
}

// changeKeyOf is the key of a change by its full id (the zero key for a malformed id).
func changeKeyOf(id string) (key, bool) {
	accountID, own, ok := account.SplitChangeID(id)
	if !ok {
		return key{}, false
	}
	return phoneChangeKey(accountID, own), true
}

// StartState reads the account and the proof a token names, in one BatchGetItem.
func (s *Store) StartState(ctx context.Context, accountID, token string) (account.Account, *otp.Challenge, error) {
	keys := []key{accountKey(accountID)}
	proofID, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return account.Account{}, nil, fmt.Errorf("phone change state: %w", err)
	}
	var a accountItem
	if err := unmarshal(items[accountKey(accountID)], &a); err != nil {
		return account.Account{}, nil, fmt.Errorf("decode account: %w", err)
	}
	proof, err := decodeProof(items, proofID, hasProof)
	return a.domain(), proof, err
}

func decodeProof(items map[key]map[string]types.AttributeValue, id string, has bool) (*otp.Challenge, error) {
	item, ok := items[challenge(id)]
	if !has || !ok {
		return nil, nil
	}
	var c challengeItem
	if err := unmarshal(item, &c); err != nil {
		return nil, fmt.Errorf("decode proof: %w", err)
	}
	ch := c.domain(id)
	return &ch, nil
}

// CreateChange writes a new change, spending the old-phone proof if one was used.
func (s *Store) CreateChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge) error {
	k, _ := changeKeyOf(c.ID)
	item, err := marshal(k, toChangeItem(c))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{putNew(s.table, item)}
	if proof != nil {
		items = append(items, s.spendProof(proof, c.CreatedAt))
	}
	return s.transact(ctx, "create phone change", items, map[int]error{1: invalidToken()})
}

// ConfirmState reads the session, the change and the proof in one BatchGetItem, then the
// account and its devices in one Query.
func (s *Store) ConfirmState(ctx context.Context, sessionHash []byte, changeID, token string) (phonechange.ConfirmState, error) {
	var st phonechange.ConfirmState
	ck, ok := changeKeyOf(changeID)
	if !ok {
		return st, nil
	}
	keys := []key{ck}
	if len(sessionHash) > 0 {
		keys = append(keys, sessionKey(sessionHash))
	}
	proofID, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return st, fmt.Errorf("phone change state: %w", err)
	}
	if item, ok := items[ck]; ok {
		var c phoneChangeItem
		if err := unmarshal(item, &c); err != nil {
			return st, fmt.Errorf("decode phone change: %w", err)
		}
		ch := c.domain()
		st.Change = &ch
	}
	if item, ok := items[sessionKey(sessionHash)]; ok && len(sessionHash) > 0 {
		var si sessionItem
		if err := unmarshal(item, &si); err != nil {
			return st, fmt.Errorf("decode session: %w", err)
		}
		ses := si.domain(sessionHash)
		st.Session = &ses
	}
	if st.Proof, err = decodeProof(items, proofID, hasProof); err != nil {
		return st, err
	}
	if st.Change == nil {
		return st, nil
	}
	rec, err := s.Recovery(ctx, st.Change.AccountID)
	st.Account, st.Devices = rec.Account, rec.Devices
	return st, err
}

// HoldChange moves a change to pending with its new phone, spends the proof and writes the event.
func (s *Store) HoldChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge, ev account.Event) error {
	k, _ := changeKeyOf(c.ID)
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: k.av(),
			UpdateExpression: aws.String("SET #state = :pending, newPhone = :new, effectiveAt = :at, expiresAt = :exp," +
				" sessionHash = :ses, GSI1PK = :holdPK, GSI1SK = :holdSK"),
			ConditionExpression:      aws.String("#state = :awaiting"),
			ExpressionAttributeNames: map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str(string(phonechange.StatePending)),
				":awaiting": str(string(phonechange.StateAwaitingNew)), ":new": str(c.NewPhone), ":at": num(ms(c.EffectiveAt)),
				":exp": epoch(c.EffectiveAt.Add(changeKeep)), ":ses": bin(c.SessionHash),
				":holdPK": str(holdPK(c.EffectiveAt)), ":holdSK": str(holdSK(c.EffectiveAt, c.ID))}}},
		s.spendProof(proof, ev.At),
	}
	evItem, err := s.eventPut(c.AccountID, ev)
	if err != nil {
		return err
	}
	items = append(items, evItem)
	return s.transact(ctx, "hold phone change", items, map[int]error{0: errConflict, 1: invalidToken()})
}

// CompleteChange swaps the phone: the old claim released (if still this account's), the new one taken
// (only if free), the account moved (conditional on its version), the change completed, the
// proof spent, the event written and every other session ended — one transaction.
func (s *Store) CompleteChange(ctx context.Context, w phonechange.Completion) error {
	c, a := w.Change, w.Account
	k, _ := changeKeyOf(c.ID)
	claim, err := marshal(phoneClaim(c.NewPhone), claimItem{AccountID: a.ID, Lang: a.Lang})
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.table, Key: phoneClaim(c.OldPhone).av(),
			ConditionExpression:       aws.String("accountId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(a.ID)}}},
		putNew(s.table, claim),
		{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
			UpdateExpression:         aws.String("SET phone = :new, phoneChangedAt = :now, version = :next"),
			ConditionExpression:      aws.String("version = :v AND phone = :old AND #status = :active"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(c.NewPhone), ":old": str(c.OldPhone),
				":now": num(ms(c.EffectiveAt)), ":next": num(a.Version + 1), ":v": num(a.Version), ":active": str(string(account.StatusActive))}}},
		{Update: &types.Update{TableName: &s.table, Key: k.av(),
			UpdateExpression:         aws.String("SET #state = :done, newPhone = :new, effectiveAt = :at, expiresAt = :exp REMOVE GSI1PK, GSI1SK"),
			ConditionExpression:      aws.String("#state IN (:awaiting, :pending)"),
			ExpressionAttributeNames: map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":done": str(string(phonechange.StateCompleted)),
				":awaiting": str(string(phonechange.StateAwaitingNew)), ":pending": str(string(phonechange.StatePending)),
				":new": str(c.NewPhone), ":at": num(ms(c.EffectiveAt)), ":exp": epoch(c.EffectiveAt.Add(changeKeep))}}},
	}
	evItem, err := s.eventPut(a.ID, w.Event)
	if err != nil {
		return err
	}
	items = append(items, evItem)
	for _, h := range w.Sessions {
		if string(h) != string(w.KeepSession) {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(h).av()}})
		}
	}
	failures := map[int]error{0: errConflict, 2: errConflict, 3: errConflict,
		1: account.FieldError(account.CodePhoneTaken, "verificationToken", "the new number now belongs to another account")}
	if w.Proof != nil {
		failures[len(items)] = invalidToken()
		items = append(items, s.spendProof(w.Proof, w.Event.At))
	}
	return s.transact(ctx, "complete phone change", items, failures)
}

// CancelChange moves an open change to cancelled, spending the proof if one was used.
func (s *Store) CancelChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge, ev account.Event) error {
	k, _ := changeKeyOf(c.ID)
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: k.av(),
		UpdateExpression:         aws.String("SET #state = :cancelled REMOVE GSI1PK, GSI1SK"),
		ConditionExpression:      aws.String("#state IN (:awaiting, :pending)"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cancelled": str(string(phonechange.StateCancelled)),
			":awaiting": str(string(phonechange.StateAwaitingNew)), ":pending": str(string(phonechange.StatePending))}}}}
	evItem, err := s.eventPut(c.AccountID, ev)
	if err != nil {
		return err
	}
	items = append(items, evItem)
	failures := map[int]error{0: errConflict}
	if proof != nil {
		failures[len(items)] = invalidToken()
		items = append(items, s.spendProof(proof, ev.At))
	}
	return s.transact(ctx, "cancel phone change", items, failures)
}

// holdDays is how many days back DueChanges looks, so a sweep missed for a few days still finds
// every held change.
const holdDays = 7

// DueChanges lists held changes whose hold ended at or before asOf, one Query per day of the
// index of holds (GSI1 "HOLD#<date>").
func (s *Store) DueChanges(ctx context.Context, asOf time.Time) ([]string, error) {
	var ids []string
	for d := 0; d <= holdDays; d++ {
		day := asOf.AddDate(0, 0, -d)
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI1"),
			KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :asOf"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(holdPK(day)),
				":asOf": str(holdSK(asOf, "\uffff"))}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("query held changes: %w", err)
			}
			for _, item := range page.Items {
				if sk, ok := item["GSI1SK"].(*types.AttributeValueMemberS); ok {
					ids = append(ids, sk.Value[strings.LastIndex(sk.Value, "#")+1:])
				}
			}
		}
	}
	return ids, nil
}

// eventPut is the transaction item that writes a security event.
func (s *Store) eventPut(accountID string, ev account.Event) (types.TransactWriteItem, error) {
	item, err := marshal(eventKey(accountID, ev.ID), toEventItem(accountID, ev, s.eventTTL))
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return putNew(s.table, item), nil
}

// transact runs a transaction, mapping the first failed condition to the error failures names
// for its item, and a lost race to a conflict.
func (s *Store) transact(ctx context.Context, what string, items []types.TransactWriteItem, failures map[int]error) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	if i := failedAt(rs); i >= 0 {
		if e, ok := failures[i]; ok {
			return e
		}
		return fmt.Errorf("%s: condition failed on item %d", what, i)
	}
	if conflicted(rs) {
		return errConflict
	}
	return fmt.Errorf("%s: %w", what, err)
}

func invalidToken() error {
	return account.FieldError(account.CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")
}
