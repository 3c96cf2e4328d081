package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// runner is the job as the handler uses it.
type runner interface {
	Run(ctx context.Context, req closure.Request) (closure.Summary, error)
}

type handler struct{ job runner }

func newHandler(job runner) handler { return handler{job: job} }

// event is what the function is invoked with: EventBridge's scheduled event (whose fields it
// does not need), or, invoked by hand, {"dryRun": true} for a run that changes nothing.
type event struct {
	DryRun bool `json:"dryRun"`
}

// handle runs the job, or the rest of today's run, and answers its summary. An error makes the
// invocation fail, so that the asynchronous retry resumes from the checkpoint.
func (h handler) handle(ctx context.Context, raw json.RawMessage) (closure.Summary, error) {
	var in event
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &in); err != nil {
			return closure.Summary{}, fmt.Errorf("decode event: %w", err)
		}
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logging.WithRequestID(ctx, lc.AwsRequestID)
	}
	ctx, _ = logging.WithCalls(ctx)
	return h.job.Run(ctx, closure.Request{DryRun: in.DryRun})
}
