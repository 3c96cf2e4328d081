package main

import (
	"context"
	"fmt"
	"path/filepath"
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
	for _, clients := range clientCounts() {
		n := b.count(sc.Requests, clients)
		p, err := b.measurePhase(ctx, sc, clients, n)
		if err != nil {
			s.Error = err.Error()
			return s
		}
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
func (b *bench) measurePhase(ctx context.Context, sc scenario, clients, n int) (Phase, error) {
	warm := 2 * clients
	fs, err := sc.Setup(ctx, b, warm+n)
	if err != nil {
		return Phase{}, err
	}
	if _, err := b.drive(ctx, sc, clients, fs[:warm]); err != nil {
		return Phase{}, fmt.Errorf("warm-up: %w", err)
	}
	res, err := b.drive(ctx, sc, clients, fs[warm:])
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
	for i, id := range ids {
		ddb[i], sns[i] = lines[id].Calls["dynamodb"], lines[id].Calls["sns"]
	}
	p := Phase{Clients: clients, Latency: summarize(lat), DynamoDB: spread(ddb), SNS: spread(sns)}
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
