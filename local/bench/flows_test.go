package main

import (
	"strings"
	"testing"
)

// TestPhonesAvoidTheBenchPINs: after +86139 2950, about one draw of the last four digits in a
// hundred would complete 295071; none of 20,000 numbers holds a payment password the bench sets.
func TestPhonesAvoidTheBenchPINs(t *testing.T) {
	var p phones
	for range 20_000 {
		p.n.Store(2950)
		n := p.next()
		if len(n) != 14 || !strings.HasPrefix(n, "+861392950") || strings.Contains(n, benchPIN) || strings.Contains(n, benchNewPIN) {
			t.Fatalf("%s", n)
		}
	}
}
