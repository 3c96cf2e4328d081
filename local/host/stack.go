package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/internal/linelog"
	"github.com/wallet-accounts/wallet/local/internal/proc"
	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
	"github.com/wallet-accounts/wallet/local/template"
)

// Local stand-ins for the account the functions run in.
const (
	region    = "us-east-1"
	accountID = "123456789012"
	// Dummy credentials: DynamoDB Local and moto check only that requests are signed.
	accessKeyID     = "local"
	secretAccessKey = "local"
)

// stackConfig says what to start.
type stackConfig struct {
	root     string // repository root
	stateDir string // .local/<mode>
	table    string
	// only limits the functions to these logical ids (nil: all).
	only []string
	// apiAddr is where the HTTP API listens ("" for none; port 0 for a free one).
	apiAddr string
	// persistDir keeps DynamoDB Local's data (and the pepper) there; "" is in memory.
	persistDir string
	// funcLogs receives the functions' output; smsOut the SMS lines.
	funcLogs *linelog.Sink
	smsOut   io.Writer
	log      *slog.Logger
	// env overrides functions' settings (test mode's -env), applied over template.yaml's.
	env map[string]string
}

// stack is the running local stack.
type stack struct {
	cfg      stackConfig
	tpl      *template.Template
	ddb      *service
	moto     *service
	pools    map[string]*runtimeapi.Pool
	skipped  map[string]string // logical id -> why it is not running
	api      *http.Server
	apiURL   string
	routes   []httpapi.Route
	sms      *smsPrinter
	stopSMS  context.CancelFunc
	smsDone  chan struct{}
	pepper   string
	apiErr   chan error
	stopping bool
	sources  *eventSources // stream pollers and the SNS fan-out (sources.go)
}

// startStack starts DynamoDB Local and moto, creates the table, builds and hosts the
// functions and serves the HTTP API. On error everything started is stopped again.
func startStack(ctx context.Context, cfg stackConfig) (st *stack, err error) {
	st = &stack{cfg: cfg, pools: map[string]*runtimeapi.Pool{}, skipped: map[string]string{}, apiErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			if cerr := st.Close(); cerr != nil {
				cfg.log.Error("stop after a failed start", "err", cerr)
			}
			st = nil
		}
	}()
	if err := os.MkdirAll(cfg.stateDir, 0o755); err != nil {
		return st, fmt.Errorf("state dir: %w", err)
	}
	if st.tpl, err = template.Load(filepath.Join(cfg.root, "template.yaml")); err != nil {
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
	builds, err := buildFunctions(ctx, cfg.root, fns)
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
	if st.pepper, err = st.loadPepper(); err != nil {
		return st, err
	}
	if err := st.startPools(builds, streamARN); err != nil {
		return st, err
	}
	if err := st.startEventSources(ctx, fns, streamARN); err != nil {
		return st, err
	}
	st.startSMS()
	if cfg.apiAddr != "" {
		if err := st.serveAPI(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// selectFunctions returns the template's functions, or the ones asked for.
func (st *stack) selectFunctions() ([]template.Function, error) {
	all := st.tpl.Functions()
	if st.cfg.only == nil {
		return all, nil
	}
	var fns []template.Function
	for _, id := range st.cfg.only {
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

func (st *stack) startServices() error {
	ddbPort, err := proc.FreePort()
	if err != nil {
		return err
	}
	motoPort, err := proc.FreePort()
	if err != nil {
		return err
	}
	if st.ddb, err = startDynamoDB(st.cfg.root, st.cfg.stateDir, ddbPort, st.cfg.persistDir); err != nil {
		return err
	}
	st.moto, err = startMoto(st.cfg.stateDir, motoPort)
	return err
}

func (st *stack) waitServices(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, 60*time.Second, errors.New("gave up after 60 s"))
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- st.ddb.waitReady(ctx, "/", http.StatusBadRequest, http.StatusOK) }()
	go func() { errs <- st.moto.waitReady(ctx, "/moto-api/data.json", http.StatusOK) }()
	return errors.Join(<-errs, <-errs)
}

// dynamoClient is a client of the stack's DynamoDB Local.
func (st *stack) dynamoClient() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(st.ddb.url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
	})
}

// createTable creates the template's table (unless a persisted one exists) and returns its
// stream ARN.
func (st *stack) createTable(ctx context.Context, table *template.Table) (string, error) {
	client := st.dynamoClient()
	name := aws.String(st.cfg.table)
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		if err := table.Create(ctx, client, st.cfg.table); err != nil {
			return "", err
		}
		if d, err = client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name}); err != nil {
			return "", fmt.Errorf("describe table %s: %w", st.cfg.table, err)
		}
	case err != nil:
		return "", fmt.Errorf("describe table %s: %w", st.cfg.table, err)
	default:
		st.cfg.log.Info("table exists", "table", st.cfg.table)
	}
	return aws.ToString(d.Table.LatestStreamArn), nil
}

// loadPepper returns base64 of 32 random bytes: new each start, or kept beside persisted
// data, which its hashes would not match after a restart otherwise.
func (st *stack) loadPepper() (string, error) {
	var path string
	if st.cfg.persistDir != "" {
		path = filepath.Join(st.cfg.persistDir, "pepper")
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate pepper: %w", err)
	}
	pepper := base64.StdEncoding.EncodeToString(b)
	if path != "" {
		if err := os.WriteFile(path, []byte(pepper+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("keep pepper: %w", err)
		}
	}
	return pepper, nil
}

// startPools creates a runtime pool per built function; instances start on first use.
func (st *stack) startPools(builds []built, streamARN string) error {
	home := filepath.Join(st.cfg.stateDir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return fmt.Errorf("function home: %w", err)
	}
	tctx := st.templateContext(streamARN)
	for _, b := range builds {
		if b.bootstrap == "" {
			st.skipped[b.fn.LogicalID] = b.skipped
			st.cfg.log.Warn("function skipped", "function", b.fn.LogicalID, "reason", b.skipped)
			continue
		}
		env, err := st.functionEnv(b.fn, tctx, home)
		if err != nil {
			return err
		}
		st.pools[b.fn.LogicalID] = runtimeapi.NewPool(runtimeapi.Function{
			Name:      b.fn.LogicalID,
			Bootstrap: b.bootstrap,
			Env:       env,
			Handler:   b.fn.Handler,
			MemoryMB:  b.fn.MemoryMB,
			Timeout:   b.fn.Timeout,
			Region:    region,
			AccountID: accountID,
			Logs:      st.cfg.funcLogs,
			Logger:    st.cfg.log,
		})
	}
	return nil
}

// templateContext resolves the template's references to the local resources.
func (st *stack) templateContext(streamARN string) template.Context {
	tableARN := "arn:aws:dynamodb:" + region + ":" + accountID + ":table/" + st.cfg.table
	ctx := template.Context{
		Region: region, AccountID: accountID,
		Refs:  map[string]string{},
		Attrs: map[string]string{},
	}
	for id, r := range st.tpl.Resources {
		switch r.Type {
		case template.TableType:
			ctx.Refs[id] = st.cfg.table
			ctx.Attrs[id+".Arn"] = tableARN
			ctx.Attrs[id+".StreamArn"] = streamARN
		case "AWS::SNS::Topic":
			arn := "arn:aws:sns:" + region + ":" + accountID + ":wallet-accounts-local-" + id
			ctx.Refs[id] = arn
			ctx.Attrs[id+".TopicArn"] = arn
		default:
			ctx.Refs[id] = id
		}
	}
	return ctx
}

// functionEnv is a function's complete environment: template.yaml's variables plus the
// local endpoints and dummy credentials. Nothing comes from the developer's environment but
// PATH: no AWS_PROFILE, AWS_CA_BUNDLE or other AWS_* setting reaches a function (parsing a CA
// bundle alone adds ~6 ms to a cold start), and HOME is an empty directory, so no ~/.aws files
// are read either, as on Lambda.
func (st *stack) functionEnv(fn template.Function, tctx template.Context, home string) (map[string]string, error) {
	env, err := fn.Environment(tctx)
	if err != nil {
		return nil, err
	}
	for k, v := range env {
		if k != "PEPPER" && template.IsDynamicReference(v) {
			st.cfg.log.Warn("dynamic reference has no local value; variable left unset", "function", fn.LogicalID, "var", k)
			delete(env, k)
		}
	}
	local := map[string]string{
		"AWS_REGION":            region,
		"AWS_DEFAULT_REGION":    region,
		"AWS_ACCESS_KEY_ID":     accessKeyID,
		"AWS_SECRET_ACCESS_KEY": secretAccessKey,
		"TABLE_NAME":            st.cfg.table,
		"DYNAMODB_ENDPOINT":     st.ddb.url,
		"SNS_ENDPOINT":          st.moto.url,
		"PEPPER":                st.pepper,
		"HOME":                  home,
		"PATH":                  os.Getenv("PATH"),
		"TZ":                    ":UTC",
	}
	if fn.LogFormat != "" {
		local["AWS_LAMBDA_LOG_FORMAT"] = fn.LogFormat
	}
	if fn.ApplicationLogLevel != "" {
		local["AWS_LAMBDA_LOG_LEVEL"] = fn.ApplicationLogLevel
	}
	for k, v := range st.cfg.env {
		env[k] = v
	}
	for k, v := range local {
		env[k] = v
	}
	return env, nil
}

// startSMS prints SMS as moto records them.
func (st *stack) startSMS() {
	st.sms = newSMSPrinter(st.moto.url, st.cfg.smsOut, st.cfg.log)
	ctx, cancel := context.WithCancel(context.Background())
	st.stopSMS, st.smsDone = cancel, make(chan struct{})
	go func() {
		defer close(st.smsDone)
		st.sms.run(ctx, 250*time.Millisecond)
	}()
}

// serveAPI serves the template's HttpApi routes.
func (st *stack) serveAPI() error {
	for _, fn := range st.tpl.Functions() {
		for _, r := range fn.Routes {
			st.routes = append(st.routes, httpapi.Route{Method: r.Method, Path: r.Path, Function: fn.LogicalID})
		}
	}
	sort.Slice(st.routes, func(i, j int) bool {
		a, b := st.routes[i], st.routes[j]
		return a.Path < b.Path || a.Path == b.Path && a.Method < b.Method
	})
	handler, err := httpapi.New(st.routes, st.invoke, st.cfg.log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", st.cfg.apiAddr)
	if err != nil {
		return fmt.Errorf("HTTP API: %w", err)
	}
	st.apiURL = "http://" + ln.Addr().String()
	st.api = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := st.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.apiErr <- err
		}
	}()
	return nil
}

// invoke runs function fn with event.
func (st *stack) invoke(ctx context.Context, fn string, event []byte) (*runtimeapi.Result, error) {
	p, ok := st.pools[fn]
	if !ok {
		if why, skipped := st.skipped[fn]; skipped {
			return nil, fmt.Errorf("function %s is not running: %s", fn, why)
		}
		return nil, fmt.Errorf("function %s is not running", fn)
	}
	return p.Invoke(ctx, event)
}

// Close stops everything the stack started; it is safe on a partly started stack.
func (st *stack) Close() error {
	if st.stopping {
		return nil
	}
	st.stopping = true
	var errs []error
	if st.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := st.api.Shutdown(ctx); err != nil {
			_ = st.api.Close()
		}
		cancel()
	}
	errs = append(errs, st.stopEventSources())
	if st.sms != nil {
		st.stopSMS()
		<-st.smsDone
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := st.sms.poll(ctx); err != nil { // the last SMS before the stop
			st.cfg.log.Warn("read SMS from moto", "err", err)
		}
		cancel()
	}
	for _, p := range st.pools {
		errs = append(errs, p.Close())
	}
	errs = append(errs, st.ddb.stop(), st.moto.stop())
	return errors.Join(errs...)
}

// summary describes each function's instances: how many, their init times, invocations.
func (st *stack) summary() []string {
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
