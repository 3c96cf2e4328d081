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
	all, signup := SMSBudget(now, 1001, 0), SignupSMSBudget(now, 1001, 0)
	if all.Key != signup.Key || all.Window != signup.Window || all.Max != 101 || signup.Max != 80 {
		t.Fatalf("budget %+v, signup %+v", all, signup)
	}
}

// TestSMSBudgetShardsAddUpToTheBudget: the daily SMS budget is spread over distinct counters
// whose shares sum to SMS_DAILY_BUDGET (never more is sent), as many as give each at least 100,
// up to 16; the signup shares sum to at most 80 % of it. A small budget is one exact counter.
func TestSMSBudgetShardsAddUpToTheBudget(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ budget, shards int }{{10000, 16}, {10007, 16}, {1000, 10}, {250, 2}, {199, 1}, {5, 1}, {1, 1}} {
		sum, signup, keys := 0, 0, map[string]bool{}
		for draw := range 64 {
			c := SMSBudget(now, tc.budget, draw)
			if !keys[c.Key] {
				sum += c.Max
				signup += SignupSMSBudget(now, tc.budget, draw).Max
			}
			keys[c.Key] = true
			if c.Window != Day(now).Label || c.Code != "sms_budget_exhausted" {
				t.Fatalf("draw %d: %+v", draw, c)
			}
		}
		if len(keys) != tc.shards || sum != tc.budget || float64(signup) > 0.8*float64(tc.budget) || float64(signup) < 0.8*float64(tc.budget)-float64(tc.shards) {
			t.Fatalf("budget %d: %d shards (want %d), shares sum to %d, signup shares to %d", tc.budget, len(keys), tc.shards, sum, signup)
		}
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
