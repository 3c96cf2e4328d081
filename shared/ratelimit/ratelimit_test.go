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
