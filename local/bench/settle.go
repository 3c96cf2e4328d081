package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// Cold starts are measured on a machine at rest, before the load steps (whose events keep the
// alert function and moto busy for a minute or more after them) and once the build is over: a
// start measured on a busy machine can come out tenths of a millisecond slower than its
// baseline's did a moment before.
const (
	restBusy    = 0.15             // the busy share of the CPUs, over restWindow, that counts as at rest
	restWindow  = time.Second      // how long one look at the CPUs lasts
	restMaxWait = 45 * time.Second // how long settle waits at most
)

// settle waits, up to restMaxWait, until the CPUs were busy less than restBusy of a restWindow. It
// returns the busy share it saw last (-1 where /proc/stat is not).
func settle(ctx context.Context) float64 {
	deadline := time.Now().Add(restMaxWait)
	for {
		busy, ok := busyShare(ctx, restWindow)
		if !ok || busy < restBusy || time.Now().After(deadline) || ctx.Err() != nil {
			if !ok {
				return -1
			}
			return busy
		}
	}
}

// busyShare is the share of CPU time spent busy over d, from /proc/stat.
func busyShare(ctx context.Context, d time.Duration) (float64, bool) {
	b0, t0, ok := cpuTimes()
	if !ok {
		return 0, false
	}
	select {
	case <-ctx.Done():
		return 0, false
	case <-time.After(d):
	}
	b1, t1, ok := cpuTimes()
	if !ok || t1 <= t0 {
		return 0, false
	}
	return float64(b1-b0) / float64(t1-t0), true
}

func cpuTimes() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPULine(line)
}

// parseCPULine reads /proc/stat's first line: "cpu user nice system idle iowait irq softirq
// steal ..." in clock ticks; idle and iowait are not busy.
func parseCPULine(line string) (busy, total uint64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}
