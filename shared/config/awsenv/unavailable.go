package awsenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/wallet-accounts/wallet/shared/account"
)

// MarkUnavailable is SDK middleware that wraps every error saying that the service could not
// serve the call, rather than that the call was wrong, with account.ErrUnavailable once the
// retries are spent, so that the API answers 503 service_unavailable rather than a bare 500.
// The error keeps its chain: errors.As still finds the SDK's own types.
func MarkUnavailable(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("MarkUnavailable", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if Unavailable(err) {
			err = fmt.Errorf("%w: %w", account.ErrUnavailable, err)
		}
		return out, md, err
	}), middleware.Before)
}

// Unavailable reports whether err says the service was unavailable: what the SDK's standard
// retryer counts as throttling, a timeout or retryable (5xx, connection errors), a deadline that
// passed, or a DynamoDB transaction cancelled because an item was throttled (which the SDK does
// not retry). A cancelled context is the caller's doing, not the service's.
func Unavailable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded),
		retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary,
		retry.IsErrorTimeouts(retry.DefaultTimeouts).IsErrorTimeout(err) == aws.TrueTernary,
		retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary:
		return true
	}
	return transactionThrottled(err)
}

// transactionThrottled reports whether err is a DynamoDB transaction cancelled for throughput.
func transactionThrottled(err error) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return false
	}
	for _, r := range tce.CancellationReasons {
		if code := aws.ToString(r.Code); code == "ThrottlingError" || code == "ProvisionedThroughputExceeded" {
			return true
		}
	}
	return false
}
