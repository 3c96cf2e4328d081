package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// TestTemplateRoutesMatchOpenAPI: every route the template deploys is documented, and every
// documented operation is deployed: the public API's in openapi.yaml, the internal (AWS_IAM)
// API's in openapi-internal.yaml. Each documents 500 and 503, which any route answers when a
// dependency fails (the fault suite in local/faults) or its REQUEST_TIMEOUT passes.
func TestTemplateRoutesMatchOpenAPI(t *testing.T) {
	for doc, internal := range map[string]bool{"openapi.yaml": false, "openapi-internal.yaml": true} {
		t.Run(doc, func(t *testing.T) { checkDocumentedRoutes(t, "../../"+doc, internal) })
	}
}

func checkDocumentedRoutes(t *testing.T, file string, internal bool) {
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is invalid: %v", file, err)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if op.Responses.Status(500) == nil || op.Responses.Status(503) == nil {
				t.Errorf("%s %s does not document 500 and 503", strings.ToUpper(method), path)
			}
		}
	}
	deployed := templateRoutes(t, internal)
	slices.Sort(documented)
	slices.Sort(deployed)
	if !slices.Equal(documented, deployed) {
		t.Fatalf("template.yaml routes %v\n%s operations %v", deployed, file, documented)
	}
}

// templateRoutes are the template's routes of the internal (AWS_IAM) APIs, or of the others.
func templateRoutes(t *testing.T, internal bool) []string {
	t.Helper()
	tpl, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, fn := range tpl.Functions() {
		for _, ev := range fn.Events {
			if ev.HTTP != nil && tpl.IAMAuthorized(ev.HTTP.API.LogicalID) == internal {
				routes = append(routes, ev.HTTP.Method+" "+ev.HTTP.Path)
			}
		}
	}
	return routes
}

// TestOpenAPIPasswordLengthsAreTheServers: every new login password the contract describes has the
// server's bounds (secret.MinPasswordRunes to MaxPasswordRunes), so a client that validates
// against openapi.yaml never sends one the server refuses for its length.
func TestOpenAPIPasswordLengthsAreTheServers(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			props := op.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties
			for _, name := range []string{"loginPassword", "newPassword"} {
				p, ok := props[name]
				if !ok || name == "loginPassword" && path != "/v1/accounts" { // elsewhere it is the current one
					continue
				}
				n++
				if p.Value.MinLength != secret.MinPasswordRunes || p.Value.MaxLength == nil || *p.Value.MaxLength != secret.MaxPasswordRunes {
					t.Errorf("%s %s %s: length %d to %v, want %d to %d", strings.ToUpper(method), path, name,
						p.Value.MinLength, p.Value.MaxLength, secret.MinPasswordRunes, secret.MaxPasswordRunes)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no login password in openapi.yaml: did the fields move?")
	}
}

// TestSecurityNamesRealTests: every test SECURITY.md names as proof of a control is a test
// function of this module, so the table cannot cite a test that was renamed or never written.
func TestSecurityNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("../../SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		for _, m := range testFunc.FindAllSubmatch(src, -1) {
			defined[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	named := citedTest.FindAllStringSubmatch(string(doc), -1)
	if len(named) < 50 {
		t.Fatalf("found only %d test names in SECURITY.md", len(named))
	}
	for _, m := range named {
		if !defined[m[1]] {
			t.Errorf("SECURITY.md cites %s, which no _test.go file defines", m[1])
		}
	}
}

var (
	testFunc  = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`)
	citedTest = regexp.MustCompile("`((?:Test|Fuzz)\\w+)`")
)
