package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/config"
)

// bench is one run: where the stack is, what the template declares, and the run's counters and
// findings. Everything it measures goes into a Report.
type bench struct {
	started time.Time
	root    string
	stack   stack.Endpoints
	tpl     *template.Template
	routes  map[string]string // route key -> function logical id
	api     *httpapi.Server   // the local API's routing and events, for the cold starts' events
	cfg     config.Config     // as the functions read it
	env     stack.Environment // for the functions the bench starts itself, as the host gives it
	scale   int               // 1, or 5 with -quick
	logs    *functionLogs
	raw     *raw // nil when its table could not be made
	addrs   addresses
	phones  phones
	meter   *meter // nil when the stack does not meter capacity
	prices  Prices

	errors, warnings []string
}

func newBench(ctx context.Context, quick bool, smsPart float64) (*bench, error) {
	b := &bench{started: time.Now(), routes: map[string]string{}, scale: 1, prices: defaultPrices(smsPart),
		meter: newMeter(os.Getenv(stack.EnvCapacity))}
	if quick {
		b.scale = 5
	}
	var err error
	if b.root, err = stack.RepoRoot(); err != nil {
		return nil, err
	}
	if b.stack, err = stackFromEnv(); err != nil {
		return nil, err
	}
	if b.tpl, err = template.Load(filepath.Join(b.root, "template.yaml")); err != nil {
		return nil, err
	}
	fns := b.tpl.Functions()
	if len(fns) == 0 {
		return nil, fmt.Errorf("no function in template.yaml")
	}
	routes := append(stack.APIRoutes(b.tpl), stack.InternalRoutes(b.tpl)...)
	for _, r := range routes {
		b.routes[r.Key()] = r.Function
	}
	if b.api, err = httpapi.New(routes, nil, nil); err != nil {
		return nil, err
	}
	if b.env, err = b.environment(ctx); err != nil {
		return nil, err
	}
	env, err := b.env.For(fns[0])
	if err != nil {
		return nil, err
	}
	if b.cfg, err = loadConfig(env); err != nil {
		return nil, err
	}
	b.logs = newFunctionLogs(b.stack.Logs)
	return b, nil
}

// environment is the environment the host gives the functions, for the ones the bench starts
// itself: the stack's table and endpoints, its own pepper and an empty HOME.
func (b *bench) environment(ctx context.Context) (stack.Environment, error) {
	env := stack.Environment{Template: b.tpl, Table: b.stack.Table, DynamoDB: b.stack.DynamoDB, SNS: b.stack.SNS,
		API: b.stack.API, Home: filepath.Join(b.root, ".local", "bench", "home")}
	if err := os.MkdirAll(env.Home, 0o755); err != nil {
		return env, err
	}
	var err error
	if env.StreamARN, err = streamARN(ctx, b.stack); err != nil {
		return env, err
	}
	env.Pepper, err = stack.NewPepper()
	return env, err
}

// fail records a failed measurement; nil is ignored.
func (b *bench) fail(err error) {
	if err != nil {
		b.errors = append(b.errors, err.Error())
	}
}

func (b *bench) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

// function is a built function with its baselines.
type function struct {
	fn        template.Function
	env       map[string]string
	libraries []string
	// native builds, for cold starts
	bootstrap          string
	bare, bareLibs     program
	barePath, libsPath string
}

// builds is what buildAll made.
type builds struct {
	functions []function
	sizes     []Binary
}

// buildAll builds every function that has a package, and its baselines, for this machine (cold
// starts) and for linux/arm64 (sizes).
func (b *bench) buildAll(ctx context.Context) (*builds, error) {
	dir := filepath.Join(b.root, ".local", "bench", "bin")
	out := &builds{}
	native := map[string]string{} // program name -> path
	armSize := map[string]int64{}
	buildBoth := func(p program) (string, error) {
		if path, ok := native[p.Name]; ok {
			return path, nil
		}
		path, err := build(ctx, b.root, dir, runtime.GOOS, runtime.GOARCH, p) // as the host builds them
		if err != nil {
			return "", err
		}
		armPath, err := build(ctx, b.root, dir, "linux", "arm64", p)
		if err != nil {
			return "", err
		}
		if armSize[p.Name], err = fileSize(armPath); err != nil {
			return "", err
		}
		native[p.Name] = path
		return path, nil
	}
	mib := func(name string) float64 { return round(float64(armSize[name])/(1<<20), 2) }
	for _, fn := range b.tpl.Functions() {
		if !stack.HasGoPackage(filepath.Join(b.root, filepath.FromSlash(fn.Dir))) {
			continue
		}
		f, err := b.buildFunction(ctx, fn, buildBoth)
		if err != nil {
			return nil, err
		}
		out.functions = append(out.functions, f)
		out.sizes = append(out.sizes, Binary{Function: fn.LogicalID, MiB: mib(fn.LogicalID), Bytes: armSize[fn.LogicalID],
			Bare: f.bare.Name, BareMiB: mib(f.bare.Name), BareLibs: f.bareLibs.Name, BareLibsMiB: mib(f.bareLibs.Name)})
	}
	return out, nil
}

// buildFunction builds one function and its baselines with buildBoth.
func (b *bench) buildFunction(ctx context.Context, fn template.Function, buildBoth func(program) (string, error)) (function, error) {
	deps, err := goDeps(ctx, b.root, "./"+fn.Dir)
	if err != nil {
		return function{}, err
	}
	if extra := unmatchedServices(deps); len(extra) > 0 {
		b.warn("%s links SDK clients the baselines do not build (%s): add them to bare/", fn.LogicalID, strings.Join(extra, ", "))
	}
	f := function{fn: fn}
	f.bare, f.bareLibs = baselines(deps)
	for _, l := range linkables() {
		if l.Library && slices.Contains(deps, l.Pkg) {
			f.libraries = append(f.libraries, l.Label)
		}
	}
	if f.env, err = b.env.For(fn); err != nil {
		return function{}, err
	}
	if f.bootstrap, err = buildBoth(program{Name: fn.LogicalID, Pkg: "./" + fn.Dir}); err != nil {
		return function{}, err
	}
	if f.barePath, err = buildBoth(f.bare); err != nil {
		return function{}, err
	}
	f.libsPath, err = buildBoth(f.bareLibs)
	return f, err
}

// measureCold measures each function's cold start beside its baselines, which get the
// function's environment and event.
func (b *bench) measureCold(ctx context.Context, bs *builds) ([]Cold, error) {
	var targets []coldTarget
	for _, f := range bs.functions {
		event := firstEvent(b, f.fn)
		add := func(name, path string) {
			targets = append(targets, coldTarget{Name: name, Bootstrap: path, Env: f.env, MemoryMB: f.fn.MemoryMB, Event: event})
		}
		add(f.fn.LogicalID, f.bootstrap) // next to (b), the budgeted pair
		if f.bareLibs.Name != f.bare.Name {
			add(f.fn.LogicalID+"/"+f.bareLibs.Name, f.libsPath)
		}
		add(f.fn.LogicalID+"/"+f.bare.Name, f.barePath)
	}
	runs := max(coldStartRuns/b.scale, 3)
	samples, err := coldStarts(ctx, targets, runs)
	if err != nil {
		return nil, err
	}
	var out []Cold
	for _, f := range bs.functions {
		fn, bare, libs := samples[f.fn.LogicalID], samples[f.fn.LogicalID+"/"+f.bare.Name], samples[f.fn.LogicalID+"/"+f.bareLibs.Name]
		c := Cold{Function: f.fn.LogicalID, Starts: runs, Libraries: f.libraries, Bare: f.bare.Name, BareLibs: f.bareLibs.Name,
			Init: medianOf(fn, initOf), BareInit: medianOf(bare, initOf), LibsInit: medianOf(libs, initOf),
			First: medianOf(fn, firstOf), BareFirst: medianOf(bare, firstOf), LibsFirst: medianOf(libs, firstOf),
			Budget: atMost(1.2)}
		c.RatioBare, c.RatioLibs = pairedRatio(fn, bare), pairedRatio(fn, libs)
		out = append(out, c)
	}
	return out, nil
}

// pairedRatio is the median over rounds of fn's init over the baseline's init in the same round
// (started back to back), rounded to 0.01: pairing cancels drift in the machine's load, which a
// ratio of two medians taken over the whole minute does not. The median is by nearest rank, as
// every percentile here; 0 without samples.
func pairedRatio(fn, base []coldSample) float64 {
	var rs []float64
	for i := range min(len(fn), len(base)) {
		if base[i].Init > 0 {
			rs = append(rs, float64(fn[i].Init)/float64(base[i].Init))
		}
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	return round(rs[(len(rs)-1)/2], 2)
}

func initOf(s coldSample) time.Duration  { return s.Init }
func firstOf(s coldSample) time.Duration { return s.First }

// medianOf is the median of one measure of samples, in ms.
func medianOf(ss []coldSample, of func(coldSample) time.Duration) float64 {
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = of(s)
	}
	return ms(median(ds))
}
