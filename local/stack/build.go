package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/wallet-accounts/wallet/local/template"
)

// built is the outcome of building one function.
type built struct {
	fn        template.Function
	bootstrap string // empty when skipped
	skipped   string // why it was skipped
}

// buildFunctions builds each function's bootstrap for this machine, as SAM builds it for
// Lambda but with this GOOS/GOARCH, into .local/bin/<LogicalId>/bootstrap. A function
// whose package does not exist yet is skipped with a reason; a build failure is an error.
func buildFunctions(ctx context.Context, root string, fns []template.Function) ([]built, error) {
	out := make([]built, len(fns))
	errs := make([]error, len(fns))
	sem := make(chan struct{}, 2) // go build parallelises inside; a few at once is enough
	var wg sync.WaitGroup
	for i, fn := range fns {
		out[i].fn = fn
		if !HasGoPackage(filepath.Join(root, filepath.FromSlash(fn.Dir))) {
			out[i].skipped = fn.Dir + " has no Go package yet"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			bootstrap := filepath.Join(root, ".local", "bin", fn.LogicalID, "bootstrap")
			if err := BuildBootstrap(ctx, root, "./"+fn.Dir, bootstrap, runtime.GOOS, runtime.GOARCH); err != nil {
				errs[i] = fmt.Errorf("%s: %w", fn.LogicalID, err)
				return
			}
			out[i].bootstrap = bootstrap
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// BuildBootstrap builds the package pkg ("./functions/otp", from root) into the executable
// out for goos/goarch as SAM builds a function: CGO_ENABLED=0 go build -tags lambda.norpc
// -trimpath -ldflags="-s -w", with tags besides lambda.norpc.
func BuildBootstrap(ctx context.Context, root, pkg, out, goos, goarch string, tags ...string) error {
	cmd := exec.CommandContext(ctx, GoCommand(), "build", "-tags", strings.Join(append([]string{"lambda.norpc"}, tags...), ","),
		"-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s/%s: %w\n%s", pkg, goos, goarch, err, strings.TrimSpace(string(b)))
	}
	return nil
}

// GoCommand is the go command on PATH, else the one of the Go this program was built with.
func GoCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// HasGoPackage reports whether dir holds a non-test Go file: a function without one is not
// built yet.
func HasGoPackage(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			return true
		}
	}
	return false
}

// RepoRoot walks up from the working directory (a package's directory under go test) to the
// directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}
