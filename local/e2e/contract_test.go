package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wallet-accounts/wallet/local/template"
)

// TestTemplateRoutesMatchOpenAPI: every route the template deploys is documented, and every
// documented operation is deployed. Each documents 500 and 503, which any route answers when a
// dependency fails (the fault suite in local/faults) or its REQUEST_TIMEOUT passes.
func TestTemplateRoutesMatchOpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
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
	deployed := templateRoutes(t)
	slices.Sort(documented)
	slices.Sort(deployed)
	if !slices.Equal(documented, deployed) {
		t.Fatalf("template.yaml routes %v\nopenapi.yaml operations %v", deployed, documented)
	}
}

func templateRoutes(t *testing.T) []string {
	t.Helper()
	tpl, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, fn := range tpl.Functions() {
		for _, r := range fn.Routes {
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	return routes
}
