// Package streams feeds a DynamoDB stream to a function as a Lambda event source mapping does:
// it reads each shard of the stream through the streams API of DynamoDB Local
// (DescribeStream, GetShardIterator, GetRecords), drops the records the mapping's
// FilterCriteria do not pass, hands the rest to the function in batches of up to BatchSize as
// an events.DynamoDBEvent, and on a failure retries from the first failed record, keeping its
// place per shard (see processor).
package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/wallet-accounts/wallet/local/internal/eventfilter"
	"github.com/wallet-accounts/wallet/local/template"
)

// Mapping is one DynamoDB event of a function in the template, bound to the local stream.
type Mapping struct {
	Function  string
	StreamARN string
	Region    string
	Source    template.StreamEvent
	Invoke    Invoker
	Client    *dynamodbstreams.Client
	Log       *slog.Logger
	// Poll is how often a shard with nothing new is read again; default 250 ms (Lambda polls a
	// shard four times a second).
	Poll time.Duration
	// Discover is how often the stream is described to find new shards; default 5 s.
	Discover time.Duration
	// Backoff is the first retry's delay, doubling up to 5 s; default 200 ms.
	Backoff time.Duration
}

// Poller runs one mapping.
type Poller struct {
	m      Mapping
	filter *eventfilter.Filter
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	shards map[string]*shard
}

// shard is the reading position in one shard.
type shard struct {
	id, parent string
	iterator   *string
	lastSeq    string // the last record read, to ask for a new iterator after it
	done       chan struct{}
}

// Start begins feeding the stream to the function. The shards open now are read from the
// mapping's StartingPosition (LATEST: only what is written after Start returns); shards that
// open later are read from their start, after their parent.
func Start(m Mapping) (*Poller, error) {
	if m.Poll <= 0 {
		m.Poll = 250 * time.Millisecond
	}
	if m.Discover <= 0 {
		m.Discover = 5 * time.Second
	}
	if m.Backoff <= 0 {
		m.Backoff = 200 * time.Millisecond
	}
	if m.Source.BatchSize <= 0 {
		m.Source.BatchSize = 100
	}
	filter, err := eventfilter.Compile(m.Source.FilterPatterns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Function, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{m: m, filter: filter, cancel: cancel, shards: map[string]*shard{}}
	if err := p.discover(ctx, true); err != nil {
		cancel()
		return nil, err
	}
	p.wg.Add(1)
	go p.discoverLoop(ctx)
	return p, nil
}

// Stop ends the polling and waits for the batches in flight.
func (p *Poller) Stop() {
	p.cancel()
	p.wg.Wait()
}

func (p *Poller) discoverLoop(ctx context.Context) {
	defer p.wg.Done()
	for sleep(ctx, p.m.Discover) {
		if err := p.discover(ctx, false); err != nil && ctx.Err() == nil {
			p.m.Log.Warn("describe stream", "function", p.m.Function, "err", err)
		}
	}
}

// discover starts a worker for each shard not seen before. At the start (initial), open shards
// begin at the StartingPosition and closed ones are left alone; later, new shards begin at
// their start.
func (p *Poller) discover(ctx context.Context, initial bool) error {
	var start *string
	for {
		out, err := p.m.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &p.m.StreamARN, ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		for _, s := range out.StreamDescription.Shards {
			if err := p.track(ctx, s, initial); err != nil {
				return err
			}
		}
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			return nil
		}
	}
}

func (p *Poller) track(ctx context.Context, s types.Shard, initial bool) error {
	id := aws.ToString(s.ShardId)
	p.mu.Lock()
	_, known := p.shards[id]
	p.mu.Unlock()
	if known {
		return nil
	}
	sh := &shard{id: id, parent: aws.ToString(s.ParentShardId), done: make(chan struct{})}
	closed := s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil
	position := types.ShardIteratorTypeTrimHorizon
	if initial {
		position = types.ShardIteratorType(p.m.Source.StartingPosition)
		if position == "" {
			position = types.ShardIteratorTypeLatest
		}
	}
	p.mu.Lock()
	p.shards[id] = sh
	p.mu.Unlock()
	if initial && closed {
		close(sh.done) // read before we started: not ours
		return nil
	}
	it, err := p.iterator(ctx, id, position, "")
	if err != nil {
		return err
	}
	sh.iterator = it
	p.wg.Add(1)
	go p.run(ctx, sh)
	return nil
}

func (p *Poller) iterator(ctx context.Context, shardID string, position types.ShardIteratorType, after string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &p.m.StreamARN, ShardId: &shardID, ShardIteratorType: position}
	if after != "" {
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, &after
	}
	out, err := p.m.Client.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("shard iterator for %s: %w", shardID, err)
	}
	return out.ShardIterator, nil
}

// run reads one shard, after its parent, until it is closed and drained or the poller stops.
func (p *Poller) run(ctx context.Context, sh *shard) {
	defer p.wg.Done()
	defer close(sh.done)
	p.mu.Lock()
	parent := p.shards[sh.parent]
	p.mu.Unlock()
	if parent != nil {
		select {
		case <-parent.done:
		case <-ctx.Done():
			return
		}
	}
	proc := &processor{function: p.m.Function, invoke: p.m.Invoke, report: p.m.Source.ReportsBatchItemFailures(),
		bisect: p.m.Source.BisectBatchOnFunctionError, maxRetry: p.m.Source.MaximumRetryAttempts,
		backoff: p.m.Backoff, maxWait: 5 * time.Second, log: p.m.Log, tries: map[string]int{}}
	var queue []record
	for ctx.Err() == nil {
		if sh.iterator != nil && len(queue) < p.m.Source.BatchSize {
			rs, err := p.read(ctx, sh)
			if err != nil {
				if ctx.Err() == nil {
					p.m.Log.Warn("read stream", "function", p.m.Function, "shard", sh.id, "err", err)
				}
				sleep(ctx, p.m.Poll)
				continue
			}
			queue = append(queue, rs...)
		}
		if len(queue) == 0 {
			if sh.iterator == nil {
				return // closed and drained
			}
			sleep(ctx, p.m.Poll)
			continue
		}
		n := min(len(queue), p.m.Source.BatchSize)
		queue = queue[proc.process(ctx, queue[:n]):]
	}
}

// read returns the next records of the shard that pass the filter.
func (p *Poller) read(ctx context.Context, sh *shard) ([]record, error) {
	out, err := p.m.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iterator, Limit: aws.Int32(1000)})
	var expired *types.ExpiredIteratorException
	var trimmed *types.TrimmedDataAccessException
	switch {
	case errors.As(err, &expired):
		// Nothing read yet means nothing was written since the iterator was made: LATEST loses
		// nothing. Otherwise go on after the last record read.
		sh.iterator, err = p.iterator(ctx, sh.id, types.ShardIteratorTypeLatest, sh.lastSeq)
		return nil, err
	case errors.As(err, &trimmed):
		sh.iterator, err = p.iterator(ctx, sh.id, types.ShardIteratorTypeTrimHorizon, "")
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("get records: %w", err)
	}
	sh.iterator = out.NextShardIterator
	var rs []record
	for _, r := range out.Records {
		if r.Dynamodb != nil && r.Dynamodb.SequenceNumber != nil {
			sh.lastSeq = *r.Dynamodb.SequenceNumber
		}
		rec, err := eventRecord(r, p.m.StreamARN, p.m.Region)
		if err != nil {
			p.m.Log.Warn("stream record skipped", "function", p.m.Function, "err", err)
			continue
		}
		if ok, err := p.filter.Match(rec.json); err != nil || !ok {
			continue
		}
		rs = append(rs, rec)
	}
	return rs, nil
}
