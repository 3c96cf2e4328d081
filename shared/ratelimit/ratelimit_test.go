package ratelimit

import (
	"testing"
	"time"
)

func TestWindows(t *testing.T) {
	at := time.Date(2026, 11, 21, 21, 59, 59, 0, time.FixedZone("CST", 8*3600))
	if h := Hour(at); h.Label != "H2026112113" || !h.Ends.Equal(time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("hour %+v", h)
	}
	if d := Day(at); d.Label != "D20261121" || !d.Ends.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("day %+v", d)
	}
}

func TestSignupBudgetIsTheSameCounterAtEightyPercent(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	all, signup := SMSBudget(now, 1001), SignupSMSBudget(now, 1001)
	if all.Key != signup.Key || all.Window != signup.Window || all.Max != 1001 || signup.Max != 800 {
		t.Fatalf("budget %+v, signup %+v", all, signup)
	}
}

// TestEmailBudgetSharesAddUpToTheBudget: the shards of the daily email budget are distinct
// counters whose shares sum to EMAIL_DAILY_BUDGET, whatever its remainder.
func TestEmailBudgetSharesAddUpToTheBudget(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, budget := range []int{10000, 10003, 7, 1} {
		sum, keys := 0, map[string]bool{}
		for i := range EmailBudgetShards {
			c := EmailBudget(now, budget, i)
			sum += c.Max
			keys[c.Key] = true
			if c.Window != Day(now).Label || c.Code != "email_budget_exhausted" {
				t.Fatalf("shard %d: %+v", i, c)
			}
		}
		if len(keys) != EmailBudgetShards || (budget >= EmailBudgetShards && sum != budget) || sum < budget {
			t.Fatalf("budget %d: shares sum to %d over %d keys", budget, sum, len(keys))
		}
	}
}
