package streams

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// Invoker runs the function with one event and returns its result; an error means the event
// could not be handed to the function at all (the pool is closed, ctx ended).
type Invoker func(ctx context.Context, event []byte) (*runtimeapi.Result, error)

// record is one stream record as the function receives it.
type record struct {
	seq  string          // dynamodb.SequenceNumber: the itemIdentifier of a partial failure
	json json.RawMessage // an events.DynamoDBEventRecord
}

// processor delivers batches of one shard the way Lambda's event source mapping does:
//
//   - a function error fails the whole batch: with BisectBatchOnFunctionError the batch is
//     split in two and each half delivered on its own (splitting is not a retry); a batch of
//     one is retried;
//   - with ReportBatchItemFailures, a response naming records fails from the first of them:
//     the records before it are done, and delivery goes on from it (the records after it are
//     sent again); a response naming a record not in the batch, or none, is a complete failure;
//   - each record at the head of a batch is retried up to MaximumRetryAttempts (-1: without
//     end), with a backoff; then the failed records are discarded, as Lambda sends them to the
//     on-failure destination, and delivery goes on past them.
type processor struct {
	function string
	invoke   Invoker
	report   bool // ReportBatchItemFailures
	bisect   bool
	maxRetry int // -1: no limit
	backoff  time.Duration
	maxWait  time.Duration
	log      *slog.Logger
	tries    map[string]int // failed attempts, by the sequence number at the head of the batch
	// discarded receives the sequence numbers of records given up on (tests); may be nil.
	discarded func(seqs []string)
}

// process delivers batch and returns how many records from its head are finished (delivered,
// or discarded after their retries): the caller's next batch starts after them. It returns 0
// only when ctx ends.
func (p *processor) process(ctx context.Context, batch []record) int {
	for ctx.Err() == nil {
		failedAt, whole := p.deliver(ctx, batch)
		switch {
		case !whole && failedAt < 0:
			delete(p.tries, batch[0].seq)
			return len(batch)
		case !whole && failedAt > 0:
			delete(p.tries, batch[0].seq)
			return failedAt
		case whole && p.bisect && len(batch) > 1:
			half := len(batch) / 2
			n := p.process(ctx, batch[:half])
			if n < half {
				return n
			}
			return half + p.process(ctx, batch[half:])
		}
		head := batch[0].seq
		p.tries[head]++
		if p.maxRetry >= 0 && p.tries[head] > p.maxRetry {
			n := 1
			if whole {
				n = len(batch)
			}
			p.discard(batch[:n])
			delete(p.tries, head)
			return n
		}
		if !sleep(ctx, p.wait(p.tries[head])) {
			return 0
		}
	}
	return 0
}

// deliver invokes the function once with batch. failedAt is the index of the first record it
// reported failed (-1 for none); whole is true when the batch failed as a whole.
func (p *processor) deliver(ctx context.Context, batch []record) (failedAt int, whole bool) {
	event, err := batchEvent(batch)
	if err != nil {
		p.log.Error("stream batch not encodable", "function", p.function, "err", err)
		return -1, true
	}
	res, err := p.invoke(ctx, event)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			p.log.Warn("stream batch not delivered", "function", p.function, "err", err)
		}
		return -1, true
	case res.Err != nil:
		p.log.Warn("stream batch failed", "function", p.function, "records", len(batch), "error", res.Err.Error())
		return -1, true
	case !p.report:
		return -1, false
	}
	return p.failures(res.Payload, batch)
}

// failures reads a partial batch response.
func (p *processor) failures(payload []byte, batch []record) (failedAt int, whole bool) {
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(payload) == 0 || string(payload) == "null" {
		return -1, false
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		p.log.Warn("stream batch response unreadable; the batch failed", "function", p.function, "err", err)
		return -1, true
	}
	failedAt = -1
	for _, f := range resp.BatchItemFailures {
		i := indexOf(batch, f.ItemIdentifier)
		if i < 0 {
			p.log.Warn("batchItemFailures names no record of the batch; the batch failed", "function", p.function)
			return -1, true
		}
		if failedAt < 0 || i < failedAt {
			failedAt = i
		}
	}
	if failedAt >= 0 {
		p.log.Info("stream batch partly failed; retrying from the first failed record", "function", p.function,
			"records", len(batch), "failed", len(resp.BatchItemFailures), "from", batch[failedAt].seq)
	}
	return failedAt, false
}

func indexOf(batch []record, seq *string) int {
	if seq == nil || *seq == "" {
		return -1
	}
	for i, r := range batch {
		if r.seq == *seq {
			return i
		}
	}
	return -1
}

// discard gives up on records, as Lambda does when it sends them to the on-failure destination.
func (p *processor) discard(rs []record) {
	seqs := make([]string, len(rs))
	for i, r := range rs {
		seqs[i] = r.seq
	}
	p.log.Error("stream records discarded after their retries (on-failure destination)", "function", p.function,
		"retries", p.maxRetry, "sequence_numbers", seqs)
	if p.discarded != nil {
		p.discarded(seqs)
	}
}

// wait is the backoff before retry n (1, 2, ...): doubling from backoff up to maxWait.
func (p *processor) wait(n int) time.Duration {
	d := p.backoff
	for i := 1; i < n && d < p.maxWait; i++ {
		d *= 2
	}
	return min(d, p.maxWait)
}

// batchEvent is the events.DynamoDBEvent of records.
func batchEvent(rs []record) ([]byte, error) {
	raw := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		raw[i] = r.json
	}
	return json.Marshal(map[string][]json.RawMessage{"Records": raw})
}

// sleep waits d, or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
