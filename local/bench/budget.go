package main

import (
	"fmt"
	"strconv"
)

// Budget is one performance limit: a value must be at most, or exactly, Limit. The zero Budget
// is "no budget" and accepts anything.
type Budget struct {
	Rel   string  `json:"rel,omitempty"` // "<=" or "="; "" for none
	Limit float64 `json:"limit,omitempty"`
}

// atMost is the budget "value <= n".
func atMost(n float64) Budget { return Budget{Rel: "<=", Limit: n} }

// exactly is the budget "value == n" (round-trip counts budgeted as a number, not a maximum).
func exactly(n float64) Budget { return Budget{Rel: "=", Limit: n} }

// set reports whether there is a budget.
func (b Budget) set() bool { return b.Rel != "" }

// ok reports whether v keeps within the budget.
func (b Budget) ok(v float64) bool {
	switch b.Rel {
	case "<=":
		return v <= b.Limit
	case "=":
		return v == b.Limit
	}
	return true
}

// String is "<= 2", "= 1" or "-" for no budget.
func (b Budget) String() string {
	if !b.set() {
		return "-"
	}
	return b.Rel + " " + strconv.FormatFloat(b.Limit, 'f', -1, 64)
}

// Check is one budget applied to one measured value, as the report shows it.
type Check struct {
	What     string  `json:"what"`
	Measured float64 `json:"measured"`
	Budget   Budget  `json:"budget"`
	OK       bool    `json:"ok"`
}

// check applies b to v.
func check(what string, v float64, b Budget) Check {
	return Check{What: what, Measured: v, Budget: b, OK: b.ok(v)}
}

// verdict is "ok", "FAIL" or "" (no budget), for the text report.
func (c Check) verdict() string {
	switch {
	case !c.Budget.set():
		return ""
	case c.OK:
		return "ok"
	}
	return "FAIL"
}

// failed lists the checks that did not keep within their budget.
func failed(checks []Check) []string {
	var out []string
	for _, c := range checks {
		if !c.OK {
			out = append(out, fmt.Sprintf("%s: %v, budget %s", c.What, c.Measured, c.Budget))
		}
	}
	return out
}
