package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

// scaleLine matches what closuretest.Scale logs: the seeding and each run.
var scaleLine = regexp.MustCompile(`scale\.go:\d+: ((seeded|warn|close).*)`)

// measureClosure runs shared/closure's TestScale100k in a local stack of its own: it seeds
// 100,000 accounts, 1% due, and runs the job to warn and then to close them, asserting that each
// run acts on exactly the due accounts, reads at most 1.2 index items per due account and never
// scans. It returns the test's verdict and the timings it logged.
func measureClosure(ctx context.Context, root string) (Closure, error) {
	start := time.Now()
	// A stack of its own: on the DynamoDB Local the flows had just written thousands of items
	// to, seeding ran several times slower, and after the seeding the flows did.
	cmd := exec.CommandContext(ctx, filepath.Join(root, ".local", "bin", "host"), "test", "-state", filepath.Join(".local", "bench", "closure"),
		"--", "go", "test", "-count=1", "-run", "^TestScale100k$", "-v", "./shared/closure/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "WALLET_SCALE=1")
	// host runs go test, which runs the test binary: cut off, the whole group goes (and with
	// host, the services it started), so no test is left seeding a stopped DynamoDB Local.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	c := Closure{Passed: err == nil, Seconds: time.Since(start).Seconds()}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := scaleLine.FindStringSubmatch(sc.Text()); m != nil {
			c.Lines = append(c.Lines, m[1])
		}
	}
	if err != nil {
		return c, fmt.Errorf("closure at 100,000 accounts: %w\n%s", err, lastLines(out, 20))
	}
	return c, nil
}

// lastLines returns the last n lines of out.
func lastLines(out []byte, n int) string {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return string(bytes.Join(lines[max(len(lines)-n, 0):], []byte("\n")))
}
