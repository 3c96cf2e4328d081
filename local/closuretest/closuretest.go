// Package closuretest helps tests and benchmarks of the inactive-account closure job: an SNS
// topic in the stack's moto and the messages published to it, a meter of the items DynamoDB
// calls read, bulk loading of accounts, and Scale, the job over a large seeded table. Import it
// from tests and benchmarks only; it needs the local stack (local/stacktest).
package closuretest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
)

// NewTopic creates an SNS topic in the stack's moto, named after the test, and returns its ARN.
func NewTopic(t testing.TB) string {
	t.Helper()
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "-")
	name = fmt.Sprintf("%.200s-%d", name, time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := stacktest.SNSClient(t).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	return aws.ToString(out.TopicArn)
}

// Message is one message published to a topic.
type Message struct {
	ID   string
	Body string
	Type string // the "type" message attribute
}

// topicsJSON is the part of moto's /moto-api/data.json that holds topics: each with
// sent_notifications, [messageId, message, subject, attributes, groupId] per publish.
type topicsJSON struct {
	SNS struct {
		Topic []struct {
			ARN  string              `json:"arn"`
			Sent [][]json.RawMessage `json:"sent_notifications"`
		} `json:"Topic"`
	} `json:"sns"`
}

// TopicMessages returns the messages published to the topic arn, oldest first.
func TopicMessages(t testing.TB, arn string) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(stacktest.Config(t).SNS, "/")+"/moto-api/data.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read moto data: %v", err)
	}
	defer resp.Body.Close()
	var d topicsJSON
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatalf("decode moto data: %v", err)
	}
	var out []Message
	for _, topic := range d.SNS.Topic {
		if topic.ARN != arn {
			continue
		}
		for _, n := range topic.Sent {
			out = append(out, message(t, n))
		}
	}
	return out
}

func message(t testing.TB, n []json.RawMessage) Message {
	t.Helper()
	var m Message
	var attrs map[string]struct{ Value string }
	if len(n) < 4 || json.Unmarshal(n[0], &m.ID) != nil || json.Unmarshal(n[1], &m.Body) != nil || json.Unmarshal(n[3], &attrs) != nil {
		t.Fatalf("unexpected sent_notifications entry in moto data: %s", n)
	}
	m.Type = attrs["type"].Value
	return m
}

// ReadMeter is SDK middleware that counts what DynamoDB calls read: items of GSI queries
// (ScannedCount), items of table reads (queries, GetItem, BatchGetItem), the read capacity the
// responses report, and Scan calls. The zero value is ready; it is safe for concurrent use.
type ReadMeter struct {
	mu         sync.Mutex
	indexItems int
	tableItems int
	readUnits  float64
	scans      int
}

// Middleware adds the meter to a client's middleware stack; use it in APIOptions.
func (m *ReadMeter) Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("closuretest.ReadMeter", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil {
			m.count(in.Parameters, out.Result)
		}
		return out, md, err
	}), middleware.After)
}

func (m *ReadMeter) count(in, out any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch o := out.(type) {
	case *dynamodb.QueryOutput:
		if q, ok := in.(*dynamodb.QueryInput); ok && q.IndexName != nil {
			m.indexItems += int(o.ScannedCount)
		} else {
			m.tableItems += int(o.ScannedCount)
		}
		m.units(o.ConsumedCapacity)
	case *dynamodb.GetItemOutput:
		if o.Item != nil {
			m.tableItems++
		}
		m.units(o.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		for _, items := range o.Responses {
			m.tableItems += len(items)
		}
	case *dynamodb.ScanOutput:
		m.scans++
	}
}

func (m *ReadMeter) units(cc *types.ConsumedCapacity) {
	if cc != nil {
		m.readUnits += aws.ToFloat64(cc.CapacityUnits)
	}
}

// Reads is what a ReadMeter counted.
type Reads struct {
	IndexItems int     // items GSI queries read
	TableItems int     // items table reads returned or read
	ReadUnits  float64 // read capacity the responses reported (when they were asked to)
	Scans      int
}

// Reads returns the counts so far.
func (m *ReadMeter) Reads() Reads {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Reads{IndexItems: m.indexItems, TableItems: m.tableItems, ReadUnits: m.readUnits, Scans: m.scans}
}

// Reset sets every count to zero.
func (m *ReadMeter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.indexItems, m.tableItems, m.readUnits, m.scans = 0, 0, 0, 0
}

// Seed writes accounts (each with its phone claim when claims is true) with BatchWriteItem,
// workers batches at once.
func Seed(t testing.TB, db *dynamodb.Client, table string, accounts []account.Account, claims bool, workers int) {
	t.Helper()
	var items []map[string]types.AttributeValue
	for _, a := range accounts {
		its, err := dynamo.AccountItems(a)
		if err != nil {
			t.Fatal(err)
		}
		if !claims {
			its = its[:1]
		}
		items = append(items, its...)
	}
	batches := make(chan []map[string]types.AttributeValue)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range batches {
				if err := writeBatch(db, table, b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := 0; i < len(items); i += 25 {
		batches <- items[i:min(i+25, len(items))]
	}
	close(batches)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// writeBatch writes up to 25 items, resending what DynamoDB leaves unprocessed.
func writeBatch(db *dynamodb.Client, table string, items []map[string]types.AttributeValue) error {
	reqs := make([]types.WriteRequest, len(items))
	for i, it := range items {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
	}
	pending := map[string][]types.WriteRequest{table: reqs}
	for attempt := 0; len(pending[table]) > 0; attempt++ {
		if attempt > 10 {
			return fmt.Errorf("batch write: %d items still unprocessed", len(pending[table]))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		cancel()
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		pending = out.UnprocessedItems
		if len(pending[table]) > 0 {
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
		}
	}
	return nil
}
