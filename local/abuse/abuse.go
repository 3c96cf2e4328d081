// Package abuse measures what an attacker learns by repeating requests: whether two kinds of
// request (for a number with an account, and for one without) can be told apart by their timing.
// Import it from tests only.
package abuse

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/secret"
)

// The bound the enumeration tests hold, as SECURITY.md states it: over Requests requests of each
// kind, interleaved, the medians differ by at most Frac of the larger, or Floor.
const (
	Requests = 200
	Frac     = 0.2
	Floor    = 5 * time.Millisecond
)

// Compare runs a and b Requests times each, in turns (Pair), logs what it measured under what
// (which names kind A and kind B), and fails t when the medians differ by more than the bound.
func Compare(t testing.TB, what string, a, b func(i int)) {
	t.Helper()
	timing := Pair(Requests, a, b)
	t.Logf("%s: %s; %s", what, timing, timing.Spread())
	if err := timing.Check(Frac, Floor); err != nil {
		t.Error(err)
	}
}

// Timing holds the durations of two kinds of request, A and B, measured in turns.
type Timing struct {
	A, B []time.Duration
}

// Pair runs a and b n times each, in turns A B B A A B B A …, so that drift in the load of the
// machine falls on both alike, and returns how long each run took. i counts each kind's runs.
func Pair(n int, a, b func(i int)) Timing {
	var t Timing
	timed := func(f func(int), i int) time.Duration {
		start := time.Now()
		f(i)
		return time.Since(start)
	}
	for i := range n {
		if i%2 == 0 {
			t.A = append(t.A, timed(a, i))
			t.B = append(t.B, timed(b, i))
		} else {
			t.B = append(t.B, timed(b, i))
			t.A = append(t.A, timed(a, i))
		}
	}
	return t
}

// Medians returns the median duration of A and of B.
func (t Timing) Medians() (a, b time.Duration) { return median(t.A), median(t.B) }

// Check returns an error when the medians differ by more than the bound: frac of the larger
// median, or floor, whichever is more.
func (t Timing) Check(frac float64, floor time.Duration) error {
	a, b := t.Medians()
	bound := max(time.Duration(frac*float64(max(a, b))), floor)
	if diff := (a - b).Abs(); diff > bound {
		return fmt.Errorf("timing tells them apart: %s; bound %.1f ms", t, ms(bound))
	}
	return nil
}

// String is "A median 12.3 ms, B median 12.1 ms, Δ 0.2 ms (1.6%), n=200".
func (t Timing) String() string {
	a, b := t.Medians()
	return fmt.Sprintf("A median %.2f ms, B median %.2f ms, Δ %.2f ms (%.1f%%), n=%d",
		ms(a), ms(b), ms((a - b).Abs()), 100*ms((a-b).Abs())/ms(max(a, b, 1)), len(t.A))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// HashParams are the argon2id parameters the timing tests hash and verify with: production's
// (secret.DefaultParams), except under the race detector, which makes argon2 about three times
// slower, where they are a sixteenth of the memory and one pass so that the five timing tests'
// 200 requests of each kind stay within make test's budget. Both kinds pay the same parameters
// either way, so what the tests compare is unchanged.
func HashParams() secret.Params {
	if !raceDetector {
		return secret.DefaultParams
	}
	p := secret.DefaultParams
	p.Memory, p.Time = p.Memory/16, 1
	return p
}

// Spread is each kind's 10th, 25th, 50th, 75th and 90th percentile, in ms: two kinds that differ
// only in their tail show it here.
func (t Timing) Spread() string {
	q := func(ds []time.Duration) string {
		if len(ds) == 0 {
			return "-"
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		at := func(p int) float64 { return ms(s[min(len(s)*p/100, len(s)-1)]) }
		return fmt.Sprintf("%.1f/%.1f/%.1f/%.1f/%.1f", at(10), at(25), at(50), at(75), at(90))
	}
	return "p10/25/50/75/90 ms A " + q(t.A) + ", B " + q(t.B)
}
