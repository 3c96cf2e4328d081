package dynamo

import (
	"testing"

	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

// TestOnlyEndedWindowsAreDropped: a send drops the counts of windows older than its own, never
// one of its own nor a newer one that a send for another purpose wrote after this one read the
// clock (at the turn of an hour, or between two functions' clocks).
func TestOnlyEndedWindowsAreDropped(t *testing.T) {
	own := []ratelimit.Counter{{Window: "H2026112110"}, {Window: "D20261121"}}
	for w, want := range map[string]bool{
		"H2026112109": true, "D20261120": true, // ended
		"H2026112110": false, "D20261121": false, // the send's own
		"H2026112111": false, "D20261122": false, // newer
		"": false,
	} {
		if got := ended(w, own); got != want {
			t.Errorf("ended(%q) = %v, want %v", w, got, want)
		}
	}
}
