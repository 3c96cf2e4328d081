// Package fidelity holds the local stack against AWS's own tools (make test runs its tests):
//
//   - sam_test.go: template.yaml through the official SAM transform (samtranslator, run by
//     sam_translate.py) gives the functions, settings, routes, event sources and policies that
//     local/template reads;
//   - rie_test.go: each function's bootstrap answers one event under the official Lambda
//     Runtime Interface Emulator (aws-lambda-rie, installed by make deps);
//   - calls.go: every AWS call a function made through the stack (its call log, local/stack)
//     is allowed by that function's policies in template.yaml; local/e2e checks it after the
//     end-to-end suite (TestZZPoliciesAllowEveryCall).
package fidelity

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/wallet-accounts/wallet/local/template"
)

// Call is one line of the stack's call log: a function asked IAM for Action on Resource
// (empty: a request with no ARN, an SMS to a phone number), for the SDK operation Call
// ("DynamoDB.TransactWriteItems").
type Call struct {
	Function string `json:"function"`
	Call     string `json:"call"`
	Action   string `json:"action"`
	Resource string `json:"resource"`
}

// ReadCalls reads a call log (JSON lines).
func ReadCalls(path string) ([]Call, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read call log: %w", err)
	}
	defer f.Close()
	var calls []Call
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("call log %s: %w", path, err)
		}
		calls = append(calls, c)
	}
	return calls, sc.Err()
}

// Denied returns, sorted, each call that the calling function's policies in tpl (evaluated in
// ctx, the stack's names for the resources) do not allow, with why; an error when a
// function's policies cannot be read.
func Denied(tpl *template.Template, ctx template.Context, calls []Call) ([]string, error) {
	policies := map[string][]template.Statement{}
	for _, fn := range tpl.Functions() {
		stmts, err := fn.Policies(ctx)
		if err != nil {
			return nil, err
		}
		policies[fn.LogicalID] = stmts
	}
	var denied []string
	for _, c := range calls {
		stmts, ok := policies[c.Function]
		if !ok {
			denied = append(denied, fmt.Sprintf("%s: not a function of template.yaml (%s)", c.Function, c.Call))
			continue
		}
		if !template.Allows(stmts, c.Action, c.Resource) {
			res := c.Resource
			if res == "" {
				res = "(no ARN)"
			}
			denied = append(denied, fmt.Sprintf("%s: %s on %s (for %s) is not allowed by its Policies in template.yaml",
				c.Function, c.Action, res, c.Call))
		}
	}
	sort.Strings(denied)
	return denied, nil
}
