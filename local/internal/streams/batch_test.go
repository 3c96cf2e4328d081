package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// fakeFunction answers batches by a rule over their sequence numbers and records every batch.
type fakeFunction struct {
	batches [][]string
	answer  func(seqs []string, call int) *runtimeapi.Result
}

func (f *fakeFunction) invoke(_ context.Context, event []byte) (*runtimeapi.Result, error) {
	var ev struct {
		Records []struct {
			Dynamodb struct {
				SequenceNumber string `json:"SequenceNumber"`
			} `json:"dynamodb"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, err
	}
	var seqs []string
	for _, r := range ev.Records {
		seqs = append(seqs, r.Dynamodb.SequenceNumber)
	}
	f.batches = append(f.batches, seqs)
	return f.answer(seqs, len(f.batches)), nil
}

func records(n int) []record {
	rs := make([]record, n)
	for i := range rs {
		seq := fmt.Sprintf("%03d", i+1)
		rs[i] = record{seq: seq, json: json.RawMessage(`{"dynamodb":{"SequenceNumber":"` + seq + `"}}`)}
	}
	return rs
}

func ok() *runtimeapi.Result { return &runtimeapi.Result{Payload: []byte(`{"batchItemFailures":[]}`)} }

func failed(seqs ...string) *runtimeapi.Result {
	type item struct {
		ID string `json:"itemIdentifier"`
	}
	var items []item
	for _, s := range seqs {
		items = append(items, item{s})
	}
	b, _ := json.Marshal(map[string]any{"batchItemFailures": items})
	return &runtimeapi.Result{Payload: b}
}

func crashed() *runtimeapi.Result {
	return &runtimeapi.Result{Err: &runtimeapi.FunctionError{Type: "errorString", Message: "boom"}}
}

func newProcessor(f *fakeFunction, maxRetry int, discarded *[]string) *processor {
	return &processor{function: "F", invoke: f.invoke, report: true, bisect: true, maxRetry: maxRetry,
		backoff: time.Millisecond, maxWait: 2 * time.Millisecond, log: slog.New(slog.DiscardHandler), tries: map[string]int{},
		discarded: func(s []string) { *discarded = append(*discarded, s...) }}
}

// drain runs batches of size over rs until all are finished, as a shard worker does.
func drain(t *testing.T, p *processor, rs []record, size int) {
	t.Helper()
	for len(rs) > 0 {
		n := p.process(context.Background(), rs[:min(size, len(rs))])
		if n == 0 {
			t.Fatal("no progress")
		}
		rs = rs[n:]
	}
}

func TestPartialFailureRetriesFromTheFirstFailedRecord(t *testing.T) {
	failOnce := map[string]bool{"003": true, "005": true}
	f := &fakeFunction{answer: func(seqs []string, _ int) *runtimeapi.Result {
		var bad []string
		for _, s := range seqs {
			if failOnce[s] {
				bad = append(bad, s)
				delete(failOnce, s)
			}
		}
		return failed(bad...)
	}}
	var discarded []string
	drain(t, newProcessor(f, 3, &discarded), records(6), 10)
	want := [][]string{{"001", "002", "003", "004", "005", "006"}, {"003", "004", "005", "006"}}
	if !slices.EqualFunc(f.batches, want, slices.Equal) || len(discarded) > 0 {
		t.Fatalf("batches %v, discarded %v", f.batches, discarded)
	}
}

func TestFunctionErrorBisectsDownToTheBadRecordThenDiscardsIt(t *testing.T) {
	f := &fakeFunction{answer: func(seqs []string, _ int) *runtimeapi.Result {
		if slices.Contains(seqs, "003") {
			return crashed()
		}
		return ok()
	}}
	var discarded []string
	drain(t, newProcessor(f, 2, &discarded), records(4), 4)
	if !slices.Equal(discarded, []string{"003"}) {
		t.Fatalf("discarded %v (batches %v)", discarded, f.batches)
	}
	var delivered []string
	for _, b := range f.batches {
		if !slices.Contains(b, "003") {
			delivered = append(delivered, b...)
		}
	}
	slices.Sort(delivered)
	if !slices.Equal(delivered, []string{"001", "002", "004"}) {
		t.Fatalf("delivered %v (batches %v)", delivered, f.batches)
	}
	if n := countBatches(f.batches, []string{"003"}); n != 3 { // the first try and 2 retries
		t.Fatalf("the bad record alone was tried %d times: %v", n, f.batches)
	}
}

func TestUnknownItemIdentifierFailsTheWholeBatch(t *testing.T) {
	f := &fakeFunction{answer: func(seqs []string, call int) *runtimeapi.Result {
		if call == 1 {
			return failed("999")
		}
		return ok()
	}}
	var discarded []string
	p := newProcessor(f, 3, &discarded)
	p.bisect = false
	drain(t, p, records(2), 10)
	if len(f.batches) != 2 || !slices.Equal(f.batches[1], []string{"001", "002"}) {
		t.Fatalf("batches %v", f.batches)
	}
}

func TestWithoutReportBatchItemFailuresTheResponseIsIgnored(t *testing.T) {
	f := &fakeFunction{answer: func([]string, int) *runtimeapi.Result { return failed("001") }}
	var discarded []string
	p := newProcessor(f, 3, &discarded)
	p.report = false
	drain(t, p, records(2), 10)
	if len(f.batches) != 1 {
		t.Fatalf("batches %v", f.batches)
	}
}

func TestRetriesEndWithTheRecordDiscarded(t *testing.T) {
	f := &fakeFunction{answer: func(seqs []string, _ int) *runtimeapi.Result { return failed(seqs[0]) }}
	var discarded []string
	drain(t, newProcessor(f, 1, &discarded), records(2), 10)
	if !slices.Equal(discarded, []string{"001", "002"}) || len(f.batches) != 4 {
		t.Fatalf("discarded %v, batches %v", discarded, f.batches)
	}
}

func countBatches(batches [][]string, want []string) int {
	n := 0
	for _, b := range batches {
		if slices.Equal(b, want) {
			n++
		}
	}
	return n
}
