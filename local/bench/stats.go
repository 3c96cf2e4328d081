package main

import (
	"math"
	"slices"
	"time"
)

// Latency summarises one set of timings in milliseconds, rounded to 0.1 ms: the numbers the text
// report prints are exactly the ones report.json holds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50Ms"`
	P95 float64 `json:"p95Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

// summarize computes the percentiles of ds (in any order; ds is not modified).
func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return Latency{
		N:   len(sorted),
		P50: ms(percentile(sorted, 50)),
		P95: ms(percentile(sorted, 95)),
		P99: ms(percentile(sorted, 99)),
		Max: ms(sorted[len(sorted)-1]),
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted, by the nearest-rank method:
// the smallest value with at least p% of the values at or below it. Empty input gives 0.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// median is the 50th percentile of ds, in any order.
func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return percentile(sorted, 50)
}

// ms converts d to milliseconds rounded to 0.1.
func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 1) }

// ratio is a/b rounded to 0.01, and false when b is not positive (no ratio to show).
func ratio(a, b float64) (float64, bool) {
	if b <= 0 {
		return 0, false
	}
	return round(a/b, 2), true
}

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	scale := math.Pow(10, float64(decimals))
	return math.Round(x*scale) / scale
}

// Spread is how a per-request count was distributed: its least and greatest value and how many
// requests had each value.
type Spread struct {
	Min    int         `json:"min"`
	Max    int         `json:"max"`
	Counts map[int]int `json:"counts"` // value -> requests
}

// spread tallies values; an empty input gives the zero Spread.
func spread(values []int) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := Spread{Min: values[0], Max: values[0], Counts: map[int]int{}}
	for _, v := range values {
		s.Min, s.Max = min(s.Min, v), max(s.Max, v)
		s.Counts[v]++
	}
	return s
}

// merge combines two spreads.
func (s Spread) merge(o Spread) Spread {
	if len(s.Counts) == 0 {
		return o
	}
	if len(o.Counts) == 0 {
		return s
	}
	out := Spread{Min: min(s.Min, o.Min), Max: max(s.Max, o.Max), Counts: map[int]int{}}
	for _, c := range []map[int]int{s.Counts, o.Counts} {
		for v, n := range c {
			out.Counts[v] += n
		}
	}
	return out
}
