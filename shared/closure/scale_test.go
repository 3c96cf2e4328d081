package closure_test

import (
	"os"
	"testing"

	"github.com/wallet-accounts/wallet/local/closuretest"
)

// TestScale runs the job over 2,000 accounts, 1% due: each run reads no more than
// closuretest.MaxReadRatio items per due account and never scans.
func TestScale(t *testing.T) {
	t.Parallel()
	closuretest.Scale(t, 2_000)
}

// TestScale100k is TestScale over 100,000 accounts. It takes minutes (seeding DynamoDB Local
// is most of it), so it runs only with WALLET_SCALE=1: make test stays fast.
func TestScale100k(t *testing.T) {
	t.Parallel()
	if os.Getenv("WALLET_SCALE") == "" {
		t.Skip("seeds 100,000 accounts: set WALLET_SCALE=1 to run it")
	}
	closuretest.Scale(t, 100_000)
}
