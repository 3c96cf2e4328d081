package main

import (
	"testing"
	"time"
)

func durations(msValues ...float64) []time.Duration {
	out := make([]time.Duration, len(msValues))
	for i, v := range msValues {
		out[i] = time.Duration(v * float64(time.Millisecond))
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 100; i >= 1; i-- { // unsorted input to summarize
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	l := summarize(hundred)
	if l.N != 100 || l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Max != 100 {
		t.Errorf("summarize 1..100 = %+v", l)
	}
	if hundred[0] != 100*time.Millisecond {
		t.Error("summarize sorted its input in place")
	}
	for _, c := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{[]float64{7}, 50, 7},
		{[]float64{7}, 99, 7},
		{[]float64{1, 2}, 50, 1},
		{[]float64{1, 2}, 51, 2},
		{[]float64{1, 2, 3, 4}, 99, 4},
		{[]float64{1, 2, 3, 4}, 25, 1},
		{[]float64{1, 2, 3, 4}, 0.1, 1},
	} {
		if got := ms(percentile(durations(c.values...), c.p)); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.values, c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 || summarize(nil) != (Latency{}) {
		t.Error("empty input must give zeros")
	}
	if got := median(durations(9, 1, 5)); got != 5*time.Millisecond {
		t.Errorf("median = %v", got)
	}
}

func TestMillisecondsRounding(t *testing.T) {
	if got := ms(1234567 * time.Nanosecond); got != 1.2 {
		t.Errorf("ms(1.234567ms) = %v", got)
	}
	if got := ms(1250 * time.Microsecond); got != 1.3 {
		t.Errorf("ms(1.25ms) = %v", got)
	}
}

func TestRatio(t *testing.T) {
	if r, ok := ratio(12.4, 10); !ok || r != 1.24 {
		t.Errorf("ratio(12.4, 10) = %v %v", r, ok)
	}
	if r, ok := ratio(1, 3); !ok || r != 0.33 {
		t.Errorf("ratio(1, 3) = %v %v", r, ok)
	}
	if _, ok := ratio(5, 0); ok {
		t.Error("a ratio to zero must not be shown")
	}
}

func TestSpread(t *testing.T) {
	s := spread([]int{2, 2, 4, 2})
	if s.Min != 2 || s.Max != 4 || s.Counts[2] != 3 || s.Counts[4] != 1 {
		t.Errorf("spread = %+v", s)
	}
	m := s.merge(spread([]int{1}))
	if m.Min != 1 || m.Max != 4 || m.Counts[1] != 1 || m.Counts[2] != 3 {
		t.Errorf("merge = %+v", m)
	}
	if s.Counts[1] != 0 {
		t.Error("merge changed its receiver")
	}
	if got := (Spread{}).merge(s); got.Max != 4 {
		t.Errorf("merge into empty = %+v", got)
	}
}

func TestBudgets(t *testing.T) {
	for _, c := range []struct {
		b    Budget
		v    float64
		ok   bool
		text string
	}{
		{atMost(2), 2, true, "<= 2"},
		{atMost(2), 3, false, "<= 2"},
		{atMost(1.2), 1.21, false, "<= 1.2"},
		{atMost(1.2), 1.2, true, "<= 1.2"},
		{exactly(1), 1, true, "= 1"},
		{exactly(1), 0, false, "= 1"},
		{exactly(1), 2, false, "= 1"},
		{Budget{}, 99, true, "-"},
	} {
		if got := c.b.ok(c.v); got != c.ok {
			t.Errorf("%s ok(%v) = %v", c.b, c.v, got)
		}
		if c.b.String() != c.text {
			t.Errorf("String() = %q, want %q", c.b.String(), c.text)
		}
	}
	checks := []Check{check("a", 2, atMost(2)), check("b", 3, atMost(2)), check("c", 5, Budget{})}
	if got := failed(checks); len(got) != 1 || got[0] != "b: 3, budget <= 2" {
		t.Errorf("failed = %q", got)
	}
	if checks[0].verdict() != "ok" || checks[1].verdict() != "FAIL" || checks[2].verdict() != "" {
		t.Errorf("verdicts %q %q %q", checks[0].verdict(), checks[1].verdict(), checks[2].verdict())
	}
}
