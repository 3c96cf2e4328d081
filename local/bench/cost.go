package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Prices are what the cost table charges, in USD: AWS's public on-demand prices in us-east-1,
// and the assumptions that turn a local measurement into Lambda duration.
type Prices struct {
	LambdaRequestPerM float64            `json:"lambdaRequestPerM"`
	LambdaGBSecond    map[string]float64 `json:"lambdaGBSecond"` // by architecture
	RRUPerM           float64            `json:"readRequestUnitPerM"`
	WRUPerM           float64            `json:"writeRequestUnitPerM"`
	HTTPAPIPerM       float64            `json:"httpApiRequestPerM"`
	SMSPart           float64            `json:"smsPart"` // bench -sms-part-price
	// FullCPUMB is the memory at which a function has one full vCPU; below it, a function gets
	// that share of one (Lambda allocates CPU in proportion to memory).
	FullCPUMB float64 `json:"fullCpuMb"`
	// DynamoDBMs and SNSMs are the wall time assumed per round trip to DynamoDB and per SNS or
	// SES call in the region: the local stand-ins' latencies are not AWS's.
	DynamoDBMs float64 `json:"dynamodbMs"`
	SNSMs      float64 `json:"snsMs"`
}

// defaultPrices: Lambda $0.20 per 1M requests, $0.0000166667 per GB-second on x86_64 and
// $0.0000133334 on arm64; DynamoDB on-demand $0.125 per 1M read request units and $0.625 per
// 1M write request units; HTTP API $1.00 per 1M requests (first 300M a month).
func defaultPrices(smsPart float64) Prices {
	return Prices{LambdaRequestPerM: 0.20, LambdaGBSecond: map[string]float64{"x86_64": 0.0000166667, "arm64": 0.0000133334},
		RRUPerM: 0.125, WRUPerM: 0.625, HTTPAPIPerM: 1.00, SMSPart: smsPart, FullCPUMB: 1769, DynamoDBMs: 5, SNSMs: 20}
}

// Cost is one step per request and what 1M of it costs, by part (USD).
type Cost struct {
	Metered    int                `json:"meteredRequests"` // the warm-up requests, metered
	MemoryMB   int                `json:"memoryMb"`
	Arch       string             `json:"arch"`
	CPUMs      float64            `json:"cpuMs"`      // mean CPU per timed request (cpu_ms)
	DurationMs float64            `json:"durationMs"` // CPU / share + round trips x assumed latency, billed to 1 ms
	RoundTrips float64            `json:"dynamodbRoundTrips"`
	SNSCalls   float64            `json:"snsCalls"`
	RRU        float64            `json:"rru"`
	WRU        float64            `json:"wru"`      // the table's
	IndexWRU   float64            `json:"indexWru"` // its global secondary index's
	SMSParts   float64            `json:"smsParts"`
	WRUByOp    map[string]float64 `json:"wruByOp,omitempty"`
	Lambda     float64            `json:"lambdaPerM"`
	DynamoDB   float64            `json:"dynamodbPerM"`
	API        float64            `json:"apiPerM"`
	SMS        float64            `json:"smsPerM"`
	Total      float64            `json:"totalPerM"`
	Unsized    []string           `json:"unsized,omitempty"` // requests the meter could not size
}

// WriteUnits is what one request writes: table and index.
func (c Cost) WriteUnits() float64 { return c.WRU + c.IndexWRU }

// price fills in c's per-1M figures from its per-request measures.
func (c *Cost) price(p Prices) {
	share := math.Min(1, float64(c.MemoryMB)/p.FullCPUMB)
	ms := c.CPUMs/share + c.RoundTrips*p.DynamoDBMs + c.SNSCalls*p.SNSMs
	c.DurationMs = math.Ceil(ms)
	gbs := p.LambdaGBSecond[c.Arch]
	c.Lambda = p.LambdaRequestPerM + 1e6*c.DurationMs/1000*float64(c.MemoryMB)/1024*gbs
	c.DynamoDB = c.RRU*p.RRUPerM + c.WriteUnits()*p.WRUPerM
	c.API = p.HTTPAPIPerM
	c.SMS = 1e6 * c.SMSParts * p.SMSPart
	c.Total = c.Lambda + c.DynamoDB + c.API + c.SMS
}

// newCost is a step's cost from its metered warm-up and its timed requests' log lines.
func newCost(m metered, memoryMB int, arch string, cpuMs, roundTrips, snsCalls float64, p Prices) *Cost {
	c := &Cost{Metered: m.requests, MemoryMB: memoryMB, Arch: arch, CPUMs: round(cpuMs, 2), RoundTrips: roundTrips,
		SNSCalls: snsCalls, Unsized: m.unsized}
	if n := float64(m.requests); n > 0 {
		c.RRU, c.WRU, c.IndexWRU = round(m.rru/n, 2), round(m.wru/n, 2), round(m.indexWRU/n, 2)
		c.SMSParts = round(float64(m.smsParts)/n, 2)
		c.WRUByOp = map[string]float64{}
		for op, u := range m.byOp {
			c.WRUByOp[op] = round(u/n, 2)
		}
	}
	c.price(p)
	return c
}

// costBudgets are the write-unit budgets per request, by step (README, Performance). They hold
// the table's write units; the index's are printed beside them and priced, not budgeted: the
// design's 12 for a signup is its six transactional items at 2 each, with the account's entry in
// the closure job's index on top of them.
var costBudgets = map[string]float64{"OTP send": 10, "signup": 12}

// accountItemBudget: the account item under 1 KB, one write unit per write.
const accountItemBudget = 1023

// costChecks are the budgets on what the meter measured.
func costChecks(r *Report) []Check {
	var cs []Check
	for _, s := range r.Steps {
		if limit, ok := costBudgets[s.Name]; ok && s.Cost != nil {
			cs = append(cs, check(s.Name+": table write units per request", s.Cost.WRU, atMost(limit)))
		}
	}
	if r.Cost != nil {
		cs = append(cs, check("largest account item written, bytes (< 1,024)", float64(r.Cost.Largest[accountItemKind]), atMost(accountItemBudget)))
	}
	return cs
}

// CostSummary is what the cost table assumed and the largest items written, by kind.
type CostSummary struct {
	Prices  Prices         `json:"prices"`
	Largest map[string]int `json:"largestItemBytes"`
}

func (r *Report) renderCost(w io.Writer) {
	if r.Cost == nil {
		fmt.Fprintln(w, "\nCost: not metered (the stack was started without host test -capacity)")
		return
	}
	p := r.Cost.Prices
	fmt.Fprintln(w, "\nCost per 1M requests, USD, on demand in us-east-1 (read and write units from item sizes by the")
	fmt.Fprintf(w, "on-demand rules, metered on the warm-up requests; Lambda duration = CPU per request / (MemorySize / %.0f MB)\n", p.FullCPUMB)
	fmt.Fprintf(w, "+ %.0f ms per DynamoDB round trip + %.0f ms per SNS/SES call, assumed; CPU measured on this machine, not Graviton;\n",
		p.DynamoDBMs, p.SNSMs)
	fmt.Fprintf(w, "SMS $%g per part (-sms-part-price); HTTP API $%.2f, Lambda $%.2f per 1M requests; RRU $%.3f, WRU $%.3f per 1M)\n",
		p.SMSPart, p.HTTPAPIPerM, p.LambdaRequestPerM, p.RRUPerM, p.WRUPerM)
	t := table(w)
	fmt.Fprintln(t, "step\tMB/arch\tCPU ms\tbilled ms\tRRU\tWRU (+index)\tbudget\t\tSMS parts\tLambda\tDynamoDB\tAPI\tSMS\ttotal\tshare % L/D/API/SMS")
	for _, s := range r.Steps {
		c := s.Cost
		if c == nil {
			continue
		}
		budget, verdict := "-", ""
		if limit, ok := costBudgets[s.Name]; ok {
			ch := check("", c.WRU, atMost(limit))
			budget, verdict = ch.Budget.String(), ch.verdict()
		}
		fmt.Fprintf(t, "%s\t%d/%s\t%.2f\t%.0f\t%.1f\t%g (+%g)\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\n", s.Name, c.MemoryMB, c.Arch,
			c.CPUMs, c.DurationMs, c.RRU, c.WRU, c.IndexWRU, budget, verdict, c.SMSParts, c.Lambda, c.DynamoDB, c.API, c.SMS, c.Total, c.shares())
	}
	t.Flush()
	var kinds []string
	for k := range r.Cost.Largest {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.Cost.Largest[k]))
	}
	acct := check("", float64(r.Cost.Largest[accountItemKind]), atMost(accountItemBudget))
	fmt.Fprintf(w, "Largest account item written: %d bytes (budget < 1,024) %s\n", r.Cost.Largest[accountItemKind], acct.verdict())
	fmt.Fprintf(w, "Largest item written, by kind of key, bytes: %s\n", strings.Join(parts, ", "))
	for _, s := range r.Steps {
		if s.Cost != nil && len(s.Cost.Unsized) > 0 {
			fmt.Fprintf(w, "  %s: the meter could not size %d request(s): %s\n", s.Name, len(s.Cost.Unsized), s.Cost.Unsized[0])
		}
	}
}

// shares is "3/66/6/0": each part's share of the total, in %, in the order Lambda, DynamoDB,
// API, SMS.
func (c Cost) shares() string {
	if c.Total == 0 {
		return "-"
	}
	var out []string
	for _, v := range []float64{c.Lambda, c.DynamoDB, c.API, c.SMS} {
		out = append(out, fmt.Sprintf("%.0f", 100*v/c.Total))
	}
	return strings.Join(out, "/")
}
