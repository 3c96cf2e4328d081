package awsenv

import (
	"errors"
	"testing"
	"time"
)

// TestRetriesFitTheRequestBudget: every retry a client makes of one call waits at most
// MaxBackoff (the SDK's default waited up to 2 s, then 4 s), so MaxAttempts attempts spend at
// most a quarter of a second waiting, far inside REQUEST_TIMEOUT.
func TestRetriesFitTheRequestBudget(t *testing.T) {
	r := NewRetryer()
	if r.MaxAttempts() != MaxAttempts {
		t.Fatalf("MaxAttempts %d, want %d", r.MaxAttempts(), MaxAttempts)
	}
	throttled := errors.New("throttled")
	var worst time.Duration
	for attempt := 0; attempt < MaxAttempts; attempt++ { // 0: some SDK versions count from it
		var longest time.Duration
		for range 1000 {
			d, err := r.RetryDelay(attempt, throttled)
			if err != nil || d < 0 || d > MaxBackoff {
				t.Fatalf("retry %d waits %v (%v), want 0 to %v", attempt, d, err, MaxBackoff)
			}
			longest = max(longest, d)
		}
		worst += longest
	}
	if worst > 250*time.Millisecond {
		t.Fatalf("the retries of one call may wait %v in all, want at most 250ms", worst)
	}
}
