// Package stack is the one-machine stack of Wallet Accounts, as one library for the host
// command (local/host), the bench (local/bench) and the test helpers: DynamoDB Local and
// moto_server, the table from template.yaml, each function's own bootstrap behind a local
// Lambda Runtime API, the HTTP API with template.yaml's routes, the stream poller and the SNS
// fan-out (Start); a function's environment (Environment); building bootstraps as SAM builds
// them (BuildBootstrap); the repository root (RepoRoot); and SDK clients of a running stack.
package stack

import (
	"encoding/json"
	"net/mail"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/local/internal/calllog"
	"github.com/wallet-accounts/wallet/local/internal/capacity"
	"github.com/wallet-accounts/wallet/local/internal/console"
	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/internal/linelog"
	"github.com/wallet-accounts/wallet/local/internal/proc"
	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
	"github.com/wallet-accounts/wallet/local/template"
)

// Local stand-ins for the account the functions run in.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
	// Dummy credentials: DynamoDB Local and moto check only that requests are signed.
	AccessKeyID     = "local"
	SecretAccessKey = "local"
)

// Config says what to start.
type Config struct {
	Root     string // repository root
	StateDir string // .local/<mode>: services' logs, the functions' HOME
	Table    string // the functions' table
	// Only limits the functions to these logical ids (nil: all).
	Only []string
	// APIAddr is where the HTTP API listens ("" for none; port 0 for a free one). Event
	// sources are delivered only with an API: without one the stack runs single events.
	APIAddr string
	// InternalAddr is where the internal API (template.yaml's AWS_IAM HTTP APIs) listens, with
	// SigV4 verified against the local credentials; "" for a free port whenever there is an API.
	InternalAddr string
	// PersistDir keeps DynamoDB Local's data (and the pepper) there; "" is in memory.
	PersistDir string
	// FuncLogs receives the functions' output; SMSOut the SMS lines.
	FuncLogs *linelog.Sink
	SMSOut   io.Writer
	Log      *slog.Logger
	// Env overrides functions' settings (test mode's -env), applied over template.yaml's.
	Env map[string]string
	// CallLog, when set, receives each distinct AWS request a function makes (local/internal/calllog:
	// JSON lines of function, call, IAM action and resource): each function then reaches DynamoDB
	// Local and moto through its own recording proxy.
	CallLog io.Writer
	// Capacity, when set, receives a line per DynamoDB request a function makes while the file
	// CapacitySwitch exists (local/internal/capacity: its read and write units from item sizes);
	// each function then reaches DynamoDB Local through its own proxy, as with CallLog.
	Capacity       io.Writer
	CapacitySwitch string
}

// Stack is the running local stack.
type Stack struct {
	cfg      Config
	tpl      *template.Template
	env      Environment
	ddb      *service
	moto     *service
	pools    map[string]*runtimeapi.Pool
	skipped  map[string]string // logical id -> why it is not running
	api      *http.Server
	apiLn    net.Listener // bound before the functions start, which learn its address (freeze links, RP_ORIGINS)
	apiURL   string
	routes   []httpapi.Route
	internal *internalAPI // the AWS_IAM API (internal.go); nil without an API
	sms      *smsPrinter
	stopSMS  context.CancelFunc
	smsDone  chan struct{}
	apiErr   chan error
	stopping bool
	sources  *eventSources // stream pollers and the SNS fan-out (sources.go)
	calls    *calllog.Log  // nil without Config.CallLog
}

// Start starts DynamoDB Local and moto, creates the table, builds and hosts the functions
// and serves the HTTP API. On error everything started is stopped again.
func Start(ctx context.Context, cfg Config) (st *Stack, err error) {
	st = &Stack{cfg: cfg, pools: map[string]*runtimeapi.Pool{}, skipped: map[string]string{}, apiErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			if cerr := st.Close(); cerr != nil {
				cfg.Log.Error("stop after a failed start", "err", cerr)
			}
			st = nil
		}
	}()
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return st, fmt.Errorf("state dir: %w", err)
	}
	if st.tpl, err = template.Load(filepath.Join(cfg.Root, "template.yaml")); err != nil {
		return st, err
	}
	table, err := st.tpl.Table()
	if err != nil {
		return st, err
	}
	fns, err := st.selectFunctions()
	if err != nil {
		return st, err
	}
	if err := st.startServices(); err != nil {
		return st, err
	}
	builds, err := buildFunctions(ctx, cfg.Root, fns)
	if err != nil {
		return st, err
	}
	if err := st.waitServices(ctx); err != nil {
		return st, err
	}
	streamARN, err := st.createTable(ctx, table)
	if err != nil {
		return st, err
	}
	if err := st.listenAPI(); err != nil {
		return st, err
	}
	if err := st.prepareEnv(streamARN); err != nil {
		return st, err
	}
	if err := st.verifySenders(ctx); err != nil {
		return st, err
	}
	if err := st.startPools(builds); err != nil {
		return st, err
	}
	if err := st.startEventSources(ctx, fns); err != nil {
		return st, err
	}
	st.startSMS()
	if st.apiLn != nil {
		if err := st.serveAPI(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Endpoints says where the stack is; Logs is left to the caller, which owns the log file.
func (st *Stack) Endpoints() Endpoints {
	return Endpoints{DynamoDB: st.ddb.url, SNS: st.moto.url, API: st.apiURL, Internal: st.internal.baseURL(), Table: st.cfg.Table}
}

// Routes are the HTTP API's routes, by path then method (none without an API).
func (st *Stack) Routes() []httpapi.Route { return st.routes }

// Skipped names the functions that are not running, with the reason.
func (st *Stack) Skipped() map[string]string { return maps.Clone(st.skipped) }

// APIErr delivers the error that stopped the HTTP API, if one does.
func (st *Stack) APIErr() <-chan error { return st.apiErr }

// selectFunctions returns the template's functions, or the ones asked for.
func (st *Stack) selectFunctions() ([]template.Function, error) {
	all := st.tpl.Functions()
	if st.cfg.Only == nil {
		return all, nil
	}
	var fns []template.Function
	for _, id := range st.cfg.Only {
		fn, ok := st.tpl.Function(id)
		if !ok {
			var names []string
			for _, f := range all {
				names = append(names, f.LogicalID)
			}
			return nil, fmt.Errorf("no function %q in template.yaml (have %s)", id, strings.Join(names, ", "))
		}
		fns = append(fns, fn)
	}
	return fns, nil
}

func (st *Stack) startServices() (err error) {
	if st.ddb, err = st.startDynamoDB(); err != nil {
		return err
	}
	st.moto, err = st.startMoto()
	return err
}

func (st *Stack) startDynamoDB() (*service, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	return startDynamoDB(st.cfg.Root, st.cfg.StateDir, port, st.cfg.PersistDir)
}

func (st *Stack) startMoto() (*service, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	return startMoto(st.cfg.StateDir, port)
}

// serviceStarts is how many times a service that exits while starting is started: the free
// port it is given is free only until something else listens on it, and with several test
// packages starting stacks and listeners on a busy machine, that happens.
const serviceStarts = 3

func (st *Stack) waitServices(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, 60*time.Second, errors.New("gave up after 60 s"))
	defer cancel()
	errs := make(chan error, 2)
	go func() {
		errs <- st.waitService(ctx, &st.ddb, st.startDynamoDB, "/", http.StatusBadRequest, http.StatusOK)
	}()
	go func() { errs <- st.waitService(ctx, &st.moto, st.startMoto, "/moto-api/data.json", http.StatusOK) }()
	return errors.Join(<-errs, <-errs)
}

// waitService waits for *s to answer path with one of ok, starting it again (start) on another
// port when it exits first.
func (st *Stack) waitService(ctx context.Context, s **service, start func() (*service, error), path string, ok ...int) error {
	for try := 1; ; try++ {
		err := (*s).waitReady(ctx, path, ok...)
		if err == nil || try == serviceStarts || !(*s).hasExited() {
			return err
		}
		st.cfg.Log.Warn("starting again", "service", (*s).name, "err", err, "log", tail((*s).logPath))
		_ = (*s).stop()
		if *s, err = start(); err != nil {
			return err
		}
	}
}

// tail is the end of a log file, for a message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	return string(b[max(len(b)-300, 0):])
}

// createTable creates the template's table (unless a persisted one exists) and returns its
// stream ARN.
func (st *Stack) createTable(ctx context.Context, table *template.Table) (string, error) {
	client := DynamoDB(st.ddb.url)
	name := aws.String(st.cfg.Table)
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		if err := table.Create(ctx, client, st.cfg.Table); err != nil {
			return "", err
		}
		if d, err = client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name}); err != nil {
			return "", fmt.Errorf("describe table %s: %w", st.cfg.Table, err)
		}
	case err != nil:
		return "", fmt.Errorf("describe table %s: %w", st.cfg.Table, err)
	default:
		st.cfg.Log.Info("table exists", "table", st.cfg.Table)
	}
	return aws.ToString(d.Table.LatestStreamArn), nil
}

// prepareEnv settles what every function's environment names: the pepper, the functions'
// empty HOME and the local resources.
func (st *Stack) prepareEnv(streamARN string) error {
	pepper, err := loadPepper(st.cfg.PersistDir)
	if err != nil {
		return err
	}
	home := filepath.Join(st.cfg.StateDir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return fmt.Errorf("function home: %w", err)
	}
	st.env = Environment{Template: st.tpl, Table: st.cfg.Table, StreamARN: streamARN, DynamoDB: st.ddb.url,
		SNS: st.moto.url, Pepper: pepper, Home: home, API: st.apiURL, Overrides: st.cfg.Env, Log: st.cfg.Log, RPOrigin: st.rpOrigin()}
	return nil
}

// verifySenders verifies in moto's SES the sender of every function that sends email
// (EMAIL_FROM), as an operator verifies the identity in SES before deploying: moto, like SES,
// refuses mail from an unverified address.
func (st *Stack) verifySenders(ctx context.Context) error {
	client := SES(st.moto.url)
	done := map[string]bool{}
	for _, fn := range st.tpl.Functions() {
		env, err := st.env.For(fn)
		if err != nil {
			return err
		}
		from := env["EMAIL_FROM"]
		if from == "" {
			continue
		}
		a, err := mail.ParseAddress(from)
		if err != nil {
			return fmt.Errorf("%s: EMAIL_FROM %q: %w", fn.LogicalID, from, err)
		}
		if done[a.Address] {
			continue
		}
		done[a.Address] = true
		if _, err := client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(a.Address)}); err != nil {
			return fmt.Errorf("verify sender %s in moto's SES: %w", a.Address, err)
		}
		st.cfg.Log.Info("email sender verified", "from", a.Address)
	}
	return nil
}

// startPools creates a runtime pool per built function; instances start on first use.
func (st *Stack) startPools(builds []built) error {
	for _, b := range builds {
		if b.bootstrap == "" {
			st.skipped[b.fn.LogicalID] = b.skipped
			st.cfg.Log.Warn("function skipped", "function", b.fn.LogicalID, "reason", b.skipped)
			continue
		}
		env, err := st.env.For(b.fn)
		if err != nil {
			return err
		}
		if err := st.recordCalls(b.fn.LogicalID, env); err != nil {
			return err
		}
		st.pools[b.fn.LogicalID] = runtimeapi.NewPool(runtimeapi.Function{
			Name:      b.fn.LogicalID,
			Bootstrap: b.bootstrap,
			Env:       env,
			Handler:   b.fn.Handler,
			MemoryMB:  b.fn.MemoryMB,
			Timeout:   b.fn.Timeout,
			Region:    Region,
			AccountID: AccountID,
			Logs:      st.cfg.FuncLogs,
			Logger:    st.cfg.Log,
		})
	}
	return nil
}

// recordCalls points the function's endpoints at proxies of its own that write its requests to
// the call log (Config.CallLog), so that a check can hold them against its policies, and meter
// their capacity (Config.Capacity).
func (st *Stack) recordCalls(fn string, env map[string]string) error {
	if st.cfg.CallLog == nil && st.cfg.Capacity == nil {
		return nil
	}
	if st.calls == nil {
		st.calls = calllog.New(st.cfg.CallLog, Region, AccountID)
		if st.cfg.Capacity != nil {
			on := func() bool { _, err := os.Stat(st.cfg.CapacitySwitch); return err == nil }
			st.calls.Around(capacity.New(st.cfg.Capacity, capacity.NewSDKStore(DynamoDB(st.ddb.url)), on).Wrap)
		}
	}
	ddb, err := st.calls.Proxy(fn, st.ddb.url)
	if err != nil {
		return err
	}
	if st.cfg.CallLog == nil { // metering alone: moto stays direct
		env["DYNAMODB_ENDPOINT"] = ddb
		return nil
	}
	moto, err := st.calls.Proxy(fn, st.moto.url)
	if err != nil {
		return err
	}
	env["DYNAMODB_ENDPOINT"], env["SNS_ENDPOINT"], env["SES_ENDPOINT"] = ddb, moto, moto
	return nil
}

// startSMS prints SMS as moto records them.
func (st *Stack) startSMS() {
	st.sms = newSMSPrinter(st.moto.url, st.cfg.SMSOut, st.cfg.Log)
	ctx, cancel := context.WithCancel(context.Background())
	st.stopSMS, st.smsDone = cancel, make(chan struct{})
	go func() {
		defer close(st.smsDone)
		st.sms.run(ctx, 250*time.Millisecond)
	}()
}

// PrintSMS prints the SMS moto has recorded and the stack has not printed yet.
func (st *Stack) PrintSMS(ctx context.Context) error { return st.sms.poll(ctx) }

// APIRoutes are the routes of the template's public HTTP APIs (every HttpApi event whose API
// does not authorize with AWS_IAM), by path then method.
func APIRoutes(tpl *template.Template) []httpapi.Route {
	return routesOf(tpl, func(api string) bool { return !tpl.IAMAuthorized(api) })
}

// InternalRoutes are the routes of the template's AWS_IAM HTTP APIs (the internal API), by path
// then method.
func InternalRoutes(tpl *template.Template) []httpapi.Route {
	return routesOf(tpl, tpl.IAMAuthorized)
}

// routesOf lists the HttpApi routes whose API (its logical id; "" for the implicit one) keep
// takes, by path then method.
func routesOf(tpl *template.Template, keep func(api string) bool) []httpapi.Route {
	var routes []httpapi.Route
	for _, fn := range tpl.Functions() {
		for _, ev := range fn.Events {
			if ev.HTTP != nil && keep(ev.HTTP.API.LogicalID) {
				routes = append(routes, httpapi.Route{Method: ev.HTTP.Method, Path: ev.HTTP.Path, Function: fn.LogicalID})
			}
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		a, b := routes[i], routes[j]
		return a.Path < b.Path || a.Path == b.Path && a.Method < b.Method
	})
	return routes
}

// listenAPI binds the HTTP API's address (a free port for port 0), when there is one, so that
// the functions' environment can name it: their freeze links lead to it, and passkeys are
// accepted from its origin.
func (st *Stack) listenAPI() error {
	if st.cfg.APIAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", st.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("HTTP API: %w", err)
	}
	st.apiLn, st.apiURL = ln, "http://"+ln.Addr().String()
	return st.listenInternal()
}

// rpOrigin is the origin a browser on the HTTP API has, as WebAuthn sees it: localhost and the
// API's port (WebAuthn takes no IP address as a relying party id); "" without an API.
func (st *Stack) rpOrigin() string {
	if st.apiLn == nil {
		return ""
	}
	_, port, _ := net.SplitHostPort(st.apiLn.Addr().String())
	return "http://localhost:" + port
}

// serveAPI serves, on the bound address, the template's HttpApi routes, and the console
// (local/internal/console) on the paths they leave: / and /console/.
func (st *Stack) serveAPI() error {
	st.routes = APIRoutes(st.tpl)
	api, err := httpapi.New(st.routes, st.Invoke, st.cfg.Log)
	if err != nil {
		return err
	}
	con := console.New(st.sms.messages, st.cfg.Log).WithSchedules(st.RunSchedules)
	if st.internal != nil { // bound by listenAPI: the pay page relays to it
		con.WithInternal(st.internal.relay)
	}
	handler := withConsole(api, con)
	st.api = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ln := st.apiLn
	go func() {
		if err := st.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.apiErr <- err
		}
	}()
	return st.serveInternal()
}

// withConsole sends a request to the console when the API routes nothing there and the path is
// the console's; everything else, unknown paths included, to the API as before.
func withConsole(api *httpapi.Server, con *console.Console) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.Serves(r.URL.Path) && !api.Handles(r.Method, r.URL.EscapedPath()) {
			con.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// RunSchedules invokes every function with an enabled schedule in template.yaml once, now, with
// the event EventBridge sends (or the schedule's Input), and returns each one's response. The
// stack delivers no schedule by itself: this is how a test or a person runs the closure job.
func (st *Stack) RunSchedules(ctx context.Context) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, fn := range st.tpl.Functions() {
		for _, ev := range fn.Events {
			if ev.Schedule == nil || !ev.Schedule.Enabled {
				continue
			}
			event := []byte(ev.Schedule.Input)
			if len(event) == 0 {
				event = scheduledEvent(fn.LogicalID, ev.Name, time.Now())
			}
			res, err := st.Invoke(ctx, fn.LogicalID, event)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", fn.LogicalID, ev.Name, err)
			}
			if res.Err != nil {
				return nil, fmt.Errorf("%s.%s: %s", fn.LogicalID, ev.Name, res.Payload)
			}
			out[fn.LogicalID] = json.RawMessage(res.Payload)
		}
	}
	return out, nil
}

// scheduledEvent is the event EventBridge sends a scheduled function.
func scheduledEvent(fn, rule string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"version": "0", "id": fmt.Sprintf("local-%d", at.UnixNano()), "detail-type": "Scheduled Event",
		"source": "aws.events", "account": "000000000000", "time": at.UTC().Format(time.RFC3339), "region": Region,
		"resources": []string{"arn:aws:events:" + Region + ":000000000000:rule/" + fn + "-" + rule}, "detail": map[string]any{}})
	return b
}

// Invoke runs function fn with event.
func (st *Stack) Invoke(ctx context.Context, fn string, event []byte) (*runtimeapi.Result, error) {
	p, ok := st.pools[fn]
	if !ok {
		if why, skipped := st.skipped[fn]; skipped {
			return nil, fmt.Errorf("function %s is not running: %s", fn, why)
		}
		return nil, fmt.Errorf("function %s is not running", fn)
	}
	return p.Invoke(ctx, event)
}

// Close stops everything the stack started; it is safe on a partly started stack and
// more than once.
func (st *Stack) Close() error {
	if st.stopping {
		return nil
	}
	st.stopping = true
	var errs []error
	if st.api == nil && st.apiLn != nil {
		_ = st.apiLn.Close() // taken, never served: the start failed after listenAPI
	}
	if st.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := st.api.Shutdown(ctx); err != nil {
			_ = st.api.Close()
		}
		cancel()
	} else if st.apiLn != nil { // bound, never served
		_ = st.apiLn.Close()
	}
	st.internal.close()
	errs = append(errs, st.stopEventSources())
	if st.sms != nil {
		st.stopSMS()
		<-st.smsDone
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := st.sms.poll(ctx); err != nil { // the last SMS before the stop
			st.cfg.Log.Warn("read SMS from moto", "err", err)
		}
		cancel()
	}
	for _, p := range st.pools {
		errs = append(errs, p.Close())
	}
	if st.calls != nil {
		errs = append(errs, st.calls.Close())
	}
	errs = append(errs, st.ddb.stop(), st.moto.stop())
	return errors.Join(errs...)
}

// Summary describes each function's instances: how many, their init times, invocations.
func (st *Stack) Summary() []string {
	var lines []string
	for _, name := range sortedPoolNames(st.pools) {
		stats := st.pools[name].Stats()
		if len(stats) == 0 {
			continue
		}
		var inits []string
		calls := 0
		for _, s := range stats {
			inits = append(inits, fmt.Sprintf("%.1f", float64(s.Init.Microseconds())/1000))
			calls += s.Invocations
		}
		lines = append(lines, fmt.Sprintf("%s: %d instance(s), init ms [%s], %d invocation(s)",
			name, len(stats), strings.Join(inits, " "), calls))
	}
	return lines
}

func sortedPoolNames(m map[string]*runtimeapi.Pool) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
