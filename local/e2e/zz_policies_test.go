package e2e

// This file's name puts its test after every other of the package (Go runs a package's tests
// file by file in name order), so the call log holds what the whole suite made the functions do.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wallet-accounts/wallet/local/fidelity"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/local/template"
)

// TestZZPoliciesAllowEveryCall holds every DynamoDB, SNS and SES request a function made during
// the suite (the stack's call log: the IAM action and resource of each, a transaction's items
// one by one) against that function's Policies in template.yaml. DynamoDB Local and moto check
// no permission, so a missing one fails here rather than on the first deploy.
func TestZZPoliciesAllowEveryCall(t *testing.T) {
	s := stacktest.Config(t)
	path := os.Getenv(stack.EnvCalls)
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(stack.EnvCalls + " unset: make test runs the stack with its call log")
		}
		t.Skip(stack.EnvCalls + " unset: the stack keeps no call log (host test -record-calls=false)")
	}
	calls, err := fidelity.ReadCalls(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatalf("%s is empty: the suite made no function call AWS", path)
	}
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := stack.Environment{Template: tpl, Table: s.Table}.TemplateContext()
	for id := range tpl.Resources { // resources the stack has no stand-in for (the failures queue)
		if _, ok := ctx.Attrs[id+".Arn"]; !ok {
			ctx.Attrs[id+".Arn"] = "arn:aws:local:" + stack.Region + ":" + stack.AccountID + ":" + id
		}
	}
	denied, err := fidelity.Denied(tpl, ctx, calls)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range denied {
		t.Error(d)
	}
	fns := map[string]bool{}
	for _, c := range calls {
		fns[c.Function] = true
	}
	t.Logf("%d distinct requests of %d functions checked against their policies", len(calls), len(fns))
}
