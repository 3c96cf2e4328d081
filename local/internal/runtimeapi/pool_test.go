package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/linelog"
)

// echoBootstrap is the testdata/echo function built for this machine, set by TestMain.
var echoBootstrap string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runtimeapi-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoBootstrap = filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", echoBootstrap, "./testdata/echo")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build testdata/echo: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a concurrency-safe log destination.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newPool(t *testing.T, mod func(*Function)) (*Pool, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	fn := Function{
		Name:      "EchoFunction",
		Bootstrap: echoBootstrap,
		Env:       map[string]string{"TABLE_NAME": "tbl", "PATH": "/usr/bin:/bin"},
		MemoryMB:  256,
		Timeout:   5 * time.Second,
		Logs:      linelog.NewSink(logs),
	}
	if mod != nil {
		mod(&fn)
	}
	p := NewPool(fn)
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p, logs
}

type echoed struct {
	Event      json.RawMessage `json:"event"`
	PID        int             `json:"pid"`
	RequestID  string          `json:"requestId"`
	ARN        string          `json:"arn"`
	DeadlineMs int64           `json:"deadlineMs"`
	Env        []string        `json:"env"`
	Table      string          `json:"table"`
	Trace      string          `json:"trace"`
}

func invoke(t *testing.T, p *Pool, event string) (*Result, echoed) {
	t.Helper()
	r, err := p.Invoke(context.Background(), []byte(event))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	var e echoed
	if r.Err == nil {
		if err := json.Unmarshal(r.Payload, &e); err != nil {
			t.Fatalf("response %s: %v", r.Payload, err)
		}
	}
	return r, e
}

func TestInvokeColdThenWarm(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	t.Setenv("AWS_PROFILE", "developer")
	p, logs := newPool(t, nil)
	start := time.Now()

	r1, e1 := invoke(t, p, `{"hello":"world"}`)
	if r1.Err != nil {
		t.Fatalf("first invoke failed: %v", r1.Err)
	}
	if !r1.Cold || r1.InitDuration <= 0 || r1.Duration <= 0 || r1.Instance != 1 {
		t.Errorf("first invoke: cold %v init %v duration %v instance %d, want a measured cold start on instance 1",
			r1.Cold, r1.InitDuration, r1.Duration, r1.Instance)
	}
	if string(e1.Event) != `{"hello":"world"}` || e1.Table != "tbl" {
		t.Errorf("echo = %s table %q", e1.Event, e1.Table)
	}
	if e1.RequestID != r1.RequestID || len(r1.RequestID) != 36 {
		t.Errorf("function saw request id %q, result has %q", e1.RequestID, r1.RequestID)
	}
	if e1.ARN != "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction" {
		t.Errorf("invoked function ARN = %q", e1.ARN)
	}
	if d := time.UnixMilli(e1.DeadlineMs).Sub(start); d < 4*time.Second || d > 7*time.Second {
		t.Errorf("deadline %v after start, want about the 5 s timeout", d)
	}
	if !strings.HasPrefix(e1.Trace, "Root=1-") {
		t.Errorf("trace id = %q", e1.Trace)
	}
	wantEnv := []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
		"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "PATH", "TABLE_NAME", "_HANDLER", "_X_AMZN_TRACE_ID"}
	if !slices.Equal(e1.Env, wantEnv) {
		t.Errorf("function environment = %v\nwant exactly %v (nothing inherited from the host)", e1.Env, wantEnv)
	}

	r2, e2 := invoke(t, p, `{"n":2}`)
	if r2.Err != nil || r2.Cold || e2.PID != e1.PID || r2.Instance != 1 {
		t.Errorf("second invoke: err %v cold %v pid %d (first %d) instance %d, want the warm instance",
			r2.Err, r2.Cold, e2.PID, e1.PID, r2.Instance)
	}
	if r2.RequestID == r1.RequestID {
		t.Error("request ids repeat")
	}
	// The platform's lines reach the log through the instance's pipe after the answer, as on
	// Lambda: wait for them rather than race them.
	var out string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out = logs.String(); strings.Contains(out, "[EchoFunction] REPORT RequestId: "+r1.RequestID) {
			break
		}
	}
	if !strings.Contains(out, "[EchoFunction] REPORT RequestId: "+r1.RequestID) || !strings.Contains(out, "Init Duration:") {
		t.Errorf("logs lack a REPORT line with the init duration:\n%s", out)
	}
	if st := p.Stats(); len(st) != 1 || st[0].Invocations != 2 || !st[0].Alive || st[0].Init <= 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestHandlerErrorKeepsInstance(t *testing.T) {
	p, _ := newPool(t, nil)
	_, e1 := invoke(t, p, `{}`)
	r, _ := invoke(t, p, `{"action":"fail"}`)
	if r.Err == nil || r.Err.Runtime || r.Err.Message != "asked to fail" || r.Err.Type != "errorString" {
		t.Fatalf("err = %+v, want the handler's errorString", r.Err)
	}
	if !strings.Contains(string(r.Payload), `"errorMessage":"asked to fail"`) {
		t.Errorf("payload = %s, want the error document", r.Payload)
	}
	r3, e3 := invoke(t, p, `{}`)
	if r3.Err != nil || e3.PID != e1.PID {
		t.Errorf("after a handler error: err %v pid %d, want the same instance %d", r3.Err, e3.PID, e1.PID)
	}
}

func TestExitFailsInvocationAndNextStartsFresh(t *testing.T) {
	p, _ := newPool(t, nil)
	_, e1 := invoke(t, p, `{}`)
	r, _ := invoke(t, p, `{"action":"exit"}`)
	if r.Err == nil || !r.Err.Runtime || r.Err.Type != "Runtime.ExitError" || !strings.Contains(r.Err.Message, "exit status 3") {
		t.Fatalf("err = %+v, want Runtime.ExitError with exit status 3", r.Err)
	}
	r3, e3 := invoke(t, p, `{}`)
	if r3.Err != nil || !r3.Cold || e3.PID == e1.PID || r3.Instance != 2 {
		t.Errorf("after exit: err %v cold %v pid %d instance %d, want a fresh instance 2", r3.Err, r3.Cold, e3.PID, r3.Instance)
	}
	if alive := alivePIDs(p); !slices.Equal(alive, []int{e3.PID}) {
		t.Errorf("alive instances %v, want only %d", alive, e3.PID)
	}
}

func TestInitError(t *testing.T) {
	p, _ := newPool(t, func(fn *Function) { fn.Env["ECHO_INIT_ERROR"] = "1" })
	for i := range 2 { // each request tries a fresh instance
		r, _ := invoke(t, p, `{}`)
		if r.Err == nil || !r.Err.Runtime || r.Err.Type != "Config.Invalid" || r.Err.Message != "bad config" {
			t.Fatalf("invoke %d: err = %+v, want the posted init error", i, r.Err)
		}
	}
	if st := p.Stats(); len(st) != 2 || st[0].Alive || st[1].Alive {
		t.Errorf("stats = %+v, want two dead instances", st)
	}
}

func TestTimeoutKillsInstance(t *testing.T) {
	p, _ := newPool(t, func(fn *Function) { fn.Timeout = 300 * time.Millisecond })
	r, _ := invoke(t, p, `{"action":"sleep","ms":5000}`)
	if r.Err == nil || r.Err.Type != "Sandbox.Timedout" {
		t.Fatalf("err = %+v, want Sandbox.Timedout", r.Err)
	}
	if r2, _ := invoke(t, p, `{}`); r2.Err != nil || !r2.Cold {
		t.Errorf("after a timeout: err %v cold %v, want a fresh instance", r2.Err, r2.Cold)
	}
}

func TestConcurrentInvocationsScaleToCap(t *testing.T) {
	p, _ := newPool(t, func(fn *Function) { fn.MaxInstances = 2 })
	var wg sync.WaitGroup
	results := make([]*Result, 5)
	errs := make([]error, 5)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = p.Invoke(context.Background(), []byte(`{"action":"sleep","ms":300}`))
		}()
	}
	wg.Wait()
	instances := map[int]bool{}
	for i, r := range results {
		if errs[i] != nil || r.Err != nil {
			t.Fatalf("invoke %d: %v %v", i, errs[i], r.Err)
		}
		instances[r.Instance] = true
	}
	if len(instances) != 2 {
		t.Errorf("used instances %v, want exactly 2 (the cap)", instances)
	}
	if n := len(p.Stats()); n != 2 {
		t.Errorf("started %d instances, want 2", n)
	}
}

func TestWaitForInstanceHonoursContext(t *testing.T) {
	p, _ := newPool(t, func(fn *Function) { fn.MaxInstances = 1 })
	go func() { _, _ = p.Invoke(context.Background(), []byte(`{"action":"sleep","ms":1000}`)) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st := p.Stats(); len(st) == 1 && st[0].Invocations == 1 {
			break // the only instance is busy
		}
		if time.Now().After(deadline) {
			t.Fatal("the first invocation never started")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline while all instances are busy", err)
	}
	if r, _ := invoke(t, p, `{}`); r.Err != nil || r.Instance != 1 {
		t.Errorf("after the abandoned wait: err %v instance %d, want instance 1 again", r.Err, r.Instance)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	p, _ := newPool(t, nil)
	_, e := invoke(t, p, `{}`)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(e.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("instance %d still exists after Close (kill -0: %v)", e.PID, err)
	}
	if _, err := p.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close: %v, want ErrClosed", err)
	}
}

func TestMissingBootstrap(t *testing.T) {
	p, _ := newPool(t, func(fn *Function) { fn.Bootstrap = filepath.Join(t.TempDir(), "nope") })
	r, _ := invoke(t, p, `{}`)
	if r.Err == nil || r.Err.Type != "Runtime.InvalidEntrypoint" {
		t.Fatalf("err = %+v, want Runtime.InvalidEntrypoint", r.Err)
	}
}

func alivePIDs(p *Pool) []int {
	var pids []int
	for _, s := range p.Stats() {
		if s.Alive {
			pids = append(pids, s.PID)
		}
	}
	return pids
}
