// Package awsenv loads the AWS SDK configuration every function shares. It is apart from config
// so that flows can read settings without linking the SDK.
package awsenv

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"

	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// Load reads region and credentials from the Lambda environment, with the retry policy every
// client shares: a few quick retries, then the error goes to the flow, which answers 503 rather
// than hold a client for seconds.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer { return NewRetryer() }))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	cfg.APIOptions = append(cfg.APIOptions, APIOptions()...)
	return cfg, nil
}

// MaxAttempts is how often every client tries one AWS call before the error reaches the flow.
const MaxAttempts = 3

// The backoff between attempts: full jitter over FirstBackoff, doubling per retry, never more
// than MaxBackoff. The SDK's default waits up to 2 s and then 4 s, which inside an 8 s
// REQUEST_TIMEOUT could spend a request's whole budget on one call (a stale keep-alive
// connection after a frozen Lambda resumes is the usual cause); these retries of a call take at
// most a quarter of a second in all, so a request still answers 503 well within its budget.
const (
	FirstBackoff = 25 * time.Millisecond
	MaxBackoff   = 150 * time.Millisecond
)

// NewRetryer returns the retry policy every client shares: the SDK's standard retryer, which
// retries throttling, 5xx and connection errors, with MaxAttempts and the short backoff. opts may
// change it further (tests take the backoff's sleep out; nothing else).
func NewRetryer(opts ...func(*retry.StandardOptions)) aws.Retryer {
	return retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.Backoff = retry.BackoffDelayerFunc(backoff)
	}}, opts...)...)
}

// backoff is the wait before retry attempt (1 for the first retry).
func backoff(attempt int, _ error) (time.Duration, error) {
	attempt = max(attempt, 1) // some SDK versions count retries from 0
	ceiling := MaxBackoff
	if attempt < 8 {
		ceiling = min(FirstBackoff<<(attempt-1), MaxBackoff)
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1)), nil
}

// APIOptions returns the middleware every client carries: CountCalls and MarkUnavailable.
func APIOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{CountCalls, MarkUnavailable}
}

// CountCalls is SDK middleware that counts each operation (not each retry) into the request's
// logging.Calls, so every request's log line tells its round trips to each service.
func CountCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("CountCalls", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		logging.CallsFrom(ctx).Add(strings.ToLower(awsmiddleware.GetServiceID(ctx)))
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

// Boot is the start of every function's main: the logger (JSON, Lambda's log level), the
// configuration from the environment, and the AWS configuration. A failure is logged and ends
// the process, which Lambda reports as an init error.
func Boot() (config.Config, aws.Config, *slog.Logger) {
	limitMemory(os.Getenv)
	log := logging.New(os.Stdout, logging.ParseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")))
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		Fatal(log, "config", err)
	}
	awsCfg, err := Load(context.Background())
	if err != nil {
		Fatal(log, "aws config", err)
	}
	return cfg, awsCfg, log
}

// Fatal logs that the function's init failed at step and ends the process, which Lambda reports
// as an init error. A main.go calls it for what it builds after Boot.
func Fatal(log *slog.Logger, step string, err error) {
	log.Error("init failed", "step", step, "err", err)
	os.Exit(1)
}

// limitMemory sets the collector's soft memory limit to 3/4 of the function's memory
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB; none when Lambda names none), so that a burst of
// argon2id garbage cannot outgrow it. It returns the limit.
func limitMemory(getenv func(string) string) int64 {
	limit := int64(math.MaxInt64)
	if mb, err := strconv.Atoi(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && mb > 0 {
		limit = int64(mb) << 20 / 4 * 3
	}
	debug.SetMemoryLimit(limit)
	return limit
}

// collectorPercent is GOGC from the first invocation on.
const collectorPercent = 100

// Handler wraps a function's handler for lambda.Start, so that the first invocation ends the
// init's relaxed collector. template.yaml runs the package initialisers under GOGC=400 (fewer
// collections while zxcvbn and libphonenumber parse their data); lowering it to the default 100
// with the heap they leave costs about a millisecond (measured: AccountFunction's main took 1.4
// to 1.8 ms instead of 0.6), which Lambda would bill as init and every cold start would wait for.
// The memory limit holds from Boot on.
func Handler[E, R any](h func(context.Context, E) (R, error)) func(context.Context, E) (R, error) {
	var once sync.Once
	return func(ctx context.Context, event E) (R, error) {
		once.Do(func() { debug.SetGCPercent(collectorPercent) })
		return h(ctx, event)
	}
}
