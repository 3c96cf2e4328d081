package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableType is the resource type of a DynamoDB table.
const TableType = "AWS::DynamoDB::Table"

// Table is the template's DynamoDB table definition: the one definition that both the local
// host and the tests create tables from.
type Table struct {
	LogicalID string
	// TTLAttribute is the TimeToLiveSpecification attribute when TTL is enabled, else "".
	TTLAttribute string
	// StreamViewType is the stream's view type, or "" without a stream.
	StreamViewType string
	def            tableDef
}

// tableDef mirrors the CloudFormation properties the local stack uses; JSON names match them.
type tableDef struct {
	AttributeDefinitions []struct {
		AttributeName string
		AttributeType string
	}
	KeySchema              []keyDef
	GlobalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []keyDef
		Projection projectionDef
	}
	LocalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []keyDef
		Projection projectionDef
	}
	TimeToLiveSpecification *struct {
		AttributeName string
		Enabled       any
	}
	StreamSpecification *struct {
		StreamViewType string
	}
}

type keyDef struct {
	AttributeName string
	KeyType       string
}

type projectionDef struct {
	ProjectionType   string
	NonKeyAttributes []string
}

// Table returns the template's only AWS::DynamoDB::Table; it is an error to have none or
// several. Its properties are evaluated with parameter defaults.
func (t *Template) Table() (*Table, error) {
	ids := t.ResourcesOfType(TableType)
	if len(ids) != 1 {
		return nil, fmt.Errorf("want exactly one %s in the template, found %d %v", TableType, len(ids), ids)
	}
	r := t.Resources[ids[0]]
	e := newEvaluator(t, Context{})
	picked := map[string]any{}
	for _, k := range []string{"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
		"LocalSecondaryIndexes", "TimeToLiveSpecification", "StreamSpecification"} {
		if v, ok := r.Properties[k]; ok {
			ev, err := e.eval(v)
			if err != nil {
				return nil, fmt.Errorf("table %s: %s: %w", r.LogicalID, k, err)
			}
			picked[k] = ev
		}
	}
	raw, err := json.Marshal(picked)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", r.LogicalID, err)
	}
	tb := &Table{LogicalID: r.LogicalID}
	if err := json.Unmarshal(raw, &tb.def); err != nil {
		return nil, fmt.Errorf("table %s: %w", r.LogicalID, err)
	}
	if len(tb.def.KeySchema) == 0 {
		return nil, fmt.Errorf("table %s: no KeySchema", r.LogicalID)
	}
	if ttl := tb.def.TimeToLiveSpecification; ttl != nil {
		if on, _ := scalarString(ttl.Enabled); on == "true" {
			tb.TTLAttribute = ttl.AttributeName
		}
	}
	if s := tb.def.StreamSpecification; s != nil {
		tb.StreamViewType = s.StreamViewType
	}
	return tb, nil
}

// CreateTableInput returns a fresh CreateTable request for a table called name: keys,
// attribute definitions, indexes and stream as the template defines them, billed
// PAY_PER_REQUEST. TTL is not part of CreateTable: see Create and TTLAttribute.
func (tb *Table) CreateTableInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(tb.def.KeySchema),
	}
	for _, a := range tb.def.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, g := range tb.def.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(g.IndexName),
			KeySchema:  keySchema(g.KeySchema),
			Projection: projection(g.Projection),
		})
	}
	for _, l := range tb.def.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(l.IndexName),
			KeySchema:  keySchema(l.KeySchema),
			Projection: projection(l.Projection),
		})
	}
	if tb.StreamViewType != "" {
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewType(tb.StreamViewType),
		}
	}
	return in
}

func keySchema(keys []keyDef) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(keys))
	for i, k := range keys {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

func projection(p projectionDef) *types.Projection {
	return &types.Projection{
		ProjectionType:   types.ProjectionType(p.ProjectionType),
		NonKeyAttributes: append([]string(nil), p.NonKeyAttributes...),
	}
}

// TableAPI is the part of the DynamoDB client Create uses.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// Create creates the table called name, waits until it is ACTIVE and enables its TTL.
func (tb *Table) Create(ctx context.Context, api TableAPI, name string) error {
	out, err := api.CreateTable(ctx, tb.CreateTableInput(name))
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if out.TableDescription == nil || out.TableDescription.TableStatus != types.TableStatusActive {
		if err := waitActive(ctx, api, name); err != nil {
			return err
		}
	}
	if tb.TTLAttribute == "" {
		return nil
	}
	_, err = api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(tb.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

func waitActive(ctx context.Context, api TableAPI, name string) error {
	for {
		d, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *types.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return fmt.Errorf("describe table %s: %w", name, err)
		case d.Table != nil && d.Table.TableStatus == types.TableStatusActive:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s: %w", name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
