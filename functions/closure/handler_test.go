package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/logging"
)

type fakeJob struct {
	req       closure.Request
	requestID string
}

func (f *fakeJob) Run(ctx context.Context, req closure.Request) (closure.Summary, error) {
	f.req, f.requestID = req, logging.RequestID(ctx)
	return closure.Summary{RunID: "2026-11-21", DryRun: req.DryRun, Complete: true}, nil
}

func TestScheduledEventRunsTheJob(t *testing.T) {
	raw, err := os.ReadFile("../../events/closure-schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	job := &fakeJob{}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	sum, err := newHandler(job).handle(ctx, raw)
	if err != nil || !sum.Complete || job.req.DryRun || job.requestID != "req-1" {
		t.Fatalf("summary %+v, request %+v, request id %q: %v", sum, job.req, job.requestID, err)
	}
	out, _ := json.Marshal(sum)
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil || back["runId"] != "2026-11-21" {
		t.Fatalf("response %s", out)
	}
}

func TestDryRunEvent(t *testing.T) {
	job := &fakeJob{}
	if _, err := newHandler(job).handle(context.Background(), json.RawMessage(`{"dryRun": true}`)); err != nil || !job.req.DryRun {
		t.Fatalf("dry run: %+v %v", job.req, err)
	}
	for _, raw := range []string{``, `null`, `{}`} {
		if _, err := newHandler(job).handle(context.Background(), json.RawMessage(raw)); err != nil || job.req.DryRun {
			t.Fatalf("%q: %+v %v", raw, job.req, err)
		}
	}
	if _, err := newHandler(job).handle(context.Background(), json.RawMessage(`{"dryRun": "yes"}`)); err == nil {
		t.Fatal("a malformed event must fail the invocation")
	}
}
