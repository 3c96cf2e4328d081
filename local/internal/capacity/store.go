package capacity

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDBAPI is what SDKStore calls.
type DynamoDBAPI interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// SDKStore is a Store over a DynamoDB client; it describes each table once.
type SDKStore struct {
	db      DynamoDBAPI
	mu      sync.Mutex
	schemas map[string]Schema
}

// NewSDKStore returns a Store reading with db.
func NewSDKStore(db DynamoDBAPI) *SDKStore { return &SDKStore{db: db, schemas: map[string]Schema{}} }

// Schema describes table (once).
func (s *SDKStore) Schema(ctx context.Context, table string) (Schema, error) {
	s.mu.Lock()
	sc, ok := s.schemas[table]
	s.mu.Unlock()
	if ok {
		return sc, nil
	}
	out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return Schema{}, fmt.Errorf("describe %s: %w", table, err)
	}
	sc.Keys = keyNames(out.Table.KeySchema)
	for _, g := range out.Table.GlobalSecondaryIndexes {
		x := Index{Name: aws.ToString(g.IndexName), Keys: keyNames(g.KeySchema)}
		if g.Projection != nil {
			x.Projection, x.NonKey = string(g.Projection.ProjectionType), g.Projection.NonKeyAttributes
		}
		sc.Indexes = append(sc.Indexes, x)
	}
	s.mu.Lock()
	s.schemas[table] = sc
	s.mu.Unlock()
	return sc, nil
}

func keyNames(ks []types.KeySchemaElement) []string {
	var out []string
	for _, k := range ks {
		out = append(out, aws.ToString(k.AttributeName))
	}
	return out
}

// Get reads the item with key whole, strongly consistently.
func (s *SDKStore) Get(ctx context.Context, table string, key Item) (Item, error) {
	k := map[string]types.AttributeValue{}
	for name, v := range key {
		switch {
		case v.S != nil:
			k[name] = &types.AttributeValueMemberS{Value: *v.S}
		case v.N != nil:
			k[name] = &types.AttributeValueMemberN{Value: *v.N}
		case v.B != nil:
			k[name] = &types.AttributeValueMemberB{Value: v.B}
		default:
			return nil, fmt.Errorf("key attribute %s: not a string, number or binary", name)
		}
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	if out.Item == nil {
		return nil, nil
	}
	return fromSDK(out.Item), nil
}

// fromSDK converts an SDK item to wire values.
func fromSDK(item map[string]types.AttributeValue) Item {
	out := make(Item, len(item))
	for k, v := range item {
		out[k] = valueFromSDK(v)
	}
	return out
}

func valueFromSDK(av types.AttributeValue) Value {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return Value{S: &v.Value}
	case *types.AttributeValueMemberN:
		return Value{N: &v.Value}
	case *types.AttributeValueMemberB:
		return Value{B: nonNil(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return Value{BOOL: &v.Value}
	case *types.AttributeValueMemberNULL:
		return Value{NULL: &v.Value}
	case *types.AttributeValueMemberM:
		return Value{M: map[string]Value(fromSDK(v.Value))}
	case *types.AttributeValueMemberL:
		l := make([]Value, len(v.Value))
		for i, e := range v.Value {
			l[i] = valueFromSDK(e)
		}
		return Value{L: l}
	case *types.AttributeValueMemberSS:
		return Value{SS: append([]string{}, v.Value...)}
	case *types.AttributeValueMemberNS:
		return Value{NS: append([]string{}, v.Value...)}
	case *types.AttributeValueMemberBS:
		return Value{BS: append([][]byte{}, v.Value...)}
	}
	return Value{}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
