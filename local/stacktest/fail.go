package stacktest

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// FailOnce is SDK middleware that fails the first call of one operation (for example
// "TransactWriteItems") before it leaves the client, as a dependency failure would, and lets
// every other call through. Install it with o.APIOptions = append(o.APIOptions, f.Middleware).
type FailOnce struct {
	Operation string
	mu        sync.Mutex
	done      bool
}

// Failed reports whether the failure was injected.
func (f *FailOnce) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// Middleware adds the failure to a client's stack.
func (f *FailOnce) Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("stacktest.FailOnce", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if operationName(ctx) == f.Operation && f.claim() {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("stacktest: injected failure of " + f.Operation)
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

func (f *FailOnce) claim() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := !f.done
	f.done = true
	return first
}
