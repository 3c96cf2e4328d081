// Command echo is a tiny aws-lambda-go function for the runtime API tests. The event's
// "action" picks what it does: "fail" returns an error, "exit" exits mid-invocation,
// "sleep" waits "ms" milliseconds; anything else echoes the event with facts about the
// process. With ECHO_INIT_ERROR set it posts to /runtime/init/error and exits.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action string `json:"action"`
	MS     int    `json:"ms"`
}

func handle(ctx context.Context, raw json.RawMessage) (map[string]any, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev)
	switch ev.Action {
	case "fail":
		return nil, errors.New("asked to fail")
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(ev.MS) * time.Millisecond)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	sort.Strings(names)
	return map[string]any{
		"event":      raw,
		"pid":        os.Getpid(),
		"requestId":  lc.AwsRequestID,
		"arn":        lc.InvokedFunctionArn,
		"deadlineMs": deadline.UnixMilli(),
		"env":        names,
		"table":      os.Getenv("TABLE_NAME"),
		"trace":      os.Getenv("_X_AMZN_TRACE_ID"),
	}, nil
}

func main() {
	if os.Getenv("ECHO_INIT_ERROR") != "" {
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(`{"errorMessage":"bad config","errorType":"Config.Invalid"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Config.Invalid")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	lambda.Start(handle)
}
