package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/linelog"
	"github.com/wallet-accounts/wallet/local/stack"
)

const defaultTable = "wallet-accounts"

// runCmd runs the whole stack with the API on -addr until Ctrl-C.
func runCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "address of the HTTP API")
	internal := fs.String("internal-addr", "127.0.0.1:3001", "address of the internal API (SigV4 with the local credentials)")
	table := fs.String("table", defaultTable, "DynamoDB table name")
	persist := fs.Bool("persist", false, "keep DynamoDB data (and the pepper) in .local/dynamodb across runs")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	root, err := stack.RepoRoot()
	if err != nil {
		return err
	}
	console := linelog.NewSink(os.Stdout)
	cfg := stack.Config{
		Root:         root,
		StateDir:     filepath.Join(root, ".local", "run"),
		Table:        *table,
		APIAddr:      *addr,
		InternalAddr: *internal,
		FuncLogs:     console,
		SMSOut:       console.Prefixed(""),
		Log:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if *persist {
		cfg.PersistDir = filepath.Join(root, ".local", "dynamodb")
		if err := os.MkdirAll(cfg.PersistDir, 0o755); err != nil {
			return fmt.Errorf("persist dir: %w", err)
		}
	}
	st, err := stack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	printBanner(os.Stdout, cfg, st)
	select {
	case <-ctx.Done():
	case err = <-st.APIErr():
		err = fmt.Errorf("HTTP API: %w", err)
	}
	fmt.Println("\nstopping the local stack...")
	summary := st.Summary()
	err = errors.Join(err, st.Close())
	for _, line := range summary {
		fmt.Println("  " + line)
	}
	return err
}

func printBanner(w io.Writer, cfg stack.Config, st *stack.Stack) {
	storage := "in memory"
	if cfg.PersistDir != "" {
		storage = "kept in " + rel(cfg.Root, cfg.PersistDir)
	}
	at, notRunning := st.Endpoints(), st.Skipped()
	fmt.Fprintln(w, "Wallet Accounts — local stack")
	fmt.Fprintf(w, "  API       %s\n", at.API)
	for _, r := range st.Routes() {
		note := ""
		if why, skipped := notRunning[r.Function]; skipped {
			note = "  (not running: " + why + ")"
		}
		fmt.Fprintf(w, "            %-32s -> %s%s\n", r.Key(), r.Function, note)
	}
	if at.Internal != "" {
		fmt.Fprintf(w, "  internal  %s  (AWS_IAM: SigV4 for %s/%s, key %s, secret %s)\n", at.Internal, stack.Region, "execute-api",
			stack.AccessKeyID, stack.SecretAccessKey)
		for _, r := range st.InternalRoutesServed() {
			fmt.Fprintf(w, "            %-32s -> %s\n", r.Key(), r.Function)
		}
	}
	// localhost, not 127.0.0.1: a browser offers passkeys to a domain name only.
	fmt.Fprintf(w, "  console   %s/  (web client and SMS inbox)\n", strings.Replace(at.API, "//127.0.0.1:", "//localhost:", 1))
	fmt.Fprintf(w, "  DynamoDB  %s  table %s (%s)\n", at.DynamoDB, at.Table, storage)
	fmt.Fprintf(w, "  SNS       %s  (moto; sent SMS at /moto-api/data.json)\n", at.SNS)
	fmt.Fprintf(w, "  state     %s\n", rel(cfg.Root, cfg.StateDir))
	fmt.Fprintln(w, "Function logs follow, prefixed [LogicalId]; every SMS prints as \"SMS to ...\". Ctrl-C stops.")
}

// testCmd starts the stack on free ports, runs a command against it and exits with the
// command's status.
func testCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	table := fs.String("table", defaultTable, "DynamoDB table name for the functions")
	state := fs.String("state", filepath.Join(".local", "test"), "directory for the run's logs, relative to the repository root")
	overrides := envFlag{}
	fs.Var(overrides, "env", "KEY=VALUE: a setting for every function, over template.yaml's (repeatable)")
	recordCalls := fs.Bool("record-calls", true, "record each function's AWS requests in <state>/calls.jsonl ("+stack.EnvCalls+") for the policy check")
	meter := fs.Bool("capacity", false, "meter the read and write units of each function's DynamoDB requests in <state>/capacity.jsonl ("+
		stack.EnvCapacity+") while that path + .on exists (make bench)")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	command := fs.Args()
	if len(command) == 0 {
		fmt.Fprintln(os.Stderr, "test: no command after --\n"+usage)
		return exitError{2}
	}
	root, err := stack.RepoRoot()
	if err != nil {
		return err
	}
	stateDir := *state
	if !filepath.IsAbs(stateDir) {
		stateDir = filepath.Join(root, stateDir)
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	files, err := createFiles(stateDir, "functions.log", "sms.log", "host.log", "calls.jsonl", "capacity.jsonl")
	if err != nil {
		return err
	}
	defer closeFiles(files)
	log := slog.New(slog.NewTextHandler(files[2], &slog.HandlerOptions{Level: slog.LevelInfo}))
	var callLog io.Writer // nil: no proxies, as make bench wants (it times the functions' calls)
	if *recordCalls {
		callLog = files[3]
	}
	var capacityLog io.Writer
	if *meter {
		capacityLog = files[4]
		_ = os.Remove(stack.CapacitySwitch(files[4].Name())) // left by a run that was killed
	}
	st, err := stack.Start(ctx, stack.Config{
		Root:     root,
		StateDir: stateDir,
		Table:    *table,
		APIAddr:  "127.0.0.1:0",
		FuncLogs: linelog.NewSink(files[0]),
		SMSOut:   files[1],
		Log:      log,
		Env:      overrides,
		CallLog:  callLog,
		Capacity: capacityLog, CapacitySwitch: stack.CapacitySwitch(files[4].Name()),
	})
	if err != nil {
		return err
	}
	for id, why := range st.Skipped() {
		fmt.Fprintf(os.Stderr, "local stack: warning: %s not running: %s\n", id, why)
	}
	at := st.Endpoints()
	at.Logs = files[0].Name()
	childEnv := append(os.Environ(), at.Environ()...)
	if *recordCalls {
		childEnv = append(childEnv, stack.EnvCalls+"="+files[3].Name())
	}
	if *meter {
		childEnv = append(childEnv, stack.EnvCapacity+"="+files[4].Name())
	}
	fmt.Fprintf(os.Stderr, "local stack: API %s, internal API %s, DynamoDB %s, SNS %s; logs in %s\n",
		at.API, at.Internal, at.DynamoDB, at.SNS, rel(root, stateDir))
	code, runErr := runChild(command, childEnv)
	for _, line := range st.Summary() {
		log.Info("functions", "summary", line)
	}
	if err := st.Close(); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

// runChild runs command with env, passing on SIGINT and SIGTERM, and returns its exit code
// (128+n when signal n killed it).
func runChild(command, env []string) (int, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("run %s: %w", command[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	default:
		return 0, fmt.Errorf("run %s: %w", command[0], err)
	}
}

// invokeCmd runs one function with one event, like `sam local invoke`, and prints the
// response and the init and invoke durations.
func invokeCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fn := fs.String("fn", "", "function logical id, e.g. OtpFunction")
	eventPath := fs.String("event", "", "event JSON file, or - for standard input")
	table := fs.String("table", defaultTable, "DynamoDB table name")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if *fn == "" || *eventPath == "" {
		fmt.Fprintln(os.Stderr, "invoke: -fn and -event are required\n"+usage)
		return exitError{2}
	}
	root, err := stack.RepoRoot()
	if err != nil {
		return err
	}
	event, err := readEvent(root, *eventPath)
	if err != nil {
		return err
	}
	console := linelog.NewSink(os.Stderr)
	st, err := stack.Start(ctx, stack.Config{
		Root:     root,
		StateDir: filepath.Join(root, ".local", "invoke"),
		Table:    *table,
		Only:     []string{*fn},
		FuncLogs: console,
		SMSOut:   console.Prefixed(""),
		Log:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	defer st.Close()
	if why, skipped := st.Skipped()[*fn]; skipped {
		return fmt.Errorf("%s cannot run: %s", *fn, why)
	}
	res, err := st.Invoke(ctx, *fn, event)
	if err != nil {
		return err
	}
	pollCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_ = st.PrintSMS(pollCtx)
	cancel()
	fmt.Println(strings.TrimSpace(string(res.Payload)))
	fmt.Fprintf(os.Stderr, "init: %.1f ms  invoke: %.1f ms\n", ms(res.InitDuration), ms(res.Duration))
	if err := st.Close(); err != nil {
		return err
	}
	if res.Err != nil {
		fmt.Fprintf(os.Stderr, "%s failed: %s\n", *fn, res.Err)
		return exitError{1}
	}
	return nil
}

// readEvent reads the event from path (relative to the working directory, else to the
// repository root) or standard input, and checks that it is JSON.
func readEvent(root, path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && !filepath.IsAbs(path) {
			b, err = os.ReadFile(filepath.Join(root, path))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("read event %s: not JSON", path)
	}
	return b, nil
}

func createFiles(dir string, names ...string) ([]*os.File, error) {
	var files []*os.File
	for _, n := range names {
		f, err := os.Create(filepath.Join(dir, n))
		if err != nil {
			closeFiles(files)
			return nil, fmt.Errorf("create %s: %w", n, err)
		}
		files = append(files, f)
	}
	return files, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// envFlag collects repeated -env KEY=VALUE flags.
type envFlag map[string]string

func (e envFlag) String() string { return fmt.Sprint(map[string]string(e)) }

func (e envFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	e[k] = val
	return nil
}
