package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/proc"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/local/template"
)

// rieInvocations is where the emulator takes an invocation.
const rieInvocations = "/2015-03-31/functions/function/invocations"

// TestBootstrapsAnswerUnderRIE runs each function's bootstrap, as the stack built it, under AWS's
// own Lambda Runtime Interface Emulator, with the environment the stack gives it (over an empty
// table of its own), and sends it one harmless event: our runtime API (local/internal/runtimeapi)
// is then not the only one the bootstraps have ever spoken to.
func TestBootstrapsAnswerUnderRIE(t *testing.T) {
	s := stacktest.Config(t)
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	rie := filepath.Join(root, ".local", "bin", "aws-lambda-rie")
	if !proc.Exists(rie) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing: make deps installs it", rie)
		}
		t.Skipf("%s missing: make deps installs it", rie)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, table := stacktest.NewTable(t) // the closure run finds nothing to do here
	pepper, err := stack.NewPepper()
	if err != nil {
		t.Fatal(err)
	}
	env := stack.Environment{Template: tpl, Table: table, DynamoDB: s.DynamoDB, SNS: s.SNS, Pepper: pepper, Home: t.TempDir()}
	for _, fn := range tpl.Functions() {
		bootstrap := filepath.Join(root, ".local", "bin", fn.LogicalID, "bootstrap")
		if !proc.Exists(bootstrap) {
			t.Errorf("%s: no %s (the stack builds it at its start)", fn.LogicalID, bootstrap)
			continue
		}
		vars, err := env.For(fn)
		if err != nil {
			t.Fatal(err)
		}
		event, check := probe(fn)
		answer, err := invokeUnderRIE(rie, bootstrap, fn, vars, event)
		if err != nil {
			t.Errorf("%s: %v", fn.LogicalID, err)
			continue
		}
		if err := check(answer); err != nil {
			t.Errorf("%s under aws-lambda-rie: %v; answer %s", fn.LogicalID, err, answer)
		}
	}
}

// probe is one event the function answers without changing anything, and the check of its
// answer: a scheduled function's dry run; an API function's answer to a route it does not
// serve (404 from its own router) or, for SignupFunction, the security questions.
func probe(fn template.Function) ([]byte, func([]byte) error) {
	if len(fn.Routes) == 0 {
		return []byte(`{"dryRun": true}`), func(b []byte) error {
			if bytes.Contains(b, []byte(`"errorType"`)) {
				return fmt.Errorf("the function failed")
			}
			return nil
		}
	}
	key, method, path, want := "$default", "GET", "/fidelity/no-such-route", http.StatusNotFound
	if fn.LogicalID == "SignupFunction" {
		key, path, want = "GET /v1/security-questions", "/v1/security-questions", http.StatusOK
	}
	event, _ := json.Marshal(map[string]any{"version": "2.0", "routeKey": key, "rawPath": path,
		"headers":        map[string]string{"content-type": "application/json"},
		"requestContext": map[string]any{"requestId": "rie", "http": map[string]string{"method": method, "path": path, "sourceIp": "127.0.0.1"}}})
	return event, func(b []byte) error {
		var res struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("not an API Gateway response: %w", err)
		}
		if res.StatusCode != want || !json.Valid([]byte(res.Body)) {
			return fmt.Errorf("status %d, want %d with a JSON body", res.StatusCode, want)
		}
		return nil
	}
}

// invokeUnderRIE starts the emulator with the bootstrap on free ports, sends it event once and
// stops it (with the bootstrap: its whole process group).
func invokeUnderRIE(rie, bootstrap string, fn template.Function, vars map[string]string, event []byte) ([]byte, error) {
	apiPort, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(rie, "--log-level", "error", "--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--runtime-interface-emulator-address", addr, bootstrap)
	cmd.Env = []string{"AWS_LAMBDA_FUNCTION_NAME=" + fn.LogicalID, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(fn.Timeout.Seconds()))}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start aws-lambda-rie: %w", err)
	}
	defer func() {
		_ = proc.KillGroup(cmd)
		_ = cmd.Wait()
	}()
	if err := waitListening(addr, 5*time.Second); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Post("http://"+addr+rieInvocations, "application/json", bytes.NewReader(event))
	if err != nil {
		return nil, fmt.Errorf("invoke: %w\n%s", err, out.String())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke: HTTP %d %s\n%s", resp.StatusCode, body, out.String())
	}
	if bytes.Contains(body, []byte(`"errorType"`)) {
		return nil, fmt.Errorf("the function failed: %s\n%s", body, lastLines(out.String(), 20))
	}
	return body, nil
}

func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("aws-lambda-rie not listening on %s after %v: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a port that is about to open
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
