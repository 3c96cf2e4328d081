package template

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// httpTemplate is a template with one function and one HttpApi event with path and method.
func httpTemplate(path, method string) []byte {
	p, _ := json.Marshal(path)
	m, _ := json.Marshal(method)
	return []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  FuzzFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Events:
        Route:
          Type: HttpApi
          Properties:
            Path: ` + string(p) + `
            Method: ` + string(m) + `
`)
}

// FuzzHTTPEventRoute parses an HttpApi event with any path and method: no panic; the route it
// yields has a path that begins with / (or none, for $default) and an upper-case method.
func FuzzHTTPEventRoute(f *testing.F) {
	for _, s := range []struct{ path, method string }{
		{"/v1/otp", "post"}, {"/v1/devices/{deviceId}", "DELETE"}, {"/v1/files/{path+}", "*"},
		{"", ""}, {"v1/no-slash", "GET"}, {"/v1/{a}/{b+}/{c}", "any"}, {"/\u00e9\x00", "\n"},
	} {
		f.Add(s.path, s.method)
	}
	f.Fuzz(func(t *testing.T, path, method string) {
		tpl, err := Parse(httpTemplate(path, method))
		if err != nil {
			return
		}
		for _, fn := range tpl.Functions() {
			for _, r := range fn.Routes {
				if r.Path != "" && !strings.HasPrefix(r.Path, "/") || r.Method != strings.ToUpper(r.Method) {
					t.Fatalf("Path %q Method %q gave route %q %q", path, method, r.Method, r.Path)
				}
			}
		}
	})
}

// FuzzParse parses any bytes as a template: an error or a template, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(httpTemplate("/v1/otp", "POST"))
	f.Add([]byte("Resources: {A: {Type: AWS::Serverless::Function, Properties: {Events: {E: {Type: HttpApi, Properties: {Path: !Sub '/${X}'}}}}}}"))
	f.Add([]byte("Parameters: {P: {Type: Number, Default: 1}}\nConditions: {C: !Equals [!Ref P, 1]}\nResources: {}"))
	f.Add([]byte("&a [*a, *a]"))
	f.Add(laughs())
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := Parse(data)
		if err != nil {
			return
		}
		_ = tpl.Functions()
		_, _ = tpl.Table()
	})
}

// laughs is the billion-laughs document: ten aliases of ten aliases, nine levels deep.
func laughs() []byte {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	return []byte(b.String())
}

// TestAliasesCannotExplode: a document that is its own ancestor, or that aliases of aliases
// multiply a billionfold, is refused, not expanded until the stack or the memory runs out.
func TestAliasesCannotExplode(t *testing.T) {
	for name, doc := range map[string][]byte{"cycle": []byte("&a [*a, *a]"), "laughs": laughs()} {
		if _, err := Parse(doc); err == nil || !strings.Contains(err.Error(), "too far") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
