// Package browser tests the local console (local/internal/console) in a real browser: Debian's
// chromium, driven by playwright-core (pinned in local/package.json) from console_flow.mjs, against
// the stack `make test` starts. Like every stack test it skips without the stack (fails under CI);
// without chromium, node or playwright-core it skips too, and fails under CI, where `make deps`
// must have installed them. Screenshots of every step: <state>/browser/ (.local/test/browser/).
package browser

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/proc"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/stacktest"
)

// chromiumPath is where Debian's chromium package (make deps) puts the browser.
const chromiumPath = "/usr/bin/chromium"

// missing skips the test for want of a tool, or fails it under CI, where make deps has run.
func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing, and CI must have it: make deps installs it", what)
	}
	t.Skipf("%s is missing: make deps installs it", what)
}

func TestConsoleInChromium(t *testing.T) {
	st := stacktest.Config(t)
	if _, err := os.Stat(chromiumPath); err != nil {
		missing(t, "chromium ("+chromiumPath+")")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node")
	}
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "local", "node_modules", "playwright-core", "package.json")); err != nil {
		missing(t, "playwright-core (local/node_modules)")
	}
	api, err := url.Parse(st.API)
	if err != nil {
		t.Fatal(err)
	}
	// localhost, not the API's 127.0.0.1: WebAuthn takes a domain name only.
	consoleURL := "http://localhost:" + api.Port()
	shots := filepath.Join(filepath.Dir(st.Logs), "browser") // beside the run's logs: .local/test/browser
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console_flow.mjs")
	cmd.Dir = filepath.Join(root, "local", "browser")
	cmd.Env = append(os.Environ(), "CONSOLE_URL="+consoleURL, "CHROMIUM="+chromiumPath, "SHOTS="+shots,
		"PROFILE="+t.TempDir(), "FORCE_COLOR=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	proc.Prepare(cmd)                                        // its own process group, killed with the test
	cmd.Cancel = func() error { return proc.KillGroup(cmd) } // a timeout takes chromium with node
	start := time.Now()
	err = cmd.Run()
	_ = proc.KillGroup(cmd) // no browser outlives the test
	t.Logf("console flow in chromium, %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("the console flow failed (%v); screenshots in %s", err, shots)
	}
}
