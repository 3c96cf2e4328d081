package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/idv"
)

var _ idv.Store = (*IDVStore)(nil)

// IDVStore is the Store as identity verification uses it: idv.Store, with how long the audit
// items of customer service's decisions are kept.
type IDVStore struct {
	s        *Store
	auditTTL time.Duration
}

// ForIDV returns the Store as identity verification uses it; audit items live auditTTL (AUDIT_TTL).
func (s *Store) ForIDV(auditTTL time.Duration) *IDVStore { return &IDVStore{s: s, auditTTL: auditTTL} }

// idvStateItem is idv.State.
type idvStateItem struct {
	Open     string  `dynamodbav:"openCase,omitempty"`
	Openings []int64 `dynamodbav:"openings"` // ms
	Version  int64   `dynamodbav:"version"`
	ItemType string  `dynamodbav:"itemType"` // "idv_state"
}

// idvCaseItem is idv.Case. The document number is kept only as its fingerprints and last 4.
type idvCaseItem struct {
	CaseID       string   `dynamodbav:"caseId"`
	AccountID    string   `dynamodbav:"accountId"`
	ItemType     string   `dynamodbav:"itemType"` // "idv_case"
	Provider     string   `dynamodbav:"provider"`
	Status       string   `dynamodbav:"status"`
	DocumentType string   `dynamodbav:"documentType"`
	IDHashes     [][]byte `dynamodbav:"idHashes"`
	IDLast4      string   `dynamodbav:"idLast4"`
	Nationality  string   `dynamodbav:"nationality"`
	Decision     string   `dynamodbav:"decision,omitempty"`
	ReasonCode   string   `dynamodbav:"reasonCode,omitempty"`
	Level        string   `dynamodbav:"level,omitempty"`
	CreatedAt    int64    `dynamodbav:"createdAt"`
	DecidedAt    int64    `dynamodbav:"decidedAt,omitempty"`
	DecidedBy    string   `dynamodbav:"decidedBy,omitempty"`
}

func toIDVCaseItem(c idv.Case) idvCaseItem {
	return idvCaseItem{CaseID: c.ID, AccountID: c.AccountID, ItemType: "idv_case", Provider: c.Provider, Status: string(c.Status),
		DocumentType: c.DocumentType, IDHashes: c.IDHashes, IDLast4: c.IDLast4, Nationality: c.Nationality,
		Decision: string(c.Decision), ReasonCode: c.ReasonCode, Level: string(c.Level), CreatedAt: ms(c.CreatedAt),
		DecidedAt: ms(c.DecidedAt), DecidedBy: c.DecidedBy}
}

func (it idvCaseItem) domain() idv.Case {
	return idv.Case{ID: it.CaseID, AccountID: it.AccountID, Provider: it.Provider, Status: idv.Status(it.Status),
		DocumentType: it.DocumentType, IDHashes: it.IDHashes, IDLast4: it.IDLast4, Nationality: it.Nationality,
		Decision: idv.Status(it.Decision), ReasonCode: it.ReasonCode, Level: account.Level(it.Level), CreatedAt: fromMS(it.CreatedAt),
		DecidedAt: fromMS(it.DecidedAt), DecidedBy: it.DecidedBy}
}

func toIDVStateItem(st idv.State) idvStateItem {
	it := idvStateItem{Open: st.Open, Openings: []int64{}, Version: st.Version, ItemType: "idv_state"}
	for _, t := range st.Openings {
		it.Openings = append(it.Openings, ms(t))
	}
	return it
}

func (it idvStateItem) domain() idv.State {
	st := idv.State{Open: it.Open, Version: it.Version}
	for _, t := range it.Openings {
		st.Openings = append(st.Openings, fromMS(t))
	}
	return st
}

// OpeningRecord reads the account with its profile and its verification state in one
// BatchGetItem.
func (c *IDVStore) OpeningRecord(ctx context.Context, accountID string) (*account.Account, idv.State, error) {
	found, err := c.s.getMany(ctx, []key{accountKey(accountID), profileKey(accountID), idvStateKey(accountID)})
	if err != nil {
		return nil, idv.State{}, err
	}
	var st idv.State
	if item, ok := found[idvStateKey(accountID)]; ok {
		var it idvStateItem
		if err := unmarshal(item, &it); err != nil {
			return nil, st, fmt.Errorf("decode verification state: %w", err)
		}
		st = it.domain()
	}
	a, err := accountOf(found, accountID)
	return a, st, err
}

// Account reads an account.
func (c *IDVStore) Account(ctx context.Context, id string) (*account.Account, error) {
	return c.s.Account(ctx, id)
}

// Case reads a case by its full id; nil when there is none or the id is malformed.
func (c *IDVStore) Case(ctx context.Context, id string) (*idv.Case, error) {
	k, ok := idvCaseKeyOf(id)
	if !ok {
		return nil, nil
	}
	var it idvCaseItem
	if found, err := c.s.get(ctx, k, &it, "verification case"); !found || err != nil {
		return nil, err
	}
	cs := it.domain()
	return &cs, nil
}

// LatestCase reads the account's newest case (one Query, newest first, limit 1).
func (c *IDVStore) LatestCase(ctx context.Context, accountID string) (*idv.Case, error) {
	out, err := c.s.db.Query(ctx, &dynamodb.QueryInput{TableName: &c.s.table, ConsistentRead: aws.Bool(true),
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(1),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountKey(accountID).PK),
			":prefix": str(idvCasePrefix)}})
	if err != nil {
		return nil, fmt.Errorf("query verification cases: %w", err)
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	var it idvCaseItem
	if err := unmarshal(out.Items[0], &it); err != nil {
		return nil, fmt.Errorf("decode verification case: %w", err)
	}
	cs := it.domain()
	return &cs, nil
}

// OpenCase writes the state after o (conditional on its version as read), the new case, and a
// check that the account is still active, in one transaction.
func (c *IDVStore) OpenCase(ctx context.Context, o idv.Opening) error {
	t := c.s.newTx().retryable()
	if err := c.putState(t, o.Case.AccountID, o.Before, o.After); err != nil {
		return err
	}
	k, _ := idvCaseKeyOf(o.Case.ID)
	if err := t.putNewItem(k, toIDVCaseItem(o.Case), account.ErrStale); err != nil {
		return err
	}
	t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &c.s.table, Key: accountKey(o.Account.ID).av(),
		ConditionExpression:       aws.String("#status = :active"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(account.StatusActive))}}}, account.ErrStale)
	return t.commit(ctx, "open verification case")
}

// putState adds the write of the state after, conditional on the state as read (before).
func (c *IDVStore) putState(t *tx, accountID string, before, after idv.State) error {
	item, err := marshal(idvStateKey(accountID), toIDVStateItem(after))
	if err != nil {
		return err
	}
	p := &types.Put{TableName: &c.s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if before.Version > 0 {
		p.ConditionExpression = aws.String("version = :v")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(before.Version)}
	}
	t.put(p, account.ErrStale)
	return nil
}

// UndoOpening deletes o's case and puts the state back as it was, conditional on o.After still
// standing: the opening a provider refused does not count.
func (c *IDVStore) UndoOpening(ctx context.Context, o idv.Opening) error {
	t := c.s.newTx().retryable()
	if err := c.putState(t, o.Case.AccountID, o.After, idv.State{Openings: o.Before.Openings, Version: o.After.Version + 1}); err != nil {
		return err
	}
	k, _ := idvCaseKeyOf(o.Case.ID)
	t.del(&types.Delete{TableName: &c.s.table, Key: k.av(), ConditionExpression: aws.String("#status = :pending"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str(string(idv.StatusPending))}}, account.ErrStale)
	return t.commit(ctx, "undo verification opening")
}

// DecideCase writes d in one transaction: the case (still pending), the state (no longer holding
// it open), the account (its version as read, not closed; the level and profile an approval
// sets), the event and customer service's audit.
func (c *IDVStore) DecideCase(ctx context.Context, d idv.Decision) error {
	t := c.s.newTx().retryable()
	cs, a := d.Case, d.Account
	if d.Audit != nil {
		if err := t.putNewItem(auditKey(a.ID, d.Audit.ID), toAuditItem(*d.Audit, c.auditTTL), nil); err != nil {
			return err
		}
	}
	c.decideCase(t, cs)
	t.update(&types.Update{TableName: &c.s.table, Key: idvStateKey(a.ID).av(),
		UpdateExpression: aws.String("REMOVE openCase SET version = version + :one"), ConditionExpression: aws.String("openCase = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(cs.ID), ":one": num(1)}}, account.ErrStale)
	t.update(c.decidedAccount(d), account.ErrStale)
	if d.Profile != nil {
		if err := t.putProfile(a.ID, *d.Profile); err != nil {
			return err
		}
	}
	if err := t.event(a.ID, d.Event); err != nil {
		return err
	}
	return t.commit(ctx, "decide verification case")
}

// decideCase adds the case's update from pending to its decision.
func (c *IDVStore) decideCase(t *tx, cs idv.Case) {
	k, _ := idvCaseKeyOf(cs.ID)
	set := []string{"#status = :status", "decision = :decision", "decidedAt = :at", "decidedBy = :by"}
	vals := map[string]types.AttributeValue{":status": str(string(cs.Status)), ":decision": str(string(cs.Decision)),
		":at": num(ms(cs.DecidedAt)), ":by": str(cs.DecidedBy), ":pending": str(string(idv.StatusPending))}
	if cs.ReasonCode != "" {
		set, vals[":reason"] = append(set, "reasonCode = :reason"), str(cs.ReasonCode)
	}
	names := map[string]string{"#status": "status"}
	if cs.Level != "" {
		set, vals[":level"], names["#level"] = append(set, "#level = :level"), str(string(cs.Level)), "level"
	}
	t.update(&types.Update{TableName: &c.s.table, Key: k.av(), UpdateExpression: aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression: aws.String("#status = :pending"), ExpressionAttributeNames: names,
		ExpressionAttributeValues: vals}, account.ErrStale)
}

// decidedAccount is the account's update of a decision: one more version, and an approval's
// level, conditional on the version as read and the account not being closed (which guards
// the write of the profile an approval sets, in the same transaction).
func (c *IDVStore) decidedAccount(d idv.Decision) *types.Update {
	a := d.Account
	set := []string{"#version = :next"}
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1), ":closed": str(string(account.StatusClosed))}
	names := map[string]string{"#status": "status", "#version": "version"}
	if d.Raise {
		set = append(set, "#level = :level", "levelAt = :levelAt")
		vals[":level"], vals[":levelAt"], names["#level"] = str(string(d.Case.Level)), num(ms(d.Case.DecidedAt)), "level"
	}
	return &types.Update{TableName: &c.s.table, Key: accountKey(a.ID).av(), UpdateExpression: aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression: aws.String("#version = :v AND #status <> :closed"), ExpressionAttributeNames: names,
		ExpressionAttributeValues: vals}
}

// SpendSignature puts the callback's replay marker, which must not exist yet.
func (c *IDVStore) SpendSignature(ctx context.Context, hash []byte, expires time.Time) error {
	item, err := marshal(idvSignatureKey(hash), struct {
		ExpiresAt int64 `dynamodbav:"expiresAt"`
	}{expires.Unix()})
	if err != nil {
		return err
	}
	_, err = c.s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &c.s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return idv.ErrReplayed
	}
	if err != nil {
		return fmt.Errorf("put callback marker: %w", err)
	}
	return nil
}

// ForgetSignature deletes a callback's replay marker.
func (c *IDVStore) ForgetSignature(ctx context.Context, hash []byte) error {
	_, err := c.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &c.s.table, Key: idvSignatureKey(hash).av()})
	if err != nil {
		return fmt.Errorf("delete callback marker: %w", err)
	}
	return nil
}
