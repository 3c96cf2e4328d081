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
