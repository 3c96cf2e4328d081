// Command bench is `make bench`: the performance report of README's Performance section,
// measured on this machine inside the local stack (`.local/bin/host test -- bench`).
//
// Per route and flow step, through the local API and the real bootstraps: DynamoDB and SNS round
// trips per request (from each request's log line), latency at 1 and 8 concurrent clients, and
// the raw DynamoDB Local / moto latency of the same operations, so the overhead shows as a ratio.
// Per function: cold start beside two bare baselines (see bare/), and the arm64 binary size. And
// the argon2id hash time, and a check that no code calls Scan.
//
// It prints the report and writes it to .local/bench/report.txt and report.json. It exits 1 when
// a budget is not kept or a measurement failed, 2 when it cannot run at all. It
// stops by itself: every count is fixed, and the whole run is cut off after nine minutes.
//
// Per flow step, the cost of 1M requests (cost.go): read and write units from item sizes, metered
// by the stack (host test -capacity) on the warm-up requests, Lambda from the CPU each request
// logs, API Gateway and SMS parts; with the write-unit and account-item budgets.
//
//	bench [-quick] [-out DIR] [-sms-part-price USD]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Fixed sizes of the run.
const (
	coldStartRuns = 30
	argon2Runs    = 5
	timeLimit     = 9 * time.Minute
)

func main() {
	quick := flag.Bool("quick", false, "a fifth of the requests and starts (for trying the bench, not for numbers)")
	out := flag.String("out", "", "report directory (default .local/bench in the repository)")
	smsPart := flag.Float64("sms-part-price", 0.02, "USD per SMS part, for the cost table")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeLimit)
	defer cancel()
	code, err := run(ctx, *quick, *out, *smsPart)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	os.Exit(code)
}

// run measures everything, writes the report and returns the exit code.
func run(ctx context.Context, quick bool, out string, smsPart float64) (int, error) {
	start := time.Now()
	b, err := newBench(ctx, quick, smsPart)
	if err != nil {
		return 2, err
	}
	if out == "" {
		out = filepath.Join(b.root, ".local", "bench")
	}
	r := &Report{Date: start.UTC().Format(time.RFC3339), Command: "make bench",
		Machine: Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Go: runtime.Version(),
			LoadStart: loadAverage()}}
	if quick {
		r.Command = "make bench (-quick: not for comparison)"
	}
	b.measureAll(ctx, r)
	r.Seconds = round(time.Since(start).Seconds(), 0)
	r.Machine.LoadEnd = loadAverage()
	r.Errors = append(r.Errors, b.errors...)
	r.Warnings = append(r.Warnings, b.warnings...)
	r.OK = len(r.Errors) == 0 && len(failed(r.Checks)) == 0
	r.render(os.Stdout)
	if err := r.write(out); err != nil {
		return 2, fmt.Errorf("write report: %w", err)
	}
	fmt.Printf("\nreport: %s/report.txt and report.json\n", rel(b.root, out))
	if !r.OK {
		return 1, nil
	}
	return 0, nil
}

// measureAll runs every part in turn; a part that fails is an error in the report and the
// others still run. Cold starts come first, on a machine at rest: after the load steps the
// alerts their events raise keep the stack busy for a minute or more.
func (b *bench) measureAll(ctx context.Context, r *Report) {
	progress := func(what string) {
		fmt.Fprintf(os.Stderr, "bench: %s (%s)\n", what, time.Since(b.started).Round(time.Second))
	}
	progress("building the functions and the baselines")
	progs, err := b.buildAll(ctx)
	b.fail(err)
	if def, err := b.tpl.Table(); err != nil {
		b.fail(err)
	} else if b.raw, err = newRaw(ctx, b.stack, def); err != nil {
		b.fail(err)
	} else {
		b.raw.from = b.cfg.EmailFrom
		defer func() { _ = b.raw.close(context.WithoutCancel(ctx)) }()
	}
	if progs != nil {
		progress("cold starts, once the CPUs are at rest")
		busy := settle(ctx)
		progress(fmt.Sprintf("cold starts (CPUs %.0f%% busy over the last second)", 100*busy))
		r.ColdStarts, err = b.measureCold(ctx, progs)
		b.fail(err)
		r.Binaries = progs.sizes
	}
	for _, sc := range scenarios() {
		progress("step " + sc.Name)
		s := b.measureStep(ctx, sc)
		if s.Error != "" {
			b.fail(fmt.Errorf("%s: %s", s.Name, s.Error))
		}
		r.Steps = append(r.Steps, s)
	}
	if b.raw != nil {
		r.Raw = b.raw.summary()
	}
	if b.meter != nil {
		r.Cost = &CostSummary{Prices: b.prices, Largest: b.meter.largest}
	} else {
		b.fail(fmt.Errorf("cost not metered: run the bench in host test -capacity (make bench does)"))
	}
	progress("argon2id")
	r.Argon2, err = measureArgon2(b.cfg, argon2Runs)
	b.fail(err)
	progress("closure job at 100,000 accounts")
	r.Closure, err = measureClosure(ctx, b.root)
	b.fail(err)
	r.Scan, err = findScans(b.root)
	b.fail(err)
	r.Checks = budgetChecks(r)
}

// budgetChecks applies every budget to what was measured: round trips, cold starts, no Scan.
func budgetChecks(r *Report) []Check {
	var cs []Check
	for _, s := range r.Steps {
		if s.Pending != "" || s.Error != "" {
			continue
		}
		if s.DynamoDBBudget.set() {
			cs = append(cs, check(s.Name+": DynamoDB round trips", float64(s.DynamoDB.Max), s.DynamoDBBudget))
		}
		if s.SNSBudget.set() {
			cs = append(cs, check(s.Name+": SNS calls", float64(s.SNS.Max), s.SNSBudget))
		}
		if s.HotKey != nil {
			cs = append(cs, check(s.Name+": hottest key, writes per 1,000 sends", s.HotKey.Per1000, s.HotKey.Budget))
		}
	}
	for _, c := range r.ColdStarts {
		cs = append(cs, check(c.Function+": init / bare+libraries init", c.RatioLibs, c.Budget))
	}
	cs = append(cs, costChecks(r)...)
	cs = append(cs, check("DynamoDB Scan calls", float64(len(r.Scan.Calls)), exactly(0)))
	return cs
}

// loadAverage is the 1-minute load average, or "?" where /proc/loadavg is not.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}
