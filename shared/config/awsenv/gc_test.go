package awsenv

import (
	"context"
	"math"
	"runtime/debug"
	"testing"
)

// TestMemoryLimitAtBoot: Boot's limit is 3/4 of the function's memory (none when Lambda names
// none), and it leaves the init's GOGC alone.
func TestMemoryLimitAtBoot(t *testing.T) {
	old := debug.SetGCPercent(400)
	defer debug.SetGCPercent(old)
	defer debug.SetMemoryLimit(math.MaxInt64)
	limit := limitMemory(func(k string) string { return map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}[k] })
	if limit != 192<<20 || debug.SetMemoryLimit(-1) != 192<<20 || debug.SetGCPercent(400) != 400 {
		t.Fatalf("limit %d; the init's GOGC must stay", limit)
	}
	if limit := limitMemory(func(string) string { return "" }); limit != math.MaxInt64 {
		t.Fatalf("limit %d without a memory size", limit)
	}
}

// TestHandlerRestoresTheCollectorOnce: the first invocation, not the init, sets GOGC to 100;
// later ones leave it as they find it.
func TestHandlerRestoresTheCollectorOnce(t *testing.T) {
	old := debug.SetGCPercent(400)
	defer debug.SetGCPercent(old)
	calls := 0
	h := Handler(func(_ context.Context, in int) (int, error) { calls++; return in + 1, nil })
	if got := debug.SetGCPercent(400); got != 400 {
		t.Fatalf("wrapping the handler set GOGC %d", got)
	}
	if out, err := h(context.Background(), 1); out != 2 || err != nil || debug.SetGCPercent(50) != collectorPercent {
		t.Fatalf("first invocation: %d %v, or GOGC not restored", out, err)
	}
	if _, _ = h(context.Background(), 1); debug.SetGCPercent(400) != 50 || calls != 2 {
		t.Fatalf("a later invocation touched GOGC, or the handler ran %d times", calls)
	}
}
