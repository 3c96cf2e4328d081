// Package dynamo is the single-table DynamoDB adapter: every flow's reads and writes, each write
// that depends on a read conditional, each multi-item invariant one transaction, and DynamoDB's
// refusals mapped to the account errors the flows understand.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
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

func boolean(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }

func epoch(t time.Time) types.AttributeValue { return num(t.Unix()) }

func millis(t time.Time) types.AttributeValue { return num(t.UnixMilli()) }

// reasons returns the cancellation reasons of a cancelled transaction.
func reasons(err error) ([]types.CancellationReason, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	return tce.CancellationReasons, true
}

// failedAt returns the index of the first item whose condition failed, or -1.
func failedAt(rs []types.CancellationReason) int {
	for i, r := range rs {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return i
		}
	}
	return -1
}

// conflicted reports whether a transaction lost a race with another one; the caller may retry.
func conflicted(rs []types.CancellationReason) bool {
	for _, r := range rs {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

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
