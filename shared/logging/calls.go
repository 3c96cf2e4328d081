package logging

import (
	"context"
	"log/slog"
	"sort"
	"sync"
)

// Calls counts the calls one request makes to each outside service (DynamoDB, SNS), so its log
// line says how many round trips it cost. The SDK clients count into it (config/awsenv); the
// request's logger writes it. The zero value is ready; a nil *Calls ignores everything.
type Calls struct {
	mu sync.Mutex
	n  map[string]int
}

type callsKey struct{}

// WithCalls returns a context that carries a new Calls, and the Calls.
func WithCalls(ctx context.Context) (context.Context, *Calls) {
	c := &Calls{}
	return context.WithValue(ctx, callsKey{}, c), c
}

// CallsFrom returns the Calls ctx carries, or nil.
func CallsFrom(ctx context.Context) *Calls {
	c, _ := ctx.Value(callsKey{}).(*Calls)
	return c
}

// Add counts one call to service.
func (c *Calls) Add(service string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[service]++
}

// Attr returns the counts as one log attribute, {"calls": {"dynamodb": 2, "sns": 1}}, or an
// empty attribute when nothing was called.
func (c *Calls) Attr() slog.Attr {
	if c == nil {
		return slog.Attr{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.n))
	for name := range c.n {
		names = append(names, name)
	}
	sort.Strings(names)
	attrs := make([]any, 0, len(names))
	for _, name := range names {
		attrs = append(attrs, slog.Int(name, c.n[name]))
	}
	return slog.Group("calls", attrs...)
}
