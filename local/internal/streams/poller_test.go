package streams_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
	"github.com/wallet-accounts/wallet/local/internal/streams"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/local/template"
)

// recorder is a function that records the eventIds of the records it gets and fails each
// eventId listed in failFirst the first time it sees it.
type recorder struct {
	mu        sync.Mutex
	got       []string
	failFirst map[string]bool
}

func (r *recorder) invoke(_ context.Context, event []byte) (*runtimeapi.Result, error) {
	var ev struct {
		Records []struct {
			EventName string `json:"eventName"`
			Dynamodb  struct {
				NewImage       map[string]map[string]any `json:"NewImage"`
				SequenceNumber string                    `json:"SequenceNumber"`
			} `json:"dynamodb"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var failed []map[string]string
	for _, rec := range ev.Records {
		id, _ := rec.Dynamodb.NewImage["eventId"]["S"].(string)
		r.got = append(r.got, id)
		if r.failFirst[id] {
			delete(r.failFirst, id)
			failed = append(failed, map[string]string{"itemIdentifier": rec.Dynamodb.SequenceNumber})
		}
	}
	b, _ := json.Marshal(map[string]any{"batchItemFailures": failed})
	return &runtimeapi.Result{Payload: b}, nil
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// TestPollerFeedsNewEventItemsFromDynamoDBLocal: with the template's own mapping, only the new
// event items written after the start reach the function, in order, and a record the function
// reports failed is delivered again, with the records after it.
func TestPollerFeedsNewEventItemsFromDynamoDBLocal(t *testing.T) {
	db, table := stacktest.NewStreamTable(t)
	tpl, err := template.Load(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Function("AlertFunction")
	if !ok {
		t.Fatal("no AlertFunction in template.yaml")
	}
	var source *template.StreamEvent
	for _, ev := range fn.Events {
		if ev.Stream != nil {
			source = ev.Stream
		}
	}
	ctx := context.Background()
	put := func(item map[string]any) { stacktest.PutItem(t, db, table, item) }
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#0", "eventId": "before-start", "itemType": "event", "type": "new_device_login"})
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	st := stacktest.Config(t)
	client := dynamodbstreams.New(dynamodbstreams.Options{Region: stacktest.Region, BaseEndpoint: aws.String(st.DynamoDB),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	r := &recorder{failFirst: map[string]bool{"e2": true}}
	p, err := streams.Start(streams.Mapping{Function: "AlertFunction", StreamARN: aws.ToString(d.Table.LatestStreamArn), Region: stacktest.Region,
		Source: *source, Invoke: r.invoke, Client: client, Log: slog.New(slog.DiscardHandler), Poll: 50 * time.Millisecond,
		Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#1", "eventId": "e1", "itemType": "event", "type": "new_device_login"})
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "SENT#1#account", "eventId": "marker", "state": "sending"})
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#1", "eventId": "e1-modified", "itemType": "event", "type": "new_device_login"})
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#2", "eventId": "e2", "itemType": "event", "type": "new_device_login"})
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#3", "eventId": "e3", "itemType": "event", "type": "new_device_login"})
	put(map[string]any{"PK": "ACCOUNT#a", "SK": "EVENT#4", "eventId": "silent", "itemType": "event", "type": "account_created"}) // sends nothing: filtered out
	// e2 fails once: it comes again, with e3 if they shared a batch.
	done := func(got []string) bool { return count(got, "e2") == 2 && count(got, "e3") >= 1 }
	for deadline := time.Now().Add(10 * time.Second); !done(r.seen()) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // nothing more may come
	got := r.seen()
	if !done(got) || count(got, "e1") != 1 || count(got, "e3") > 2 || len(got) != 3+count(got, "e3") ||
		!slices.Equal(unique(got), []string{"e1", "e2", "e3"}) {
		t.Fatalf("delivered %v", got)
	}
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// unique keeps the first of each value, in order.
func unique(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
