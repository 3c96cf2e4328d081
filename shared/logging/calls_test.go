package logging

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestCallsAreLoggedWithTheRequest(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo)
	ctx, calls := WithCalls(context.Background())
	CallsFrom(ctx).Add("dynamodb")
	CallsFrom(ctx).Add("dynamodb")
	CallsFrom(ctx).Add("sns")
	log.LogAttrs(ctx, slog.LevelInfo, "request", calls.Attr())
	if !strings.Contains(buf.String(), `"calls":{"dynamodb":2,"sns":1}`) {
		t.Fatalf("log line %s", buf.String())
	}
	var none *Calls
	none.Add("dynamodb") // a context without Calls must not panic
	if CallsFrom(context.Background()) != nil {
		t.Fatal("no calls in a bare context")
	}
}
