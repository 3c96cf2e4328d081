package stacktest

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Calls counts the AWS API calls a client makes, by service and operation: operations (one
// per client method call, however many times it is retried) and attempts (each HTTP
// request, retries included). Install it on any SDK v2 client:
//
//	calls := &stacktest.Calls{}
//	db, table := stacktest.NewTable(t, func(o *dynamodb.Options) {
//		o.APIOptions = append(o.APIOptions, calls.Middleware)
//	})
//
// The zero value is ready to use; it is safe for concurrent use.
type Calls struct {
	mu         sync.Mutex
	operations map[string]int // "DynamoDB.GetItem" -> count
	attempts   map[string]int
}

// Middleware adds the counters to a client's middleware stack; use it in APIOptions.
func (c *Calls) Middleware(stack *middleware.Stack) error {
	op := middleware.InitializeMiddlewareFunc("stacktest.Calls.operations", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		c.add(&c.operations, ctx)
		return next.HandleInitialize(ctx, in)
	})
	if err := stack.Initialize.Add(op, middleware.After); err != nil {
		return err
	}
	attempt := middleware.FinalizeMiddlewareFunc("stacktest.Calls.attempts", func(ctx context.Context,
		in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		c.add(&c.attempts, ctx)
		return next.HandleFinalize(ctx, in)
	})
	if _, ok := stack.Finalize.Get("Retry"); ok {
		return stack.Finalize.Insert(attempt, "Retry", middleware.After)
	}
	return stack.Finalize.Add(attempt, middleware.After)
}

func (c *Calls) add(m *map[string]int, ctx context.Context) {
	key := serviceID(ctx) + "." + operationName(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key]++
}

func serviceID(ctx context.Context) string {
	if id := middleware.GetServiceID(ctx); id != "" {
		return id
	}
	return awsmiddleware.GetServiceID(ctx)
}

func operationName(ctx context.Context) string {
	if op := middleware.GetOperationName(ctx); op != "" {
		return op
	}
	return awsmiddleware.GetOperationName(ctx)
}

// Reset sets every count to zero.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.operations, c.attempts = nil, nil
}

// Total is the number of operations called, all services together.
func (c *Calls) Total() int {
	return c.sum(func(string) bool { return true }, false)
}

// Count is the number of operations called on service ("DynamoDB", "SNS"), or, given as
// "Service.Operation" ("DynamoDB.GetItem"), of that operation.
func (c *Calls) Count(service string) int {
	return c.sum(matcher(service), false)
}

// Attempts is like Count but counts HTTP attempts, retries included.
func (c *Calls) Attempts(service string) int {
	return c.sum(matcher(service), true)
}

// Operations returns the operation counts by "Service.Operation".
func (c *Calls) Operations() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.operations))
	for k, v := range c.operations {
		out[k] = v
	}
	return out
}

// String lists the operation counts, e.g. "DynamoDB.BatchGetItem=1 DynamoDB.TransactWriteItems=1".
func (c *Calls) String() string {
	ops := c.Operations()
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(ops[k])
	}
	return strings.Join(parts, " ")
}

func (c *Calls) sum(match func(string) bool, attempts bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.operations
	if attempts {
		m = c.attempts
	}
	n := 0
	for k, v := range m {
		if match(k) {
			n += v
		}
	}
	return n
}

// matcher matches "Service.Operation" keys against a service or a "Service.Operation".
func matcher(service string) func(string) bool {
	if strings.Contains(service, ".") {
		return func(k string) bool { return k == service }
	}
	return func(k string) bool { return strings.HasPrefix(k, service+".") }
}
