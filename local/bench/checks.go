package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// hashesPerSignup is how many argon2id hashes one signup computes: the login password, the
// payment password and three security answers (shared/signup).
const hashesPerSignup = 5

// measureArgon2 times one argon2id hash at the configured parameters (shared/secret with
// config's Argon2Params): the median of runs, after one unrecorded.
func measureArgon2(cfg config.Config, runs int) (Argon2, error) {
	p := cfg.Argon2Params()
	h := secret.NewHasher(p, nil, cfg.Pepper)
	ds := make([]time.Duration, 0, runs)
	for i := -1; i < runs; i++ {
		start := time.Now()
		if _, err := h.Hash("violet-harbor-seventy-2"); err != nil {
			return Argon2{}, err
		}
		if i >= 0 {
			ds = append(ds, time.Since(start))
		}
	}
	return Argon2{MemoryKiB: p.Memory, Time: p.Time, Threads: p.Threads, Runs: runs,
		Median: ms(median(ds)), PerSignup: hashesPerSignup}, nil
}

// findScans looks through the non-test Go files of functions/ and shared/ for DynamoDB Scan
// calls: any use of dynamodb.ScanInput or NewScanPaginator (a Scan cannot be made without one).
func findScans(root string) (ScanResult, error) {
	res := ScanResult{Calls: []string{}}
	fset := token.NewFileSet()
	for _, dir := range []string{"functions", "shared"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			res.Files++
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "ScanInput" || sel.Sel.Name == "NewScanPaginator") {
					pos := fset.Position(sel.Pos())
					rel, _ := filepath.Rel(root, pos.Filename)
					res.Calls = append(res.Calls, rel+":"+strconv.Itoa(pos.Line))
				}
				return true
			})
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}
