// Package runtimeapi runs a Lambda function's bootstrap the way Lambda does: as a child
// process that pulls events from the Lambda Runtime API, which this package serves
// (GET /2018-06-01/runtime/invocation/next, POST .../invocation/{id}/response,
// POST .../invocation/{id}/error, POST /2018-06-01/runtime/init/error).
//
// A Pool keeps instances warm between events and starts another when all are busy, up to a
// cap. It measures each instance's init (process start to its first /next) and each invoke.
// An instance that exits, posts an init error or times out fails its pending invocation and
// is discarded; the next invocation starts a fresh one.
package runtimeapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Function configures the function a Pool runs.
type Function struct {
	// Name is the function name (AWS_LAMBDA_FUNCTION_NAME) and the log prefix.
	Name string
	// Bootstrap is the path of the executable.
	Bootstrap string
	// Env is the function's environment. The process gets exactly this plus the variables
	// the Lambda runtime sets (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, ...): nothing
	// is inherited from the host.
	Env map[string]string
	// Handler is _HANDLER; default "bootstrap".
	Handler  string
	MemoryMB int
	// Timeout bounds one invocation; default 3 s. An instance that overruns it is killed.
	Timeout time.Duration
	// InitTimeout bounds init (process start to first /next); default 10 s, as on Lambda.
	InitTimeout time.Duration
	// MaxInstances caps concurrent instances; default 8. Further invocations wait.
	MaxInstances int
	// Region and AccountID make up the invoked function ARN.
	Region, AccountID string
	// Logs receives the instances' stdout and stderr and the platform's START/END/REPORT
	// lines. It must be safe for concurrent use (see linelog.Sink); nil discards them.
	Logs LogSink
	// Logger receives the pool's own diagnostics; nil discards them.
	Logger *slog.Logger
}

// LogSink is where instance output goes.
type LogSink interface {
	// Prefixed returns a writer that prefixes each line written to it.
	Prefixed(prefix string) io.WriteCloser
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the function's response, or the error document on failure.
	Payload []byte
	// Err is set when the invocation failed.
	Err *FunctionError
	// Cold reports that a new instance was started for this invocation; InitDuration is
	// then its init time.
	Cold         bool
	InitDuration time.Duration
	// Duration is from the event being handed to the instance until its response.
	Duration time.Duration
	// Instance numbers the instance (1, 2, ...) within the pool.
	Instance int
}

// FunctionError is a failed invocation.
type FunctionError struct {
	// Type is the errorType: the handler's error type, or a runtime failure such as
	// Runtime.ExitError, Sandbox.Timedout or the type posted to /runtime/init/error.
	Type    string
	Message string
	// Runtime is true when the instance failed (exited, failed init, timed out, answered
	// badly) rather than the handler returning an error.
	Runtime bool
}

func (e *FunctionError) Error() string {
	return e.Type + ": " + e.Message
}

// InstanceStats describes one instance, alive or gone.
type InstanceStats struct {
	ID          int
	PID         int
	Init        time.Duration
	Invocations int
	Alive       bool
}

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("runtimeapi: pool closed")

// Pool runs instances of one function.
type Pool struct {
	fn     Function
	logger *slog.Logger

	mu      sync.Mutex
	closed  bool
	live    int               // instances started and not yet gone
	idle    []*instance       // instances blocked in /next with nothing queued
	waiters []chan *instance  // invocations waiting for an instance; nil means "start one"
	all     map[int]*instance // every instance ever started, for Stats
	lastID  int
	stopped sync.WaitGroup
}

// NewPool returns a pool for fn; instances start on demand.
func NewPool(fn Function) *Pool {
	if fn.Handler == "" {
		fn.Handler = "bootstrap"
	}
	if fn.Timeout <= 0 {
		fn.Timeout = 3 * time.Second
	}
	if fn.InitTimeout <= 0 {
		fn.InitTimeout = 10 * time.Second
	}
	if fn.MaxInstances <= 0 {
		fn.MaxInstances = 8
	}
	if fn.MemoryMB <= 0 {
		fn.MemoryMB = 128
	}
	if fn.Region == "" {
		fn.Region = "us-east-1"
	}
	if fn.AccountID == "" {
		fn.AccountID = "123456789012"
	}
	if fn.Logs == nil {
		fn.Logs = discardSink{}
	}
	logger := fn.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if abs, err := filepath.Abs(fn.Bootstrap); err == nil {
		fn.Bootstrap = abs
	}
	return &Pool{fn: fn, logger: logger.With("function", fn.Name), all: map[int]*instance{}}
}

// Name is the function's name.
func (p *Pool) Name() string { return p.fn.Name }

// Invoke sends event to an instance (a warm idle one, else a new one) and waits for its
// response. It returns an error only when the event could not be handed to the function
// (pool closed, ctx done while waiting for an instance); a failure of the function itself
// is reported in Result.Err.
func (p *Pool) Invoke(ctx context.Context, event []byte) (*Result, error) {
	requestID := newUUID()
	for attempt := 0; ; attempt++ {
		inv := newInvocation(requestID, event)
		in, err := p.acquire(ctx, inv)
		if err != nil {
			return nil, err
		}
		r := p.await(in, inv)
		// An instance that died while idle never saw the event: try another, a few times.
		if r.undelivered && attempt < 2 {
			continue
		}
		return &r.Result, nil
	}
}

// acquire hands inv to an instance: an idle one, a new one, or the first one to free up.
func (p *Pool) acquire(ctx context.Context, inv *invocation) (*instance, error) {
	for {
		in, spawn, err := p.reserve(ctx)
		if err != nil {
			return nil, err
		}
		if spawn {
			return p.start(inv), nil
		}
		if in.dispatch(inv) {
			return in, nil
		}
		// It died between becoming idle and now; its exit has already been accounted for.
	}
}

// reserve returns an idle instance, or spawn=true when the caller may start one.
func (p *Pool) reserve(ctx context.Context) (in *instance, spawn bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in = p.idle[n-1] // the most recently used: warmest caches, like Lambda
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, false, nil
	}
	if p.live < p.fn.MaxInstances {
		p.live++
		p.mu.Unlock()
		return nil, true, nil
	}
	ch := make(chan *instance, 1)
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()

	select {
	case in, ok := <-ch:
		if !ok {
			return nil, false, ErrClosed
		}
		return in, in == nil, nil
	case <-ctx.Done():
		p.mu.Lock()
		for i, w := range p.waiters {
			if w == ch {
				p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
				p.mu.Unlock()
				return nil, false, fmt.Errorf("wait for an instance of %s: %w", p.fn.Name, ctx.Err())
			}
		}
		p.mu.Unlock()
		// Granted meanwhile: pass the grant on.
		if in, ok := <-ch; ok {
			if in == nil {
				p.slotFreed()
			} else {
				p.release(in)
			}
		}
		return nil, false, fmt.Errorf("wait for an instance of %s: %w", p.fn.Name, ctx.Err())
	}
}

// release makes in available: to the first waiter, else to the idle list.
func (p *Pool) release(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w <- in
		return
	}
	p.idle = append(p.idle, in)
}

// gone accounts for an instance that exited.
func (p *Pool) gone(in *instance) {
	p.mu.Lock()
	for i, x := range p.idle {
		if x == in {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	p.slotFreed()
}

// slotFreed gives a freed instance slot to the first waiter (who starts an instance), or
// lowers the live count.
func (p *Pool) slotFreed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiters) > 0 && !p.closed {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w <- nil
		return
	}
	p.live--
}

// await waits for inv to finish on in, enforcing the init and invocation timeouts.
func (p *Pool) await(in *instance, inv *invocation) outcome {
	timer := time.NewTimer(p.fn.InitTimeout)
	defer timer.Stop()
	handed := inv.handedOut
	for {
		select {
		case <-inv.done:
			return inv.outcome
		case <-handed:
			handed = nil
			timer.Reset(time.Until(inv.deadline) + 50*time.Millisecond)
		case <-timer.C:
			if handed != nil {
				in.fail(&FunctionError{Type: "Runtime.InitTimeout", Runtime: true,
					Message: fmt.Sprintf("init did not reach /next within %s", p.fn.InitTimeout)})
			} else {
				in.fail(&FunctionError{Type: "Sandbox.Timedout", Runtime: true,
					Message: fmt.Sprintf("Task timed out after %.2f seconds", p.fn.Timeout.Seconds())})
			}
			<-inv.done
			return inv.outcome
		}
	}
}

// Stats describes every instance started so far, by ID.
func (p *Pool) Stats() []InstanceStats {
	p.mu.Lock()
	ins := make([]*instance, 0, len(p.all))
	for _, in := range p.all {
		ins = append(ins, in)
	}
	p.mu.Unlock()
	out := make([]InstanceStats, 0, len(ins))
	for _, in := range ins {
		out = append(out, in.stats())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Close kills every instance and waits for them to exit. Invocations in flight fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.stopped.Wait()
		return nil
	}
	p.closed = true
	for _, w := range p.waiters {
		close(w)
	}
	p.waiters = nil
	p.idle = nil
	ins := make([]*instance, 0, len(p.all))
	for _, in := range p.all {
		ins = append(ins, in)
	}
	p.mu.Unlock()
	var errs []error
	for _, in := range ins {
		if err := in.kill(); err != nil {
			errs = append(errs, err)
		}
	}
	p.stopped.Wait()
	return errors.Join(errs...)
}

// functionARN is the Lambda-Runtime-Invoked-Function-Arn of the pool's function.
func (p *Pool) functionARN() string {
	return "arn:aws:lambda:" + p.fn.Region + ":" + p.fn.AccountID + ":function:" + p.fn.Name
}

// env is the complete environment of an instance serving the Runtime API at addr.
func (p *Pool) env(addr string, id int) []string {
	vars := make(map[string]string, len(p.fn.Env)+12)
	for k, v := range p.fn.Env {
		vars[k] = v
	}
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          addr,
		"AWS_LAMBDA_FUNCTION_NAME":        p.fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(p.fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + p.fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + fmt.Sprintf("local%04d", id),
		"LAMBDA_TASK_ROOT":                filepath.Dir(p.fn.Bootstrap),
		"_HANDLER":                        p.fn.Handler,
	}
	for k, v := range reserved {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for _, k := range sortedKeys(vars) {
		env = append(env, k+"="+vars[k])
	}
	return env
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newUUID returns a random RFC 4122 version 4 UUID, the form of Lambda's request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newTraceID returns an X-Ray trace header like Lambda's Lambda-Runtime-Trace-Id.
func newTraceID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), h[:24], h[24:40])
}

type discardSink struct{}

func (discardSink) Prefixed(string) io.WriteCloser { return nopCloser{io.Discard} }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
