// Package dynamo is the single-table DynamoDB adapter: every flow's reads and writes, each write
// that depends on a read conditional, each multi-item invariant one transaction, and DynamoDB's
// refusals mapped to the account errors the flows understand.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

// Store reads and writes the table.
type Store struct {
	db       *dynamodb.Client
	table    string
	eventTTL time.Duration
}

// defaultEventTTL is how long security events stay in the table unless WithEventTTL says.
const defaultEventTTL = 90 * 24 * time.Hour

// New returns a Store over the named table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, eventTTL: defaultEventTTL}
}

// WithEventTTL sets how long security events are kept (EVENT_TTL).
func (s *Store) WithEventTTL(d time.Duration) *Store { s.eventTTL = d; return s }

// NewClient returns a DynamoDB client; endpoint overrides the AWS endpoint (the local stack).
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

func (k key) av() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(k.PK), attrSK: str(k.SK)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func bin(b []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: b} }

// placeholders adds one binary value per element of bs to vals, named prefix0, prefix1, …, and
// returns their names comma-separated, for an IN list.
func placeholders(vals map[string]types.AttributeValue, prefix string, bs [][]byte) string {
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = prefix + strconv.Itoa(i)
		vals[names[i]] = bin(b)
	}
	return strings.Join(names, ", ")
}

func boolean(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }

func epoch(t time.Time) types.AttributeValue { return num(t.Unix()) }

func millis(t time.Time) types.AttributeValue { return num(t.UnixMilli()) }

var errConflict = account.Errorf(account.CodeConflict, "the request raced with another; try again")

func unmarshal(item map[string]types.AttributeValue, out any) error {
	return attributevalue.UnmarshalMap(item, out)
}

func marshal(k key, item any) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("encode item: %w", err)
	}
	av[attrPK], av[attrSK] = str(k.PK), str(k.SK)
	return av, nil
}

// get reads one item, strongly consistent, into out; it reports whether the item exists.
func (s *Store) get(ctx context.Context, k key, out any, what string) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k.av(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("get %s: %w", what, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := unmarshal(res.Item, out); err != nil {
		return false, fmt.Errorf("decode %s: %w", what, err)
	}
	return true, nil
}

// queryPrefix calls fn with every item of the partition pk whose sort key begins with prefix,
// strongly consistent, page by page.
func (s *Store) queryPrefix(ctx context.Context, pk, prefix string, fn func(sk string, item map[string]types.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query %s: %w", strings.TrimSuffix(prefix, "#"), err)
		}
		for _, item := range page.Items {
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			if sk == nil {
				continue
			}
			if err := fn(sk.Value, item); err != nil {
				return err
			}
		}
	}
	return nil
}

// getMany reads keys in one strongly consistent BatchGetItem (retrying what DynamoDB leaves
// unprocessed), returning the items found by key.
func (s *Store) getMany(ctx context.Context, keys []key) (map[key]map[string]types.AttributeValue, error) {
	req := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		req[i] = k.av()
	}
	found := map[key]map[string]types.AttributeValue{}
	for try := 0; len(req) > 0; try++ {
		if try == 5 {
			return nil, errors.New("batch get: keys left unprocessed")
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: req, ConsistentRead: aws.Bool(true)}}})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		for _, item := range out.Responses[s.table] {
			pk, _ := item[attrPK].(*types.AttributeValueMemberS)
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			if pk != nil && sk != nil {
				found[key{pk.Value, sk.Value}] = item
			}
		}
		req = out.UnprocessedKeys[s.table].Keys
	}
	return found, nil
}

// accountParts is what accountWith reads of an account's partition.
type accountParts struct {
	account  *account.Account // nil when there is no account
	answers  map[string]types.AttributeValue
	profile  map[string]types.AttributeValue
	cards    []card.Card
	devices  []account.Device
	passkeys []passkey.Passkey
}

// accountWith reads an account with its profile and answers, its bank cards, passkeys and
// devices in one strongly consistent Query: their sort keys ("ACCOUNT", "ACCOUNT#PROFILE",
// "ANSWERS", "CARD#…", "CREDENTIAL#…", "DEVICE#…") sort together, before the account's events.
func (s *Store) accountWith(ctx context.Context, accountID string) (accountParts, error) {
	var p accountParts
	acct := accountKey(accountID)
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(acct.PK), ":from": str(acct.SK),
			":to": str(devicePrefix + "\uffff")}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return p, fmt.Errorf("query account: %w", err)
		}
		for _, item := range page.Items {
			if err := p.decode(acct.SK, item); err != nil {
				return p, err
			}
		}
	}
	if p.account == nil {
		return p, nil
	}
	if err := decodeProfile(p.profile, p.account); err != nil {
		return p, err
	}
	return p, decodeAnswers(p.answers, p.account)
}

func (p *accountParts) decode(accountSK string, item map[string]types.AttributeValue) error {
	sk, _ := item[attrSK].(*types.AttributeValueMemberS)
	switch {
	case sk == nil:
	case sk.Value == accountSK:
		var it accountItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode account: %w", err)
		}
		a := it.domain()
		p.account = &a
	case sk.Value == answersSK:
		p.answers = item
	case sk.Value == profileSK:
		p.profile = item
	case strings.HasPrefix(sk.Value, devicePrefix):
		var it deviceItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode device: %w", err)
		}
		p.devices = append(p.devices, it.domain(strings.TrimPrefix(sk.Value, devicePrefix)))
	case strings.HasPrefix(sk.Value, cardPrefix):
		var it cardItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode card: %w", err)
		}
		p.cards = append(p.cards, it.domain(strings.TrimPrefix(sk.Value, cardPrefix)))
	case strings.HasPrefix(sk.Value, passkeyPrefix):
		pk, err := decodePasskey(strings.TrimPrefix(pkOf(item), accountPrefix), sk.Value, item)
		if err != nil {
			return err
		}
		p.passkeys = append(p.passkeys, pk)
	}
	return nil
}

// Activity tracking: lastActiveAt and the account's GSI1 entry move at most once per
// account per UTC day. Sign-in, authenticated changes and transaction messages call one of:
//
//   - (*Store).TouchActivity, a write of its own, when the flow writes nothing else to the account;
//   - activityUpdate, the SET and REMOVE clauses to add to an update of the account item the flow
//     makes anyway (sign-in, alert settings), at no extra cost.
//
// Each takes the lastActiveAt the flow read and makes no write when it is already today. Each
// files the account under today's month in the Idle part of the index and removes
// inactivityWarnedAt: activity voids a warning, and the closure job then leaves the account alone.

// activityIndex is the GSI1 index name.
const activityIndex = "GSI1"

// ActiveToday reports whether an account last active at last needs no activity write at now.
func ActiveToday(last, now time.Time) bool {
	l, n := last.UTC(), now.UTC()
	return !l.Before(time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC))
}

// activityUpdate returns the clauses (without the SET and REMOVE keywords, to join with the
// caller's) and the values (:actAt, :actPK, :actSK) that record activity at now.
func activityUpdate(accountID string, now time.Time) (set, remove string, values map[string]types.AttributeValue) {
	pk, sk := idleIndex(accountID, now)
	return "lastActiveAt = :actAt, GSI1PK = :actPK, GSI1SK = :actSK", "inactivityWarnedAt",
		map[string]types.AttributeValue{":actAt": millis(now), ":actPK": str(pk), ":actSK": str(sk)}
}

// touch is the update that records activity at now on an open account.
func (s *Store) touch(accountID string, now time.Time) *types.Update {
	set, remove, vals := activityUpdate(accountID, now)
	vals[":active"], vals[":frozen"] = str(string(account.StatusActive)), str(string(account.StatusFrozen))
	return &types.Update{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression:          aws.String("SET " + set + " REMOVE " + remove),
		ConditionExpression:       aws.String("#status IN (:active, :frozen)"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: vals}
}

// TouchActivity records activity on an account at now, given the lastActiveAt the caller read:
// no call when it is already today; otherwise one conditional UpdateItem, which does nothing
// (and is no error) when another request touched the account today already, or the account is
// closed or gone.
func (s *Store) TouchActivity(ctx context.Context, accountID string, last, now time.Time) error {
	if ActiveToday(last, now) {
		return nil
	}
	u := s.touch(accountID, now)
	u.ConditionExpression = aws.String(*u.ConditionExpression + " AND lastActiveAt < :day")
	u.ExpressionAttributeValues[":day"] = millis(now.UTC().Truncate(24 * time.Hour))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key,
		UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("touch activity: %w", err)
	}
	return nil
}

// pkOf is an item's partition key ("" when it has none).
func pkOf(item map[string]types.AttributeValue) string {
	pk, _ := item[attrPK].(*types.AttributeValueMemberS)
	if pk == nil {
		return ""
	}
	return pk.Value
}

// readThenWrite runs attempt — a read and a transaction conditional on what it read — again while
// it loses a race (account.ErrStale), four tries at most. found is false when there was nothing
// to write to.
func readThenWrite(what string, attempt func() (found bool, err error)) (bool, error) {
	for try := 0; ; try++ {
		found, err := attempt()
		switch {
		case !errors.Is(err, account.ErrStale):
			return found, err
		case try == 3:
			return false, fmt.Errorf("%s: %w", what, err)
		}
	}
}
