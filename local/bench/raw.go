package main

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
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/template"
)

// rawItems is how many items the raw table holds for reads and updates.
const rawItems = 200

// rawRequests is how many times one operation is timed after each phase of a step, at one client;
// eight clients time twice as many. A fifth more run first, untimed.
const rawRequests = 40

// raw measures single operations directly with the SDK against the stack's DynamoDB Local and
// moto, on a table of its own made from template.yaml's definition: the floor under a flow's
// latency. Each step's operations are timed right after the step, at the same concurrency, so
// both see the same machine (DynamoDB Local's speed drifts with the load on it and on the host).
type raw struct {
	ddb   *dynamodb.Client
	sns   *sns.Client
	ses   *sesv2.Client
	from  string // the sender the stack verified in moto's SES (EMAIL_FROM)
	table string
	next  int // the next iteration number: keys written are never written again
	// samples are every timing, by operation and concurrency, for the run's raw table.
	samples map[string]map[int][]time.Duration
}

// newRaw creates the raw table and fills it.
func newRaw(ctx context.Context, at stack.Endpoints, def *template.Table) (*raw, error) {
	r := &raw{
		ddb:     stack.DynamoDB(at.DynamoDB),
		sns:     stack.SNS(at.SNS),
		ses:     stack.SES(at.SNS),
		table:   "bench-raw-" + randomHex(4),
		samples: map[string]map[int][]time.Duration{},
	}
	if err := def.Create(ctx, r.ddb, r.table); err != nil {
		return nil, fmt.Errorf("raw table: %w", err)
	}
	for i := range rawItems {
		_, err := r.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &r.table, Item: map[string]types.AttributeValue{
			"PK": str(rawKey(i)), "SK": str("ITEM"), "state": str("pending"), "attempts": num(0),
			"codeHash": &types.AttributeValueMemberB{Value: make([]byte, 32)}, "expiresAt": num(time.Now().Add(time.Hour).Unix()),
		}})
		if err != nil {
			return nil, fmt.Errorf("raw table: fill: %w", err)
		}
	}
	return r, nil
}

// close deletes the raw table.
func (r *raw) close(ctx context.Context) error {
	_, err := r.ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &r.table})
	return err
}

// sumP50 times each of ops n times from conc goroutines (after n/5 untimed runs) and returns the
// sum of their p50s, in ms.
func (r *raw) sumP50(ctx context.Context, ops []op, conc, n int) (float64, error) {
	sum := 0.0
	for _, o := range ops {
		l, err := r.measure(ctx, o, conc, n)
		if err != nil {
			return 0, err
		}
		sum += l.P50
	}
	return round(sum, 1), nil
}

// measure times o n times from conc goroutines after n/5 untimed runs, and keeps the timings.
func (r *raw) measure(ctx context.Context, o op, conc, n int) (Latency, error) {
	if _, err := r.run(ctx, o, conc, n/5); err != nil {
		return Latency{}, err
	}
	ds, err := r.run(ctx, o, conc, n)
	if err != nil {
		return Latency{}, err
	}
	if r.samples[o.String()] == nil {
		r.samples[o.String()] = map[int][]time.Duration{}
	}
	r.samples[o.String()][conc] = append(r.samples[o.String()][conc], ds...)
	return summarize(ds), nil
}

// summary summarises every timing of the run by operation, at 1 and 8 clients.
func (r *raw) summary() []RawOp {
	var out []RawOp
	for name, byConc := range r.samples {
		out = append(out, RawOp{Op: name, At1: summarize(byConc[1]), At8: summarize(byConc[8])})
	}
	slices.SortFunc(out, func(a, b RawOp) int { return strings.Compare(a.Op, b.Op) })
	return out
}

// run executes o n times on conc workers.
func (r *raw) run(ctx context.Context, o op, conc, n int) ([]time.Duration, error) {
	first := r.next
	r.next += n
	ds := make([]time.Duration, n)
	errs := make([]error, conc)
	done := make(chan struct{})
	for w := range conc {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := w; i < n && errs[w] == nil; i += conc {
				start := time.Now()
				errs[w] = r.once(ctx, o, first+i)
				ds[i] = time.Since(start)
			}
		}()
	}
	for range conc {
		<-done
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("raw %s: %w", o, err)
	}
	return ds, nil
}

// once performs one operation of o's shape: consistent reads of existing items (a query returns
// one), a conditional update of one, a transaction of conditional counter updates on fresh keys,
// an SMS.
func (r *raw) once(ctx context.Context, o op, i int) error {
	var err error
	switch o.Kind {
	case opGetItem:
		_, err = r.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &r.table, Key: key(rawKey(i)), ConsistentRead: aws.Bool(true)})
	case opBatchGetItem:
		keys := make([]map[string]types.AttributeValue, o.Items)
		for j := range keys {
			keys[j] = key(rawKey(i*o.Items + j))
		}
		_, err = r.ddb.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			r.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}})
	case opUpdateItem:
		_, err = r.ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &r.table, Key: key(rawKey(i)),
			UpdateExpression:          aws.String("SET attempts = :n"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND #state = :pending"),
			ExpressionAttributeNames:  map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(0), ":pending": str("pending")},
			ReturnValues:              types.ReturnValueAllNew})
	case opQuery:
		if o.Items != 1 {
			return fmt.Errorf("a raw query returns one item; extend newRaw to measure %s", o)
		}
		_, err = r.ddb.Query(ctx, &dynamodb.QueryInput{TableName: &r.table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(rawKey(i)), ":prefix": str("ITEM")}})
	case opTransactWrite:
		items := make([]types.TransactWriteItem, o.Items)
		for j := range items {
			items[j] = types.TransactWriteItem{Update: &types.Update{TableName: &r.table,
				Key:                       key("TX#" + strconv.Itoa(i) + "#" + strconv.Itoa(j)),
				UpdateExpression:          aws.String("ADD n :one SET expiresAt = if_not_exists(expiresAt, :exp)"),
				ConditionExpression:       aws.String("attribute_not_exists(n) OR n < :max"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":max": num(100), ":exp": num(time.Now().Add(time.Hour).Unix())}}}
		}
		_, err = r.ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	case opPublish:
		_, err = r.sns.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String("+15550100000"), Message: aws.String("bench")})
	case opSendEmail:
		_, err = r.ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(r.from),
			Destination: &sestypes.Destination{ToAddresses: []string{"raw@example.com"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("bench")},
				Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("bench")}}}}})
	default:
		err = fmt.Errorf("unknown operation %q", o.Kind)
	}
	return err
}

func rawKey(i int) string { return "RAW#" + strconv.Itoa(i%rawItems) }

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str("ITEM")}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
