package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/template"
)

// coldTarget is one bootstrap whose cold start is measured.
type coldTarget struct {
	Name      string
	Bootstrap string
	Env       map[string]string
	MemoryMB  int
	Event     func() ([]byte, error) // the first event, new for each start
}

// coldSample is one cold start: process start to the first invocation/next (init), and to the
// response to the first event.
type coldSample struct{ Init, First time.Duration }

// coldStarts starts each target starts times, round-robin so drift in the machine's load touches
// every target alike, after one unrecorded start each (page cache). Each start is a fresh
// process served by the local Runtime API (local/internal/runtimeapi, as the host serves the
// functions), killed after its first response.
func coldStarts(ctx context.Context, targets []coldTarget, starts int) (map[string][]coldSample, error) {
	out := map[string][]coldSample{}
	for round := -1; round < starts; round++ {
		for _, t := range targets {
			s, err := coldStart(ctx, t)
			if err != nil {
				return nil, err
			}
			if round >= 0 {
				out[t.Name] = append(out[t.Name], s)
			}
		}
	}
	return out, nil
}

// coldStart starts t once and sends it its first event.
func coldStart(ctx context.Context, t coldTarget) (coldSample, error) {
	pool := runtimeapi.NewPool(runtimeapi.Function{Name: t.Name, Bootstrap: t.Bootstrap, Env: t.Env,
		MemoryMB: t.MemoryMB, Timeout: 10 * time.Second, MaxInstances: 1, Region: stack.Region, AccountID: stack.AccountID})
	defer pool.Close()
	event, err := t.Event()
	if err != nil {
		return coldSample{}, fmt.Errorf("cold start %s: %w", t.Name, err)
	}
	res, err := pool.Invoke(ctx, event)
	switch {
	case err != nil:
		return coldSample{}, fmt.Errorf("cold start %s: %w", t.Name, err)
	case res.Err != nil:
		return coldSample{}, fmt.Errorf("cold start %s: %v", t.Name, res.Err)
	case !res.Cold:
		return coldSample{}, fmt.Errorf("cold start %s: the instance was not new", t.Name)
	}
	return coldSample{Init: res.InitDuration, First: res.InitDuration + res.Duration}, nil
}

// firstEvent is the event a function's cold start answers: for OtpFunction a code request (the
// real work of its main route, with a fresh phone and source address); else the function's first
// GET route without path parameters; else its events/<name>-*.json; else its first route with an
// empty JSON object; else {}.
func firstEvent(b *bench, fn template.Function) func() ([]byte, error) {
	if fn.LogicalID == "OtpFunction" {
		return func() ([]byte, error) {
			body, _ := json.Marshal(map[string]string{"phone": b.phones.next(), "purpose": "signup"})
			return b.routeEvent("POST", "/v1/otp", string(body))
		}
	}
	for _, r := range fn.Routes {
		if r.Method == "GET" && !strings.Contains(r.Path, "{") {
			return func() ([]byte, error) { return b.routeEvent(r.Method, r.Path, "") }
		}
	}
	name := strings.TrimPrefix(fn.Dir, "functions/")
	if files, _ := filepath.Glob(filepath.Join(b.root, "events", name+"-*.json")); len(files) > 0 {
		if ev, err := os.ReadFile(files[0]); err == nil && json.Valid(ev) {
			return func() ([]byte, error) { return ev, nil }
		}
	}
	if len(fn.Routes) > 0 {
		r := fn.Routes[0]
		return func() ([]byte, error) { return b.routeEvent(r.Method, r.Path, "{}") }
	}
	return func() ([]byte, error) { return []byte("{}"), nil }
}

// routeEvent is the payload format 2.0 event the local API sends for a request from a fresh
// source address.
func (b *bench) routeEvent(method, path, body string) ([]byte, error) {
	r := httptest.NewRequest(method, b.stack.API+path, strings.NewReader(body))
	r.RemoteAddr = net.JoinHostPort(b.addrs.next().String(), "40000")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "bench")
	_, ev, err := b.api.Event(r, []byte(body))
	return ev, err
}
