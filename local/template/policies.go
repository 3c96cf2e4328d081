package template

import (
	"fmt"
	"path"
	"strings"
)

// Statement is one IAM policy statement of a function's Policies, evaluated.
type Statement struct {
	Effect string // "Allow" or "Deny"
	// Actions are "service:Operation" patterns, Resources ARN patterns ("*" and "?" wildcards).
	Actions, Resources []string
}

// Policies returns the statements of the function's inline policies (Policies entries of the
// form {Statement: [...]}) evaluated in ctx, in order. A policy the reader cannot check is an
// error naming it: a managed policy or a SAM policy template, whose statements live elsewhere,
// and a statement with NotAction, NotResource, Principal or Condition.
func (f Function) Policies(ctx Context) ([]Statement, error) {
	if f.tpl == nil {
		return nil, nil
	}
	raw, ok := f.policies.([]any)
	if !ok && f.policies != nil {
		raw = []any{f.policies}
	}
	e := newEvaluator(f.tpl, ctx)
	var out []Statement
	for i, p := range raw {
		m, isMap := p.(map[string]any)
		if !isMap || len(m) != 1 || m["Statement"] == nil {
			return nil, fmt.Errorf("function %s: Policies[%d]: only inline {Statement: [...]} policies are read, got %v", f.LogicalID, i, p)
		}
		stmts, err := e.statements(m["Statement"])
		if err != nil {
			return nil, fmt.Errorf("function %s: Policies[%d]: %w", f.LogicalID, i, err)
		}
		out = append(out, stmts...)
	}
	return out, nil
}

// Statements evaluates a policy document's Statement (one statement or a list) in ctx: the
// same reading as Policies, for a policy found elsewhere (a transformed template's role).
func (t *Template) Statements(ctx Context, v any) ([]Statement, error) {
	return newEvaluator(t, ctx).statements(v)
}

func (e *evaluator) statements(v any) ([]Statement, error) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	out := make([]Statement, 0, len(list))
	for i, s := range list {
		m, isMap := s.(map[string]any)
		if !isMap {
			return nil, fmt.Errorf("Statement[%d]: want a mapping, got %T", i, s)
		}
		for k := range m {
			if k != "Effect" && k != "Action" && k != "Resource" && k != "Sid" {
				return nil, fmt.Errorf("Statement[%d]: %s is not read by the local template reader", i, k)
			}
		}
		st := Statement{}
		var err error
		if st.Effect, err = e.optString(m, "Effect"); err != nil {
			return nil, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, fmt.Errorf("Statement[%d]: Effect %q", i, st.Effect)
		}
		if st.Actions, err = e.stringOrList(m["Action"]); err != nil {
			return nil, fmt.Errorf("Statement[%d].Action: %w", i, err)
		}
		if st.Resources, err = e.stringOrList(m["Resource"]); err != nil {
			return nil, fmt.Errorf("Statement[%d].Resource: %w", i, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// stringOrList evaluates v, one string or a list of them.
func (e *evaluator) stringOrList(v any) ([]string, error) {
	if v == nil {
		return nil, fmt.Errorf("missing")
	}
	r, err := e.eval(v)
	if err != nil {
		return nil, err
	}
	list, ok := r.([]any)
	if !ok {
		list = []any{r}
	}
	out := make([]string, len(list))
	for i, item := range list {
		if out[i], err = scalarString(item); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return out, nil
}

// Allows reports whether statements allow action on resource as IAM decides it for one
// identity policy: some Allow statement matches and no Deny statement does. Actions match
// case-insensitively, resources case-sensitively, both with "*" and "?" wildcards. An empty
// resource is a request with no ARN to name (an SMS to a phone number): only "*" matches it.
func Allows(statements []Statement, action, resource string) bool {
	allowed := false
	for _, s := range statements {
		if !matchesAny(s.Actions, action, true) || !matchesResource(s.Resources, resource) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func matchesResource(patterns []string, resource string) bool {
	if resource == "" {
		for _, p := range patterns {
			if p == "*" {
				return true
			}
		}
		return false
	}
	return matchesAny(patterns, resource, false)
}

func matchesAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch is IAM's matching: "*" any run of characters (slashes too), "?" one.
func wildcardMatch(pattern, s string) bool {
	// path.Match stops "*" at a slash; IAM does not, so slashes are matched as ordinary
	// characters by escaping nothing and replacing them first.
	const slash = "\x00"
	p := strings.ReplaceAll(pattern, "/", slash)
	ok, err := path.Match(escapeBrackets(p), strings.ReplaceAll(s, "/", slash))
	return err == nil && ok
}

// escapeBrackets keeps path.Match's character classes and escapes out of IAM patterns, which
// have none.
func escapeBrackets(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`)
	return r.Replace(p)
}
