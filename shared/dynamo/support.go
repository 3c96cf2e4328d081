package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/support"
)

var _ support.Store = (*SupportStore)(nil)

// SupportStore is the Store as customer service (the internal API) uses it: support.Store, with
// how long audit items are kept.
type SupportStore struct {
	s        *Store
	auditTTL time.Duration
}

// ForSupport returns the Store as customer service uses it; audit items live auditTTL (AUDIT_TTL).
func (s *Store) ForSupport(auditTTL time.Duration) *SupportStore {
	return &SupportStore{s: s, auditTTL: auditTTL}
}

// auditItem is one customer-service action (support.Audit).
type auditItem struct {
	AccountID   string   `dynamodbav:"accountId"`
	AuditID     string   `dynamodbav:"auditId"`
	ItemType    string   `dynamodbav:"itemType"` // "audit"
	Principal   string   `dynamodbav:"principal"`
	Action      string   `dynamodbav:"action"`
	Reason      string   `dynamodbav:"reason"`
	CaseID      string   `dynamodbav:"caseId"`
	At          int64    `dynamodbav:"at"`
	Before      string   `dynamodbav:"statusBefore"`
	After       string   `dynamodbav:"statusAfter"`
	FlagsBefore []string `dynamodbav:"flagsBefore,omitempty"`
	FlagsAfter  []string `dynamodbav:"flagsAfter,omitempty"`
	Version     int64    `dynamodbav:"version"` // the account's version the action wrote
	ExpiresAt   int64    `dynamodbav:"expiresAt"`
}

// AuditItemType is the itemType of an audit item.
const AuditItemType = "audit"

func toAuditItem(a support.Audit, ttl time.Duration) auditItem {
	return auditItem{AccountID: a.AccountID, AuditID: a.ID, ItemType: AuditItemType, Principal: a.Principal, Action: a.Action,
		Reason: a.Reason, CaseID: a.CaseID, At: ms(a.At), Before: string(a.Before), After: string(a.After),
		FlagsBefore: a.FlagsBefore, FlagsAfter: a.FlagsAfter, Version: a.Version, ExpiresAt: a.At.Add(ttl).Unix()}
}

func (it auditItem) domain() support.Audit {
	return support.Audit{ID: it.AuditID, AccountID: it.AccountID, Principal: it.Principal, Action: it.Action, Reason: it.Reason,
		CaseID: it.CaseID, At: fromMS(it.At), Before: account.Status(it.Before), After: account.Status(it.After),
		FlagsBefore: it.FlagsBefore, FlagsAfter: it.FlagsAfter, Version: it.Version}
}

// AccountByPhone returns the account that claims the number, "" when none.
func (c *SupportStore) AccountByPhone(ctx context.Context, e164 string) (string, error) {
	return c.s.PhoneOwner(ctx, e164)
}

// AccountByEmail returns the account that claims the address (lower case), "" when none.
func (c *SupportStore) AccountByEmail(ctx context.Context, lower string) (string, error) {
	var it claimItem
	_, err := c.s.get(ctx, emailClaim(lower), &it, "email claim")
	return it.AccountID, err
}

// SupportRecord reads the account (with its blocks) and its devices in one strongly consistent
// query (accountWith); with events > 0, then its phone changes and newest events.
func (c *SupportStore) SupportRecord(ctx context.Context, id string, since time.Time, events int) (*support.Record, error) {
	var r support.Record
	acct := accountKey(id)
	p, err := c.s.accountWith(ctx, id)
	if err != nil || p.account == nil {
		return nil, err
	}
	r.Flags = slices.Sorted(slices.Values(p.account.Blocks))
	r.Account, r.Devices = *p.account, p.devices
	if events <= 0 {
		return &r, nil
	}
	if err := c.s.queryPrefix(ctx, acct.PK, phoneChangePrefix, func(_ string, item map[string]types.AttributeValue) error {
		var it phoneChangeItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode phone change: %w", err)
		}
		r.PhoneChanges = append(r.PhoneChanges, it.domain())
		return nil
	}); err != nil {
		return nil, err
	}
	recs, err := c.s.Activity(ctx, id, since, "", events)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		r.Events = append(r.Events, rec.Event)
	}
	return &r, nil
}

// SupportAct writes one action: see support.Store. The audit item goes in first, so the
// sessions ended in the same transaction take only the room that is left.
func (c *SupportStore) SupportAct(ctx context.Context, ch support.Change) error {
	a := ch.Record.Account
	t := c.s.newTx().retryable()
	if err := t.putNewItem(auditKey(a.ID, ch.Audit.ID), toAuditItem(ch.Audit, c.auditTTL), nil); err != nil {
		return err
	}
	if ch.Close != nil {
		err := c.s.ForClosure().closing(ctx, t, *ch.Close, ch.Event, func(u *types.Update) {
			u.ConditionExpression = aws.String("#version = :v AND #status = :seen AND " + unblocked)
			u.ExpressionAttributeNames["#version"] = "version"
			u.ExpressionAttributeValues[":v"], u.ExpressionAttributeValues[":seen"] = num(a.Version), str(string(a.Status))
			u.ExpressionAttributeValues[":zero"] = num(0)
			u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
			t.addFn(types.TransactWriteItem{Update: u}, blockedOrStale)
		})
		if err != nil {
			return err
		}
		return t.commit(ctx, "support "+ch.Audit.Action)
	}
	t.update(c.accountUpdate(ch), account.ErrStale)
	if err := t.event(a.ID, ch.Event); err != nil {
		return err
	}
	if err := t.endAllSessions(ctx, ch.Sessions); err != nil {
		return err
	}
	return t.commit(ctx, "support "+ch.Audit.Action)
}

// blockedOrStale reads a failed close: a flag set meanwhile blocks it, anything else is a lost race.
func blockedOrStale(old map[string]types.AttributeValue) error {
	var it accountItem
	if err := unmarshal(old, &it); err == nil && len(it.Blocks) > 0 {
		return support.ErrBlocked
	}
	return account.ErrStale
}

// accountUpdate is the account's write of an action other than close: one more version, the
// status after and, for flags, the blocks after, conditional on the version and blocks as read.
func (c *SupportStore) accountUpdate(ch support.Change) *types.Update {
	a := ch.Record.Account
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1), ":after": str(string(ch.Status))}
	set, remove := []string{"#version = :next", "#status = :after"}, ""
	cond := "#version = :v"
	if ch.Audit.Action == support.ActionFlags {
		cond += " AND " + blocksAre(ch.Record.Flags, vals)
		if len(ch.Flags) == 0 {
			remove = " REMOVE blocks"
		} else {
			set = append(set, "blocks = :blocks")
			vals[":blocks"] = &types.AttributeValueMemberSS{Value: ch.Flags}
		}
	}
	return &types.Update{TableName: &c.s.table, Key: accountKey(a.ID).av(),
		UpdateExpression: aws.String("SET " + strings.Join(set, ", ") + remove), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: accountNames, ExpressionAttributeValues: vals}
}

// blocksAre is the condition that the account's blocks are exactly flags: other systems set
// blocks without moving the version.
func blocksAre(flags []string, vals map[string]types.AttributeValue) string {
	if len(flags) == 0 {
		return "attribute_not_exists(blocks)"
	}
	vals[":nBlocks"] = num(int64(len(flags)))
	parts := []string{"size(blocks) = :nBlocks"}
	for i, f := range flags {
		name := ":block" + strconv.Itoa(i)
		vals[name] = str(f)
		parts = append(parts, "contains(blocks, "+name+")")
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// AuditTrail reads a page of the account's audit items, newest first.
func (c *SupportStore) AuditTrail(ctx context.Context, id, before string, limit int) ([]support.Audit, error) {
	in := &dynamodb.QueryInput{TableName: &c.s.table, ConsistentRead: aws.Bool(true), ScanIndexForward: aws.Bool(false),
		Limit:                  aws.Int32(int32(limit)),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountKey(id).PK),
			":from": str(auditPrefix), ":to": str(auditsEnd)}}
	if before != "" {
		in.ExclusiveStartKey = auditKey(id, before).av()
	}
	out, err := c.s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	audits := make([]support.Audit, 0, len(out.Items))
	for _, item := range out.Items {
		var it auditItem
		if err := unmarshal(item, &it); err != nil {
			return nil, fmt.Errorf("decode audit: %w", err)
		}
		audits = append(audits, it.domain())
	}
	return audits, nil
}
