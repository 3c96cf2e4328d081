package awsenv

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestAfterInitRestoresTheCollector: whatever GOGC the init ran under, Boot leaves the collector
// at 100 with a limit of 3/4 of the function's memory (none when Lambda names none).
func TestAfterInitRestoresTheCollector(t *testing.T) {
	old := debug.SetGCPercent(400)
	defer debug.SetGCPercent(old)
	defer debug.SetMemoryLimit(math.MaxInt64)
	percent, limit := afterInit(func(k string) string { return map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}[k] })
	if got := debug.SetGCPercent(percent); got != 100 || limit != 192<<20 || debug.SetMemoryLimit(-1) != 192<<20 {
		t.Fatalf("GOGC %d, limit %d", got, limit)
	}
	if _, limit := afterInit(func(string) string { return "" }); limit != math.MaxInt64 {
		t.Fatalf("limit %d without a memory size", limit)
	}
}
