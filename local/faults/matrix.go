package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// Handler is a function's router as lambda.Start gets it (apigw.Router.Handle).
type Handler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Fixture is one function under test: its real router over a fresh table, built as the
// function's main.go builds it but on clients that carry the Injector, with its log captured.
type Fixture struct {
	*flowtest.Env                  // the table, clean clients, accounts and tokens for setting up
	Injector      *Injector        // on FaultyDB and FaultySNS
	FaultyDB      *dynamodb.Client // the table's client for the code under test
	FaultySNS     *sns.Client      // moto's client for the code under test
	Log           *slog.Logger     // the logger for the code under test: JSON into Logs
	Logs          *Buffer
	Handler       Handler // set by the function's test once its router is built
	secrets       []string
}

// NewFixture returns a Fixture over a fresh table; tune may change the configuration. The
// caller builds its router on f.FaultyDB, f.FaultySNS, f.Cfg, f.Hasher, f.Clock and f.Log and
// sets f.Handler.
func NewFixture(t *testing.T, tune func(*flowtest.Env)) *Fixture {
	t.Helper()
	f := &Fixture{Env: flowtest.New(t, nil), Injector: &Injector{}, Logs: &Buffer{}}
	if tune != nil {
		tune(f.Env)
	}
	f.FaultyDB = stacktest.StackDynamo(t, f.Injector.DynamoDB)
	f.FaultySNS = stacktest.SNSClient(t, f.Injector.SNS)
	f.Log = logging.New(f.Logs, logging.LevelTrace)
	return f
}

// Remember records secrets the fixture's requests carry, for the canary scan after the case:
// none may appear in a log line or an item.
func (f *Fixture) Remember(secrets ...string) { f.secrets = append(f.secrets, secrets...) }

// SignUp signs up an account (flowtest) and remembers its secrets.
func (f *Fixture) SignUp(t *testing.T, opts ...flowtest.Option) flowtest.Account {
	t.Helper()
	a := f.Env.SignUp(t, opts...)
	f.Remember(a.Secrets()...)
	return a
}

// Token returns a verification token for the account's phone and remembers it.
func (f *Fixture) Token(t *testing.T, a flowtest.Account, purpose account.Purpose) string {
	t.Helper()
	tok := f.Env.Token(t, a, purpose)
	f.Remember(tok)
	return tok
}

// Case is one request to one route, set up afresh for every run.
type Case struct {
	Name  string // "POST /v1/otp reset_login, known phone"
	Setup func(t *testing.T, f *Fixture) Request
}

// Request is a request ready to send and what it answers when nothing fails.
type Request struct {
	Event  events.APIGatewayV2HTTPRequest
	Status int
	// Tolerated names the calls (1-based) whose failure the flow absorbs by design, still
	// answering Status, and why; every other failed call must fail the request.
	Tolerated map[int]string
	// Retry, when set, is the request a client sends again after a failure (a fresh token in
	// place of one the failure consumed); by default the same Event.
	Retry func(t *testing.T) events.APIGatewayV2HTTPRequest
	// Page says the route answers a browser (the freeze link's page): a failure is an HTML page
	// with the status a problem document would have, not the problem document.
	Page bool
}

// Row is one cell of the fault matrix: a route's call failed one way, and what came of it.
type Row struct {
	Case   string
	Call   int    // 1-based
	Name   string // "DynamoDB.TransactWriteItems"
	Kind   Kind
	Status int    // the answer to the failed request
	Code   string // its problem code
	Retry  int    // the answer to the retry
}

// Run drives each case with a clean run, to count its calls, and then once per call (and kind of
// failure: see FullMatrixEnv) with that call failed, each on a fresh setup in the case's fixture
// table, checking for every run:
//
//   - the failed request answers 500 or 503 with a problem document (or, for a Tolerated call,
//     its usual answer);
//   - CheckTable over the whole table, and CheckRequest over what the request wrote;
//   - the same request sent again (Request.Retry) with nothing failing answers as the clean
//     run did, and writes what a successful request may;
//   - no secret the case remembered appears in a log line or an item.
//
// newFixture returns the function's fixture with Handler set. Run returns the matrix.
func Run(t *testing.T, newFixture func(t *testing.T) *Fixture, cases ...Case) []Row {
	t.Helper()
	var rows []Row
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			f := newFixture(t)
			rows = append(rows, f.run(t, c)...)
			f.scanSecrets(t)
		})
	}
	report(t, rows)
	return rows
}

func (f *Fixture) run(t *testing.T, c Case) []Row {
	t.Helper()
	clean := f.send(t, c.Setup(t, f), 0, 0)
	if clean == nil {
		return nil
	}
	var rows []Row
	for n, call := range clean {
		for _, kind := range kindsFor(n, call) {
			t.Run(fmt.Sprintf("%d-%s/%s", n+1, call, kind), func(t *testing.T) {
				row := Row{Case: c.Name, Call: n + 1, Name: call, Kind: kind}
				f.fail(t, c.Setup(t, f), clean, &row)
				rows = append(rows, row)
			})
		}
	}
	return rows
}

// FullMatrixEnv, set to 1, makes Run fail every call with every Kind. By default each call is
// failed once, with throttling, a 500 or a timeout in turn from one call to the next, and each
// TransactWriteItems also as a throttled transaction: every call fails, every kind is seen, and
// the suite stays within make test's budget.
const FullMatrixEnv = "WALLET_FAULTS_FULL"

// kindsFor returns the kinds the (0-based) nth call, named call, is failed with.
func kindsFor(n int, call string) []Kind {
	var out []Kind
	full := os.Getenv(FullMatrixEnv) == "1"
	for i, k := range Kinds() {
		if !k.Applies(call) || !full && k != TransactionThrottled && i != n%3 {
			continue
		}
		out = append(out, k)
	}
	return out
}

// send runs req with the nth call failed (0: none) and checks the answer is req.Status; it
// returns the calls made, or nil after reporting a failure.
func (f *Fixture) send(t *testing.T, req Request, n int, kind Kind) []string {
	t.Helper()
	before := Snapshot(t, f.DB, f.Table)
	f.Injector.Arm(n, kind)
	resp := f.handle(t, req.Event)
	calls := f.Injector.Calls()
	f.Injector.Reset()
	if resp.StatusCode != req.Status {
		t.Errorf("clean run: %d %s, want %d", resp.StatusCode, resp.Body, req.Status)
		return nil
	}
	f.checkTable(t, before, false)
	return calls
}

// fail runs req with call n failed by row.Kind, then its retry.
func (f *Fixture) fail(t *testing.T, req Request, clean []string, row *Row) {
	t.Helper()
	before := Snapshot(t, f.DB, f.Table)
	f.Injector.Arm(row.Call, row.Kind)
	resp := f.handle(t, req.Event)
	calls, attempts := f.Injector.Calls(), f.Injector.FailedAttempts()
	f.Injector.Reset()
	row.Status, row.Code = resp.StatusCode, problemCode(resp)
	if req.Page {
		row.Code = "page"
	}
	if len(calls) < row.Call || !slices.Equal(calls[:row.Call], clean[:row.Call]) || attempts == 0 {
		t.Fatalf("the run took another path: calls %v, clean %v, %d attempts failed", calls, clean, attempts)
	}
	why, tolerated := req.Tolerated[row.Call]
	switch {
	case tolerated && resp.StatusCode != req.Status:
		t.Errorf("a failed %s is tolerated (%s), but the answer is %d %s, want %d", row.Name, why, resp.StatusCode, resp.Body, req.Status)
	case !tolerated && !req.Page && !isServerProblem(resp):
		t.Errorf("a failed %s answered %d %s; want 500 or 503 with a problem document", row.Name, resp.StatusCode, resp.Body)
	case !tolerated && req.Page && !isServerPage(resp):
		t.Errorf("a failed %s answered %d %v %.200s; want a 500 or 503 page", row.Name, resp.StatusCode, resp.Headers, resp.Body)
	}
	after := f.checkTable(t, before, !tolerated)
	retry := req.Event
	if req.Retry != nil {
		retry = req.Retry(t)
		after = Snapshot(t, f.DB, f.Table)
	}
	again := f.handle(t, retry)
	row.Retry = again.StatusCode
	if again.StatusCode != req.Status {
		t.Errorf("the retry answered %d %s, want %d", again.StatusCode, again.Body, req.Status)
	}
	f.checkTable(t, after, false)
}

func (f *Fixture) handle(t *testing.T, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := f.Handler(context.Background(), req)
	if err != nil {
		t.Fatalf("the router returned an error: %v", err)
	}
	f.rememberTokens(resp.Body)
	return resp
}

// rememberTokens remembers the tokens an answer hands out (members named "…Token").
func (f *Fixture) rememberTokens(body string) {
	var doc map[string]any
	_ = json.Unmarshal([]byte(body), &doc)
	for k, v := range doc {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "Token") {
			f.Remember(s)
		}
	}
}

// checkTable checks the whole table and what the request wrote since before, and returns the
// table as it is now.
func (f *Fixture) checkTable(t *testing.T, before Table, failed bool) Table {
	t.Helper()
	after := Snapshot(t, f.DB, f.Table)
	for _, v := range append(CheckTable(after), CheckRequest(NewDiff(before, after), failed)...) {
		t.Error("invariant: " + v)
	}
	return after
}

// isServerProblem reports whether resp is a 500 or 503 problem document.
func isServerProblem(resp events.APIGatewayV2HTTPResponse) bool {
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	return (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusServiceUnavailable) &&
		resp.Headers["Content-Type"] == "application/problem+json" &&
		json.Unmarshal([]byte(resp.Body), &p) == nil && p.Status == resp.StatusCode && p.Code != "" &&
		(resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] != "")
}

// isServerPage reports whether resp is a 500 or 503 HTML page (a 503 with Retry-After).
func isServerPage(resp events.APIGatewayV2HTTPResponse) bool {
	return (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusServiceUnavailable) &&
		strings.HasPrefix(resp.Headers["Content-Type"], "text/html") && strings.HasPrefix(resp.Body, "<!doctype html>") &&
		(resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] != "")
}

func problemCode(resp events.APIGatewayV2HTTPResponse) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &p)
	return p.Code
}

// scanSecrets fails the test if a remembered secret appears in the captured log or in an item,
// or an item or the log holds a Luhn-valid 13-19 digit number.
func (f *Fixture) scanSecrets(t *testing.T) {
	t.Helper()
	logs := f.Logs.String()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Errorf("no request was logged: the canary scan would see nothing")
	}
	for i, s := range f.secrets {
		if stacktest.ContainsSecret(logs, s) {
			t.Errorf("canary: remembered secret #%d appears in a log line", i)
		}
	}
	if n := len(CardNumbers(logs)); n > 0 {
		t.Errorf("canary: %d Luhn-valid 13-19 digit numbers in the log", n)
	}
	tb := Snapshot(t, f.DB, f.Table)
	for _, k := range tb.Keys() {
		text := Text(tb[k])
		for i, s := range f.secrets {
			if stacktest.ContainsSecret(text, s) {
				t.Errorf("canary: item %s stores remembered secret #%d", k, i)
			}
		}
	}
	for _, v := range CheckNoCardNumbers(tb) {
		t.Error("canary: " + v)
	}
}

// report logs the matrix: per case and call, the answer to each kind of failure and the retry's.
func report(t *testing.T, rows []Row) {
	t.Helper()
	var b strings.Builder
	for i, r := range rows {
		if i == 0 || rows[i-1].Case != r.Case || rows[i-1].Call != r.Call {
			fmt.Fprintf(&b, "\n  %s | %d %s |", r.Case, r.Call, r.Name)
		}
		fmt.Fprintf(&b, " %s→%d %s, retry %d;", r.Kind, r.Status, r.Code, r.Retry)
	}
	t.Logf("fault matrix (%d runs):%s", len(rows), b.String())
}

// Buffer is a bytes.Buffer safe for concurrent writes, for a captured log.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
