package main

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/internal/capacity"
)

// TestCost prices a step by hand: 256 MB arm64, 2 ms of CPU at a 256/1769 share = 13.82 ms,
// + 2 round trips x 5 ms + 1 SNS call x 20 ms = 43.82, billed 44 ms.
func TestCost(t *testing.T) {
	var m metered
	largest := map[string]int{}
	m.add("OtpFunction", []capacity.Usage{
		{Function: "OtpFunction", Op: "TransactWriteItems", WRU: 16, Written: []capacity.Written{{Kind: accountItemKind, Bytes: 1062}}},
		{Function: "OtpFunction", Op: "BatchGetItem", RRU: 8},
		{Function: "AlertFunction", Op: "PutItem", WRU: 5}, // not the step's
	}, largest)
	m.requests, m.smsParts = 2, 2
	c := newCost(m, 256, "arm64", 2, 2, 1, defaultPrices(0.02))
	if c.WRU != 8 || c.RRU != 4 || c.SMSParts != 1 || c.DurationMs != 44 {
		t.Fatalf("cost %+v, want 8 WRU, 4 RRU, 1 part, 44 ms", c)
	}
	lambda := 0.20 + 1e6*0.044*0.25*0.0000133334
	if !near(c.Lambda, lambda) || !near(c.DynamoDB, 4*0.125+8*0.625) || c.API != 1 || !near(c.SMS, 20000) {
		t.Errorf("per 1M: Lambda %v (want %v), DynamoDB %v, API %v, SMS %v", c.Lambda, lambda, c.DynamoDB, c.API, c.SMS)
	}
	r := &Report{Steps: []Step{{Name: "OTP send", Cost: c}, {Name: "signup", Cost: &Cost{WRU: 12, IndexWRU: 1}},
		{Name: "signup", Cost: &Cost{WRU: 14}}}, Cost: &CostSummary{Largest: largest}}
	checks := costChecks(r)
	if len(checks) != 4 || !checks[0].OK || !checks[1].OK || checks[2].OK || checks[3].OK || checks[3].Measured != 1062 {
		t.Errorf("checks %+v, want OTP send's 8 WRU within 10, a signup's 12 (and 1 in the index) within 12, 14 not, "+
			"and the 1,062-byte account item failing", checks)
	}
	if got := c.shares(); got != "0/0/0/100" {
		t.Errorf("shares %q, want 0/0/0/100", got)
	}
	var txt strings.Builder
	r.renderCost(&txt)
	if !strings.Contains(txt.String(), "Largest account item written: 1062 bytes (budget < 1,024) FAIL") {
		t.Errorf("report:\n%s", txt.String())
	}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
