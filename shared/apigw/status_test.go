package apigw

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// accountCodes lists every constant of type Code declared in shared/account's source, by name,
// so a code added there without a status here fails TestEveryCodeHasAStatus.
func accountCodes(t *testing.T) map[string]account.Code {
	t.Helper()
	dir := filepath.Join("..", "account")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]account.Code{}
	fset := token.NewFileSet()
	for _, entry := range entries {
		name := entry.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		collectCodes(t, file, codes)
	}
	return codes
}

func collectCodes(t *testing.T, file *ast.File, codes map[string]account.Code) {
	t.Helper()
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if !isCodeSpec(vs) {
				continue
			}
			for i, name := range vs.Names {
				codes[name.Name] = account.Code(constString(t, name.Name, vs.Values[i]))
			}
		}
	}
}

// isCodeSpec reports whether vs declares constants of type Code: "X Code = ..." or "X = Code(...)".
func isCodeSpec(vs *ast.ValueSpec) bool {
	if id, ok := vs.Type.(*ast.Ident); ok {
		return id.Name == "Code"
	}
	if vs.Type != nil || len(vs.Values) == 0 {
		return false
	}
	call, ok := vs.Values[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == "Code"
}

func constString(t *testing.T, name string, expr ast.Expr) string {
	t.Helper()
	if call, ok := expr.(*ast.CallExpr); ok && len(call.Args) == 1 {
		expr = call.Args[0]
	}
	lit, ok := expr.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Fatalf("code %s: value is not a string literal; teach this test to read it", name)
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatalf("code %s: %v", name, err)
	}
	return s
}

func TestEveryCodeHasAStatus(t *testing.T) {
	codes := accountCodes(t)
	if len(codes) < 20 {
		t.Fatalf("found only %d codes in shared/account; is the parser still reading the source?", len(codes))
	}
	for name, code := range codes {
		o, ok := outcomes[code]
		if !ok {
			t.Errorf("account.%s (%q) has no HTTP status in apigw's table", name, code)
			continue
		}
		if http.StatusText(o.status) == "" || o.status < 400 {
			t.Errorf("account.%s: status %d is not an error status", name, o.status)
		}
		if o.title == "" {
			t.Errorf("account.%s: no title", name)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		code account.Code
		want int
	}{
		{account.CodeMalformedJSON, 400},
		{account.CodeUnknownField, 400},
		{account.CodeInvalidType, 400},
		{account.CodeMissingField, 400},
		{account.CodeInvalidField, 400},
		{account.CodeBodyTooLarge, 413},
		{account.CodeUnsupportedMedia, 415},
		{account.CodeRouteNotFound, 404},
		{account.CodeChallengeNotFound, 404},
		{account.CodeChallengeExpired, 410},
		{account.CodeConflict, 409},
		{account.CodeChallengeUsed, 409},
		{account.CodeIdempotencyReuse, 409},
		{account.CodeRateLimited, 429},
		{account.CodeResendTooSoon, 429},
		{account.CodeTooManyAttempts, 429},
		{account.CodeSMSUnavailable, 503},
		{account.CodeSMSBudgetExhausted, 503},
		{account.CodeUnavailable, 503},
		{account.CodeInvalidPhone, 400},
		{account.CodeUnsupportedRegion, 400},
		{account.CodeInvalidPurpose, 400},
		{account.CodeInvalidCode, 400},
		{account.CodeInvalidToken, 400},
		{account.CodeInternal, 500},
		{account.Code("no_such_code"), 500},
	}
	for _, tt := range tests {
		if got := Status(tt.code); got != tt.want {
			t.Errorf("Status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestCollectCodesReadsBothForms(t *testing.T) {
	src := `package account
type Code string
const (
	CodeA Code = "a"
	CodeB = Code("b")
	notACode = "x"
	CodeC, CodeD Code = "c", "d"
)
const Max = 3
`
	file, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]account.Code{}
	collectCodes(t, file, got)
	want := map[string]account.Code{"CodeA": "a", "CodeB": "b", "CodeC": "c", "CodeD": "d"}
	if len(got) != len(want) {
		t.Fatalf("codes = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
