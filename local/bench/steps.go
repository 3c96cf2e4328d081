package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/template"
)

// clientCounts are the concurrencies every step is measured at.
func clientCounts() []int { return []int{1, 8} }

// measureStep drives one scenario at every concurrency: setup (untimed), a warm-up of two
// requests per client (untimed, so every instance the pool needs has started), then the timed
// requests, whose round trips are read from their log lines.
func (b *bench) measureStep(ctx context.Context, sc scenario) Step {
	s := Step{Name: sc.Name, Route: sc.Route, Pending: sc.Pending, Argon2: sc.Argon2,
		DynamoDBBudget: sc.DynamoDB, SNSBudget: sc.SNS}
	for _, o := range sc.Ops {
		s.Ops = append(s.Ops, o.String())
	}
	fn, routed := b.routes[sc.Route]
	switch {
	case sc.Pending != "" && routed:
		b.warn("%s: %s is in template.yaml now (%s): give the scenario a Setup and a Request", sc.Name, sc.Route, fn)
		return s
	case sc.Pending != "":
		return s
	case !routed:
		s.Pending = "route not in template.yaml"
		return s
	case !stack.HasGoPackage(filepath.Join(b.root, filepath.FromSlash(template.FunctionDir(fn)))):
		s.Pending = fn + " has no Go package yet"
		return s
	}
	s.Function = fn
	var before map[string]int
	if sc.HotKey {
		var err error
		if before, err = b.counters(ctx); err != nil {
			s.Error = err.Error()
			return s
		}
	}
	requests := 0
	var used metered
	for _, clients := range clientCounts() {
		n := b.count(sc.Requests, clients)
		p, m, err := b.measurePhase(ctx, sc, fn, clients, n)
		if err != nil {
			s.Error = err.Error()
			return s
		}
		used = used.merge(m)
		requests += 2*clients + n // the warm-up's too: they write as the timed ones do
		s.Phases = append(s.Phases, p)
		s.DynamoDB, s.SNS = s.DynamoDB.merge(p.DynamoDB), s.SNS.merge(p.SNS)
	}
	if sc.HotKey {
		after, err := b.counters(ctx)
		if err != nil {
			s.Error = err.Error()
			return s
		}
		h := hottest(before, after, requests)
		s.HotKey = &h
	}
	if b.meter != nil {
		s.Cost = b.stepCost(s, used)
	}
	if declared := countDynamoDB(sc.Ops); declared != s.DynamoDB.Min || declared != s.DynamoDB.Max {
		b.warn("%s: the scenario declares %d DynamoDB operations but requests made %s: update its Ops", sc.Name, declared, spreadText(s.DynamoDB))
	}
	return s
}

// count is how many timed requests (or raw operations) a phase sends at clients: base from one
// client, twice as many from several, divided by the -quick scale.
func (b *bench) count(base, clients int) int {
	n := base
	if clients > 1 {
		n *= 2
	}
	return max(n/b.scale, clients)
}

// measurePhase is one step at one concurrency, then the raw latency of its operations at the
// same concurrency.
// The warm-up's requests are the ones the capacity meter (when there is one) measures: it reads
// every item before and after each write, which would slow the timed requests.
func (b *bench) measurePhase(ctx context.Context, sc scenario, fn string, clients, n int) (Phase, metered, error) {
	warm := 2 * clients
	fs, err := sc.Setup(ctx, b, warm+n)
	if err != nil {
		return Phase{}, metered{}, err
	}
	warmUp := func() (int, error) { _, err := b.drive(ctx, sc, clients, fs[:warm]); return warm, err }
	var used metered
	if b.meter != nil {
		used, err = b.meter.during(ctx, b, fn, sendsSMS(sc), warmUp)
	} else {
		_, err = warmUp()
	}
	if err != nil {
		return Phase{}, metered{}, fmt.Errorf("warm-up: %w", err)
	}
	p, err := b.timedPhase(ctx, sc, clients, fs[warm:])
	return p, used, err
}

// timedPhase drives the timed requests and reads their log lines.
func (b *bench) timedPhase(ctx context.Context, sc scenario, clients int, fs []fixture) (Phase, error) {
	res, err := b.drive(ctx, sc, clients, fs)
	if err != nil {
		return Phase{}, err
	}
	ids := make([]string, len(res))
	lat := make([]time.Duration, len(res))
	for i, r := range res {
		ids[i], lat[i] = r.RequestID, r.Latency
	}
	lines, err := b.logs.lookup(ctx, ids, 10*time.Second)
	if err != nil {
		return Phase{}, err
	}
	ddb, sns := make([]int, len(ids)), make([]int, len(ids))
	var cpu float64
	for i, id := range ids {
		ddb[i], sns[i] = lines[id].Calls["dynamodb"], lines[id].Calls["sns"]
		cpu += lines[id].CPUMs
	}
	p := Phase{Clients: clients, Latency: summarize(lat), DynamoDB: spread(ddb), SNS: spread(sns)}
	if len(ids) > 0 {
		p.CPUMs = round(cpu/float64(len(ids)), 3)
	}
	if b.raw != nil && len(sc.Ops) > 0 {
		if p.RawSumP50, err = b.raw.sumP50(ctx, sc.Ops, clients, b.count(rawRequests, clients)); err != nil {
			return Phase{}, err
		}
		p.Overhead, _ = ratio(p.Latency.P50, p.RawSumP50)
	}
	return p, nil
}

// drive sends one request per fixture from clients concurrent clients and checks each answer.
func (b *bench) drive(ctx context.Context, sc scenario, clients int, fs []fixture) ([]response, error) {
	out := make([]response, len(fs)) // each worker writes only its own slots
	err := b.forEach(ctx, len(fs), clients, func(ctx context.Context, i int, c *client) error {
		res, err := c.do(ctx, sc.Request(b, fs[i]))
		if err != nil {
			return err
		}
		if err := expect(res, sc.Want, sc.Name); err != nil {
			return err
		}
		if res.RequestID == "" {
			return fmt.Errorf("%s: the local API sent no Lambda request id (X-Local-Lambda-Request-Id)", sc.Name)
		}
		out[i] = res
		return nil
	})
	return out, err
}

// sendsSMS reports whether the step's function publishes (an SMS, for every step that does).
func sendsSMS(sc scenario) bool {
	return sc.SNS.set() || slices.ContainsFunc(sc.Ops, func(o op) bool { return o.Kind == opPublish })
}

// stepCost prices the step: units from the metered warm-up, CPU and round trips from the
// timed requests' log lines, weighted by their number.
func (b *bench) stepCost(s Step, used metered) *Cost {
	var cpu, n float64
	for _, p := range s.Phases {
		cpu += p.CPUMs * float64(p.Latency.N)
		n += float64(p.Latency.N)
	}
	if n > 0 {
		cpu /= n
	}
	memory, arch := 128, "x86_64"
	if f, ok := b.tpl.Function(s.Function); ok {
		memory = f.MemoryMB
		if len(f.Architectures) > 0 {
			arch = f.Architectures[0]
		}
	}
	return newCost(used, memory, arch, cpu, mean(s.DynamoDB), mean(s.SNS), b.prices)
}

// mean is the mean value of a spread.
func mean(s Spread) float64 {
	var sum, n float64
	for v, c := range s.Counts {
		sum += float64(v * c)
		n += float64(c)
	}
	if n == 0 {
		return 0
	}
	return sum / n
}
