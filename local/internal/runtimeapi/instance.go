package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/proc"
)

// Runtime API limits, as on Lambda.
const (
	maxResponse = 6 << 20 // synchronous response payload
	maxErrorDoc = 1 << 20
	apiPrefix   = "/2018-06-01/runtime"
)

// invocation is one attempt to deliver an event.
type invocation struct {
	id        string
	event     []byte
	traceID   string
	handedOut chan struct{} // closed when an instance receives the event
	done      chan struct{} // closed when outcome is set
	once      sync.Once
	outcome   outcome

	// Set when handed out.
	deadline time.Time
	started  time.Time
}

// outcome is a Result plus whether the event never reached the function.
type outcome struct {
	Result
	undelivered bool
}

func newInvocation(id string, event []byte) *invocation {
	return &invocation{
		id:        id,
		event:     event,
		traceID:   newTraceID(),
		handedOut: make(chan struct{}),
		done:      make(chan struct{}),
	}
}

// finish sets the outcome once; later calls are ignored.
func (inv *invocation) finish(o outcome) bool {
	first := false
	inv.once.Do(func() {
		o.RequestID = inv.id
		inv.outcome = o
		close(inv.done)
		first = true
	})
	return first
}

// instance is one bootstrap process and the Runtime API it is served on.
type instance struct {
	id      int
	pool    *Pool
	cmd     *exec.Cmd
	srv     *http.Server
	started time.Time
	queue   chan *invocation // holds at most the one invocation dispatched to it
	exited  chan struct{}
	// logw is the write end of the pipe that is the process's stdout and stderr. The host
	// writes the platform lines (START, END, REPORT) into it too, so they keep their place
	// among the function's own lines: what the function wrote before answering is in the
	// pipe before the END line.
	logw    *os.File
	logDone chan struct{} // closed when everything written to the pipe is copied out

	mu          sync.Mutex
	dead        bool
	inited      bool
	initDur     time.Duration
	coldPending bool // the first invocation has not been answered yet
	current     *invocation
	available   bool           // in the pool's idle list or granted to a waiter
	failure     *FunctionError // why the instance is being killed, when the host decided
	invocations int
}

// start launches a new instance with inv queued as its first event. The caller holds a
// slot (reserve returned spawn=true). A failure to launch fails inv.
func (p *Pool) start(inv *invocation) *instance {
	in := &instance{pool: p, queue: make(chan *invocation, 1), exited: make(chan struct{}), coldPending: true}
	in.queue <- inv
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.lastID++
		in.id = p.lastID
		p.all[in.id] = in
		p.stopped.Add(1) // Done when the instance is gone, so Close waits for it
	}
	p.mu.Unlock()

	err := ErrClosed
	if !closed {
		err = in.launch()
	}
	if err != nil {
		p.logger.Error("start instance", "instance", in.id, "err", err)
		in.mu.Lock()
		in.dead = true
		in.mu.Unlock()
		close(in.exited)
		<-in.queue
		typ := "Runtime.InvalidEntrypoint"
		if errors.Is(err, ErrClosed) {
			typ = "Runtime.Shutdown"
		}
		inv.finish(outcome{Result: Result{Cold: true, Instance: in.id, Err: &FunctionError{
			Type: typ, Message: err.Error(), Runtime: true}}})
		p.slotFreed()
		if !closed {
			p.stopped.Done()
		}
	}
	return in
}

// launch serves the Runtime API on a fresh loopback port and starts the bootstrap.
func (in *instance) launch() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the runtime API: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", in.handleNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", in.handleResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", in.handleError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", in.handleInitError)
	in.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.srv.Serve(ln) }()

	p := in.pool
	prefix := "[" + p.fn.Name + "] "
	if in.id > 1 {
		prefix = "[" + p.fn.Name + "#" + strconv.Itoa(in.id) + "] "
	}
	logr, logw, err := os.Pipe()
	if err != nil {
		_ = in.srv.Close()
		return fmt.Errorf("log pipe: %w", err)
	}
	in.logw, in.logDone = logw, make(chan struct{})
	go func() {
		defer close(in.logDone)
		out := p.fn.Logs.Prefixed(prefix)
		_, _ = io.Copy(out, logr)
		_ = out.Close()
		_ = logr.Close()
	}()
	cmd := exec.Command(p.fn.Bootstrap)
	cmd.Dir = filepath.Dir(p.fn.Bootstrap)
	cmd.Env = p.env(ln.Addr().String(), in.id)
	cmd.Stdout = logw
	cmd.Stderr = logw
	proc.Prepare(cmd)
	in.mu.Lock() // the runtime's requests reach handlers through the child: no happens-before
	defer in.mu.Unlock()
	if in.failure != nil { // killed (pool closing) before it started
		_ = in.srv.Close()
		_ = logw.Close()
		<-in.logDone
		return ErrClosed
	}
	in.cmd = cmd
	in.started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = in.srv.Close()
		_ = logw.Close()
		<-in.logDone
		return fmt.Errorf("start %s: %w", p.fn.Bootstrap, err)
	}
	go in.wait()
	return nil
}

// wait reaps the process and fails whatever it was doing.
func (in *instance) wait() {
	p := in.pool
	defer p.stopped.Done()
	waitErr := in.cmd.Wait()

	in.mu.Lock()
	in.dead = true
	cur, inited, failure := in.current, in.inited, in.failure
	in.current = nil
	var queued *invocation
	select {
	case queued = <-in.queue:
	default:
	}
	in.mu.Unlock()
	close(in.exited)
	_ = in.srv.Close()

	if failure == nil {
		failure = &FunctionError{Type: "Runtime.ExitError", Runtime: true,
			Message: fmt.Sprintf("Runtime exited with error: %v", exitStatus(waitErr))}
	}
	if cur != nil && in.complete(cur, outcome{Result: Result{Err: failure}}) {
		p.logger.Warn("instance failed during an invocation", "instance", in.id, "request_id", cur.id, "err", failure)
	}
	if queued != nil {
		if inited {
			queued.finish(outcome{undelivered: true})
		} else {
			in.platform("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: %s",
				ms(time.Since(in.started)), failure.Type)
			queued.finish(outcome{Result: Result{Err: failure, Cold: true, Instance: in.id}})
		}
	}
	_ = in.logw.Close()
	<-in.logDone
	p.logger.Debug("instance exited", "instance", in.id, "status", exitStatus(waitErr))
	p.gone(in)
}

// dispatch queues inv for the instance's next /next. It fails if the instance is gone.
func (in *instance) dispatch(inv *invocation) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.dead {
		return false
	}
	in.available = false
	in.queue <- inv // never blocks: an instance is dispatched to once each time it is available
	return true
}

// makeAvailable offers the instance for the next invocation once it has answered (or, at
// its first /next, if it was not started for an invocation). An event dispatched before the
// runtime is back in /next waits in the queue, so back-to-back requests reuse a warm instance.
func (in *instance) makeAvailable() {
	in.mu.Lock()
	if in.available || in.dead || in.current != nil || len(in.queue) > 0 {
		in.mu.Unlock()
		return
	}
	in.available = true
	in.mu.Unlock()
	in.pool.release(in)
}

// fail kills the instance, failing its current invocation with why.
func (in *instance) fail(why *FunctionError) {
	in.setFailure(why)
	in.mu.Lock()
	cmd := in.cmd
	in.mu.Unlock()
	if err := proc.KillGroup(cmd); err != nil {
		in.pool.logger.Error("kill instance", "instance", in.id, "err", err)
	}
}

// setFailure records why the instance is going away, unless a reason is known already.
func (in *instance) setFailure(why *FunctionError) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.failure == nil {
		in.failure = why
	}
}

// kill stops the instance (pool shutdown).
func (in *instance) kill() error {
	in.fail(&FunctionError{Type: "Runtime.Shutdown", Message: "the local host is shutting down", Runtime: true})
	return nil
}

func (in *instance) stats() InstanceStats {
	in.mu.Lock()
	defer in.mu.Unlock()
	s := InstanceStats{ID: in.id, Init: in.initDur, Invocations: in.invocations, Alive: !in.dead}
	if in.cmd != nil && in.cmd.Process != nil {
		s.PID = in.cmd.Process.Pid
	}
	return s
}

// handleNext blocks until the instance has an event, then hands it out with Lambda's headers.
func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	if !in.inited {
		in.inited = true
		in.initDur = time.Since(in.started)
	}
	if cur := in.current; cur != nil { // /next without a response: Lambda fails the invoke
		in.current = nil
		in.mu.Unlock()
		in.complete(cur, outcome{Result: Result{Err: &FunctionError{Type: "Runtime.NoResponse", Runtime: true,
			Message: "the runtime asked for the next event without answering this one"}}})
		in.mu.Lock()
	}
	in.mu.Unlock()
	in.makeAvailable()

	var inv *invocation
	select {
	case inv = <-in.queue:
	case <-r.Context().Done():
		return
	case <-in.exited:
		http.Error(w, `{"errorMessage":"instance stopping","errorType":"Runtime.Shutdown"}`, http.StatusInternalServerError)
		return
	}

	p := in.pool
	now := time.Now()
	in.mu.Lock()
	inv.started, inv.deadline = now, now.Add(p.fn.Timeout)
	in.current = inv
	in.invocations++
	in.mu.Unlock()
	close(inv.handedOut)

	in.platform("START RequestId: %s Version: $LATEST", inv.id)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", p.functionARN())
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.event)
}

// handleResponse takes the function's response for the current invocation.
func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv, ok := in.currentFor(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "InvalidRequest", "read response: "+err.Error())
		return
	}
	if len(body) > maxResponse {
		writeJSON(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("response payload exceeds %d bytes", maxResponse))
		in.complete(inv, outcome{Result: Result{Err: &FunctionError{Type: "Function.ResponseSizeTooLarge",
			Message: "response payload size exceeded maximum allowed payload size", Runtime: true}}})
		return
	}
	// aws-lambda-go reports an error met while streaming the body in trailers.
	in.makeAvailable() // before the caller hears back, so its next request finds it warm
	if typ := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		in.complete(inv, outcome{Result: Result{Payload: doc, Err: errorFromDoc(doc, typ, false)}})
	} else {
		in.complete(inv, outcome{Result: Result{Payload: body}})
	}
	writeStatusOK(w)
}

// handleError takes the function's error for the current invocation.
func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	inv, ok := in.currentFor(w, r)
	if !ok {
		return
	}
	doc, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorDoc))
	in.makeAvailable()
	in.complete(inv, outcome{Result: Result{Payload: doc,
		Err: errorFromDoc(doc, r.Header.Get("Lambda-Runtime-Function-Error-Type"), false)}})
	writeStatusOK(w)
}

// handleInitError records why init failed; the instance is then discarded, and the event
// waiting for it fails with this error.
func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	doc, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorDoc))
	fe := errorFromDoc(doc, r.Header.Get("Lambda-Runtime-Function-Error-Type"), true)
	in.pool.logger.Warn("init error", "instance", in.id, "err", fe)
	in.setFailure(fe) // before answering: the runtime may exit at once
	writeStatusOK(w)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	go in.fail(fe)
}

// currentFor returns the invocation the request's {id} names, answering 400 if it is not the
// current one.
func (in *instance) currentFor(w http.ResponseWriter, r *http.Request) (*invocation, bool) {
	id := r.PathValue("id")
	in.mu.Lock()
	inv := in.current
	if inv == nil || inv.id != id {
		in.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID: "+id)
		return nil, false
	}
	in.current = nil
	in.mu.Unlock()
	return inv, true
}

// complete finishes inv with o, filling in the measurements, and logs END and REPORT.
func (in *instance) complete(inv *invocation, o outcome) bool {
	p := in.pool
	in.mu.Lock()
	o.Instance = in.id
	if in.coldPending {
		in.coldPending = false
		o.Cold, o.InitDuration = true, in.initDur
	}
	in.mu.Unlock()
	if !inv.started.IsZero() {
		o.Duration = time.Since(inv.started)
	}
	if !inv.finish(o) {
		return false
	}
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB",
		inv.id, ms(o.Duration), o.Duration.Milliseconds()+1, p.fn.MemoryMB)
	if o.Cold {
		report += fmt.Sprintf("\tInit Duration: %.2f ms", ms(o.InitDuration))
	}
	if o.Err != nil {
		report += "\tStatus: error\tError Type: " + o.Err.Type
	}
	in.platform("END RequestId: %s", inv.id)
	in.platform("%s", report)
	return true
}

// platform writes one of the platform's log lines into the instance's output pipe.
func (in *instance) platform(format string, args ...any) {
	_, _ = fmt.Fprintf(in.logw, format+"\n", args...)
}

// errorFromDoc reads an error document {"errorMessage", "errorType"}; typ, from the
// Lambda-Runtime-Function-Error-Type header, wins when set.
func errorFromDoc(doc []byte, typ string, runtime bool) *FunctionError {
	var d struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	_ = json.Unmarshal(doc, &d)
	if typ == "" {
		typ = d.Type
	}
	if typ == "" {
		typ = "Unhandled"
	}
	if d.Message == "" && !json.Valid(doc) {
		d.Message = string(doc)
	}
	return &FunctionError{Type: typ, Message: d.Message, Runtime: runtime}
}

func writeStatusOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeJSON(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// exitStatus describes how a process ended.
func exitStatus(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	if err != nil {
		return err.Error()
	}
	return "exit status 0"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
