package main

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
		if !hasGoPackage(filepath.Join(root, filepath.FromSlash(fn.Dir))) {
			out[i].skipped = fn.Dir + " has no Go package yet"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i].bootstrap, errs[i] = buildOne(ctx, root, fn)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func buildOne(ctx context.Context, root string, fn template.Function) (string, error) {
	bootstrap := filepath.Join(root, ".local", "bin", fn.LogicalID, "bootstrap")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", bootstrap, "./"+fn.Dir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s (./%s): %w\n%s", fn.LogicalID, fn.Dir, err, strings.TrimSpace(string(out)))
	}
	return bootstrap, nil
}

// hasGoPackage reports whether dir holds a non-test Go file.
func hasGoPackage(dir string) bool {
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
