package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is everything `make bench` measured. report.txt renders it; report.json is it.
type Report struct {
	Date       string       `json:"date"` // UTC, RFC 3339
	Command    string       `json:"command"`
	Machine    Machine      `json:"machine"`
	Seconds    float64      `json:"seconds"` // total run time
	Steps      []Step       `json:"steps"`
	Raw        []RawOp      `json:"raw"`
	ColdStarts []Cold       `json:"coldStarts"`
	Binaries   []Binary     `json:"binaries"`
	Argon2     Argon2       `json:"argon2"`
	Closure    Closure      `json:"closure"`
	Scan       ScanResult   `json:"scan"`
	Cost       *CostSummary `json:"cost,omitempty"` // the cost table's prices and largest items
	Checks     []Check      `json:"checks"`         // every budget applied
	Errors     []string     `json:"errors,omitempty"`
	Warnings   []string     `json:"warnings,omitempty"`
	OK         bool         `json:"ok"` // no error and every budget kept
}

// Machine is where the numbers come from. The load averages (1 minute, from /proc/loadavg) at
// the start and the end tell whether something else was running.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	Go        string `json:"go"`
	LoadStart string `json:"loadStart,omitempty"`
	LoadEnd   string `json:"loadEnd,omitempty"`
}

// Step is one route and flow step.
type Step struct {
	Name     string   `json:"name"`
	Route    string   `json:"route"`
	Function string   `json:"function,omitempty"`
	Pending  string   `json:"pending,omitempty"` // why it is not measured
	Error    string   `json:"error,omitempty"`
	Ops      []string `json:"ops,omitempty"`
	Argon2   int      `json:"argon2,omitempty"` // argon2id runs per request, by design
	// DynamoDB and SNS are the round trips per request, over every timed request.
	DynamoDB       Spread  `json:"dynamodb"`
	SNS            Spread  `json:"sns"`
	DynamoDBBudget Budget  `json:"dynamodbBudget"`
	SNSBudget      Budget  `json:"snsBudget"`
	Phases         []Phase `json:"phases,omitempty"`
	HotKey         *HotKey `json:"hotKey,omitempty"` // the item its requests wrote most, where measured
	Cost           *Cost   `json:"cost,omitempty"`   // per request and per 1M (cost.go)
}

// Phase is a step measured at one number of concurrent clients.
type Phase struct {
	Clients  int     `json:"clients"`
	Latency  Latency `json:"latency"`
	DynamoDB Spread  `json:"dynamodb"`
	SNS      Spread  `json:"sns"`
	// RawSumP50 is the sum of the raw p50 latencies of the step's operations at the same
	// concurrency; Overhead is Latency.P50 / RawSumP50 (0 when the step makes no call).
	RawSumP50 float64 `json:"rawSumP50Ms"`
	CPUMs     float64 `json:"cpuMs"` // mean CPU per request (its log line's cpu_ms)
	Overhead  float64 `json:"overhead,omitempty"`
}

// phase returns the step's phase at clients, or nil.
func (s Step) phase(clients int) *Phase {
	for i := range s.Phases {
		if s.Phases[i].Clients == clients {
			return &s.Phases[i]
		}
	}
	return nil
}

// RawOp is one operation measured directly with the SDK.
type RawOp struct {
	Op  string  `json:"op"`
	At1 Latency `json:"at1"`
	At8 Latency `json:"at8"`
}

// Cold is one function's cold start beside its two baselines (medians, ms).
type Cold struct {
	Function  string   `json:"function"`
	Starts    int      `json:"starts"`
	Libraries []string `json:"libraries,omitempty"` // mandated libraries with init cost it links
	Bare      string   `json:"bare"`                // baseline (a)
	BareLibs  string   `json:"bareLibs"`            // baseline (b)
	Init      float64  `json:"initMs"`
	BareInit  float64  `json:"bareInitMs"`
	LibsInit  float64  `json:"bareLibsInitMs"`
	First     float64  `json:"firstResponseMs"`
	BareFirst float64  `json:"bareFirstResponseMs"`
	LibsFirst float64  `json:"bareLibsFirstResponseMs"`
	// RatioBare (a) and RatioLibs (b) are the medians of the per-round ratios of init times;
	// (b) is the budgeted one.
	RatioBare float64 `json:"initRatioBare"`
	RatioLibs float64 `json:"initRatioBareLibs"`
	Budget    Budget  `json:"budget"`
}

// Binary is the size of a function's linux/arm64 Lambda build beside its baselines' (MiB).
type Binary struct {
	Function    string  `json:"function"`
	MiB         float64 `json:"mib"`
	Bytes       int64   `json:"bytes"`
	Bare        string  `json:"bare"`
	BareMiB     float64 `json:"bareMib"`
	BareLibs    string  `json:"bareLibs"`
	BareLibsMiB float64 `json:"bareLibsMib"`
}

// Closure is the closure job over 100,000 accounts with 1% due: what shared/closure's
// TestScale100k logged (its assertions: each run acts on exactly the due accounts, reads at
// most 1.2 index items per due account, and never scans).
type Closure struct {
	Passed  bool     `json:"passed"`
	Seconds float64  `json:"seconds"`
	Lines   []string `json:"lines"`
}

// Argon2 is the argon2id hash time at the configured parameters.
type Argon2 struct {
	MemoryKiB uint32  `json:"memoryKiB"`
	Time      uint32  `json:"time"`
	Threads   uint8   `json:"threads"`
	Runs      int     `json:"runs"`
	Median    float64 `json:"medianMs"`
	PerSignup int     `json:"hashesPerSignup"`
}

// ScanResult is the search for DynamoDB Scan calls in the functions' code.
type ScanResult struct {
	Files int      `json:"files"`
	Calls []string `json:"calls"` // file:line of each
}

// write saves report.json and report.txt in dir.
func (r *Report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	var txt strings.Builder
	r.render(&txt)
	return os.WriteFile(filepath.Join(dir, "report.txt"), []byte(txt.String()), 0o644)
}

// render writes the report for a person to read.
func (r *Report) render(w io.Writer) {
	fmt.Fprintf(w, "Wallet Accounts: performance report (%s), %s, %.0f s\n", r.Command, r.Date, r.Seconds)
	fmt.Fprintf(w, "%s/%s, %d CPUs, %s; load average %s at the start, %s at the end\n", r.Machine.OS, r.Machine.Arch,
		r.Machine.CPUs, r.Machine.Go, r.Machine.LoadStart, r.Machine.LoadEnd)
	r.renderRoundTrips(w)
	r.renderCost(w)
	r.renderLatency(w)
	r.renderRaw(w)
	r.renderCold(w)
	r.renderSizes(w)
	fmt.Fprintf(w, "\nargon2id (m=%d KiB, t=%d, p=%d): %.1f ms per hash, median of %d; a signup hashes %d secrets\n",
		r.Argon2.MemoryKiB, r.Argon2.Time, r.Argon2.Threads, r.Argon2.Median, r.Argon2.Runs, r.Argon2.PerSignup)
	fmt.Fprintf(w, "\nClosure job, 100,000 accounts, 1%% due (shared/closure TestScale100k, %.0f s): %s\n",
		r.Closure.Seconds, map[bool]string{true: "passed", false: "FAILED"}[r.Closure.Passed])
	for _, l := range r.Closure.Lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "\nNo Scan: %d call(s) in %d non-test files of functions/ and shared/ (budget = 0)%s\n",
		len(r.Scan.Calls), r.Scan.Files, strings.Join(prefixAll("\n  ", r.Scan.Calls), ""))
	r.renderVerdict(w)
}

func (r *Report) renderRoundTrips(w io.Writer) {
	fmt.Fprintln(w, "\nRound trips per request (each request's log line, matched by Lambda request id; all timed requests)")
	t := table(w)
	fmt.Fprintln(t, "step\troute\tDynamoDB\tbudget\t\tSNS\tbudget\t\toperations")
	for _, s := range r.Steps {
		if s.Pending != "" {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t\t\t%s\t\t\n", s.Name, s.Route, "not built yet", s.DynamoDBBudget, s.SNSBudget)
			continue
		}
		if s.Error != "" {
			fmt.Fprintf(t, "%s\t%s\tERROR\t\t\t\t\t\t%s\n", s.Name, s.Route, s.Error)
			continue
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Route,
			spreadText(s.DynamoDB), s.DynamoDBBudget, check("", float64(s.DynamoDB.Max), s.DynamoDBBudget).verdict(),
			spreadText(s.SNS), s.SNSBudget, check("", float64(s.SNS.Max), s.SNSBudget).verdict(),
			strings.Join(s.Ops, " + "))
	}
	t.Flush()
	for _, s := range r.Steps {
		if s.Pending != "" {
			fmt.Fprintf(w, "  %s: %s\n", s.Name, s.Pending)
		}
		if s.HotKey != nil {
			fmt.Fprintf(w, "  %s: %s %s\n", s.Name, s.HotKey, check("", s.HotKey.Per1000, s.HotKey.Budget).verdict())
		}
	}
}

func (r *Report) renderLatency(w io.Writer) {
	fmt.Fprintln(w, "\nLatency through the local API, ms (client side; 1 client, then 8 concurrent clients)")
	fmt.Fprintln(w, "overhead = flow p50 / sum of the raw p50 of its DynamoDB and SNS operations at the same concurrency")
	t := table(w)
	fmt.Fprintln(t, "step\tclients\trequests\tp50\tp95\tp99\traw sum p50\toverhead\targon2id")
	for _, s := range r.Steps {
		for _, p := range s.Phases {
			over, hashes := "-", ""
			if p.Overhead > 0 {
				over = fmt.Sprintf("%.2fx", p.Overhead)
			}
			if s.Argon2 > 0 {
				hashes = fmt.Sprintf("%d run(s)", s.Argon2)
			}
			fmt.Fprintf(t, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\n", s.Name, p.Clients, p.Latency.N,
				p.Latency.P50, p.Latency.P95, p.Latency.P99, p.RawSumP50, over, hashes)
		}
	}
	t.Flush()
	fmt.Fprintf(w, "argon2id runs are CPU time by design (%.1f ms each, below). The bench, the functions, DynamoDB Local\n",
		r.Argon2.Median)
	fmt.Fprintf(w, "and moto share %d CPUs. At 8 clients the raw operations run 8 of one kind at a time, a heavier load\n",
		r.Machine.CPUs)
	fmt.Fprintln(w, "on DynamoDB Local than a flow's mix of steps, so the 8-client ratio understates the overhead.")
}

func (r *Report) renderRaw(w io.Writer) {
	fmt.Fprintln(w, "\nRaw latency of the same operations, SDK straight to DynamoDB Local / moto, ms")
	t := table(w)
	fmt.Fprintln(t, "operation\t1: p50\tp95\tp99\t8: p50\tp95\tp99")
	for _, o := range r.Raw {
		fmt.Fprintf(t, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", o.Op, o.At1.P50, o.At1.P95, o.At1.P99, o.At8.P50, o.At8.P95, o.At8.P99)
	}
	t.Flush()
}

func (r *Report) renderCold(w io.Writer) {
	n := 0
	if len(r.ColdStarts) > 0 {
		n = r.ColdStarts[0].Starts
	}
	fmt.Fprintf(w, "\nCold start, median of %d starts, ms: init = process start to first invocation/next; first = to the first response\n", n)
	t := table(w)
	fmt.Fprintln(t, "function\tinit\tfirst\t(a) bare\tinit\tfirst\t(b) bare + libraries\tinit\tfirst\t(a) ratio\t(b) ratio\tbudget\t")
	for _, c := range r.ColdStarts {
		fmt.Fprintf(t, "%s\t%.1f\t%.1f\t%s\t%.1f\t%.1f\t%s\t%.1f\t%.1f\t%.2fx\t%.2fx\t%s\t%s\n", c.Function, c.Init, c.First,
			c.Bare, c.BareInit, c.BareFirst, c.BareLibs, c.LibsInit, c.LibsFirst, c.RatioBare, c.RatioLibs,
			c.Budget, check("", c.RatioLibs, c.Budget).verdict())
	}
	t.Flush()
	fmt.Fprintln(w, "Each round starts a function and its baselines back to back; a ratio is the median of the rounds' ratios.")
	fmt.Fprintln(w, "The 1.2x budget applies to (b). phonenumbers (~5-7 ms) and zxcvbn (~36 ms) parse, and go-webauthn")
	fmt.Fprintln(w, "(~0.5 ms) registers, their data in package init, and a Go program cannot defer an imported package's init: only a baseline")
	fmt.Fprintln(w, "that links them too isolates the cost of our own code. (a) shows what the libraries cost on top.")
}

func (r *Report) renderSizes(w io.Writer) {
	fmt.Fprintln(w, "\nBinary size, MiB, linux/arm64 Lambda build (-tags lambda.norpc -trimpath -ldflags=\"-s -w\")")
	t := table(w)
	fmt.Fprintln(t, "function\tMiB\t(a) bare\tMiB\t(b) bare + libraries\tMiB\tover (b)")
	for _, b := range r.Binaries {
		fmt.Fprintf(t, "%s\t%.2f\t%s\t%.2f\t%s\t%.2f\t%+.2f\n", b.Function, b.MiB, b.Bare, b.BareMiB, b.BareLibs,
			b.BareLibsMiB, round(b.MiB-b.BareLibsMiB, 2))
	}
	t.Flush()
}

func (r *Report) renderVerdict(w io.Writer) {
	bad := failed(r.Checks)
	if r.busy() {
		fmt.Fprintf(w, "\nThe machine was busy (load average above its %d CPUs): latencies and cold starts are noisy, and a\n"+
			"cold-start verdict near 1.2x may not hold on an idle machine.\n", r.Machine.CPUs)
	}
	fmt.Fprintf(w, "\nBudgets: %d checked, %d failed\n", len(r.Checks), len(bad))
	for _, b := range bad {
		fmt.Fprintln(w, "  FAIL "+b)
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "  ERROR "+e)
	}
	for _, e := range r.Warnings {
		fmt.Fprintln(w, "  warning: "+e)
	}
}

// busy reports whether the load average exceeded the CPU count at the start or the end.
func (r *Report) busy() bool {
	for _, l := range []string{r.Machine.LoadStart, r.Machine.LoadEnd} {
		if v, err := strconv.ParseFloat(l, 64); err == nil && v > float64(r.Machine.CPUs) {
			return true
		}
	}
	return false
}

// spreadText is "2", or "2-4 (2:190 4:10)" when requests differed.
func spreadText(s Spread) string {
	if len(s.Counts) == 0 {
		return "0"
	}
	if s.Min == s.Max {
		return fmt.Sprint(s.Max)
	}
	var vs []int
	for v := range s.Counts {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%d:%d", v, s.Counts[v]))
	}
	return fmt.Sprintf("%d-%d (%s)", s.Min, s.Max, strings.Join(parts, " "))
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}
