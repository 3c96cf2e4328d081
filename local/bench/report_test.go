package main

import (
	"strings"
	"testing"
)

func TestReportShowsBudgetsAndFailures(t *testing.T) {
	r := &Report{Command: "make bench",
		Steps: []Step{{Name: "OTP send", Route: "POST /v1/otp", DynamoDB: spread([]int{2, 3}), DynamoDBBudget: atMost(2),
			Phases: []Phase{{Clients: 1, Latency: Latency{N: 3, P50: 30}, RawSumP50: 20, Overhead: 1.5}}},
			{Name: "later", Route: "GET /x", Pending: "not built yet", DynamoDBBudget: exactly(2)}},
		ColdStarts: []Cold{{Function: "OtpFunction", Starts: 20, Init: 13, LibsInit: 10, RatioLibs: 1.3, Budget: atMost(1.2)}},
	}
	r.Checks = budgetChecks(r)
	var b strings.Builder
	r.render(&b)
	out := b.String()
	for _, want := range []string{"2-3 (2:1 3:1)", "<= 2", "FAIL", "not built yet", "1.50x", "1.30x", "Budgets: 3 checked, 2 failed",
		"FAIL OTP send: DynamoDB round trips: 3, budget <= 2", "FAIL OtpFunction: init / bare+libraries init: 1.3, budget <= 1.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// TestHottestKeyIsTheCounterThatGrewMost: a service-wide counter charged by every send scores
// 1,000 per 1,000; spread over shards, the busiest shard's growth is what counts, not its
// total (earlier steps' charges are left out).
func TestHottestKeyIsTheCounterThatGrewMost(t *testing.T) {
	before := map[string]int{"RATE#sms-budget#0 / D20261205": 500, "RATE#otp-ip#a / H1": 3}
	after := map[string]int{"RATE#sms-budget#0 / D20261205": 560, "RATE#sms-budget#1 / D20261205": 70,
		"RATE#otp-ip#a / H1": 20, "RATE#otp-phone#+1 / H1": 1}
	h := hottest(before, after, 1000)
	if h.Key != "RATE#sms-budget#1 / D20261205" || h.Writes != 70 || h.Per1000 != 70 || !h.Budget.ok(h.Per1000) {
		t.Fatalf("%+v", h)
	}
	if h := hottest(map[string]int{}, map[string]int{"RATE#sms-budget / D20261205": 300}, 300); h.Per1000 != 1000 || h.Budget.ok(h.Per1000) {
		t.Fatalf("one counter for every send: %+v", h)
	}
	if h := hottest(nil, map[string]int{"RATE#otp-phone#+1 / H1": 1}, 10); h.Writes != 1 || h.Per1000 != 100 {
		t.Fatalf("nothing written twice: %+v", h)
	}
	if !strings.Contains(h.String(), "hottest key: 70 writes per 1,000 sends (key RATE#sms-budget#1 / D20261205") {
		t.Fatalf("line %q", h.String())
	}
	hot := hottest(nil, map[string]int{"RATE#sms-budget / D20261205": 300}, 300)
	r := &Report{Steps: []Step{{Name: "OTP send", Route: "POST /v1/otp", HotKey: &hot}}}
	r.Checks = budgetChecks(r)
	var b strings.Builder
	r.render(&b)
	for _, want := range []string{"OTP send: hottest key: 1000 writes per 1,000 sends (key RATE#sms-budget / D20261205: 300 writes in 300 sends), budget <= 150 FAIL",
		"FAIL OTP send: hottest key, writes per 1,000 sends: 1000, budget <= 150"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}
