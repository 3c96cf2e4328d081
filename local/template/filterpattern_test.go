package template

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// A minimal evaluator of CloudWatch Logs JSON filter patterns, the subset template.yaml's metric
// filters use, so that a test can hold each filter to the lines the functions write:
//
//	{ $.a.b = "text" && ($.c != "x*" || $.n = 3) }
//
// Selectors are $. followed by dotted member names; = and != compare with a quoted string (where
// * matches any run of characters, as CloudWatch's wildcard does) or a number. A selector that
// names no string or number member never matches, with either operator. && binds tighter
// than ||; parentheses group. Anything else is a syntax error, never a silent non-match.
type filterExpr interface {
	match(doc map[string]any) bool
}

type (
	filterAnd  struct{ l, r filterExpr }
	filterOr   struct{ l, r filterExpr }
	filterComp struct {
		path   []string
		negate bool
		str    *string
		num    *float64
	}
)

func (e filterAnd) match(doc map[string]any) bool { return e.l.match(doc) && e.r.match(doc) }
func (e filterOr) match(doc map[string]any) bool  { return e.l.match(doc) || e.r.match(doc) }

func (e filterComp) match(doc map[string]any) bool {
	v, ok := selectJSON(doc, e.path)
	if !ok {
		return false
	}
	var eq bool
	switch x := v.(type) {
	case string:
		eq = e.str != nil && wildcard(*e.str, x)
	case float64:
		eq = e.num != nil && *e.num == x
	default:
		return false
	}
	return eq != e.negate
}

// selectJSON returns the member path names in doc.
func selectJSON(doc map[string]any, path []string) (any, bool) {
	var v any = doc
	for _, name := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

// wildcard matches s against pattern, where * stands for any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// matchFilter reports whether the JSON log line matches pattern.
func matchFilter(pattern string, line []byte) (bool, error) {
	e, err := parseFilter(pattern)
	if err != nil {
		return false, err
	}
	var doc map[string]any
	if json.Unmarshal(line, &doc) != nil {
		return false, nil // a JSON pattern never matches a line that is not a JSON object
	}
	return e.match(doc), nil
}

func parseFilter(pattern string) (filterExpr, error) {
	p := strings.TrimSpace(pattern)
	if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
		return nil, fmt.Errorf("not a JSON filter pattern (want { … }): %q", pattern)
	}
	toks, err := filterTokens(p[1 : len(p)-1])
	if err != nil {
		return nil, err
	}
	fp := &filterParser{toks: toks}
	e, err := fp.or()
	if err != nil {
		return nil, err
	}
	if fp.i != len(toks) {
		return nil, fmt.Errorf("unexpected %q in %q", toks[fp.i], pattern)
	}
	return e, nil
}

// filterTokens splits a pattern's body into selectors, operators, parentheses and values.
func filterTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case strings.HasPrefix(s[i:], "&&"), strings.HasPrefix(s[i:], "||"), strings.HasPrefix(s[i:], "!="):
			toks = append(toks, s[i:i+2])
			i += 2
		case c == '=':
			toks = append(toks, "=")
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("unclosed string in %q", s)
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t()=!&|\"", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q in %q", s[i:], s)
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type filterParser struct {
	toks []string
	i    int
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) next() string { t := p.peek(); p.i++; return t }

func (p *filterParser) or() (filterExpr, error) {
	l, err := p.and()
	for err == nil && p.peek() == "||" {
		p.next()
		var r filterExpr
		if r, err = p.and(); err == nil {
			l = filterOr{l, r}
		}
	}
	return l, err
}

func (p *filterParser) and() (filterExpr, error) {
	l, err := p.term()
	for err == nil && p.peek() == "&&" {
		p.next()
		var r filterExpr
		if r, err = p.term(); err == nil {
			l = filterAnd{l, r}
		}
	}
	return l, err
}

func (p *filterParser) term() (filterExpr, error) {
	if p.peek() == "(" {
		p.next()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("unclosed parenthesis")
		}
		return e, nil
	}
	sel := p.next()
	path, ok := strings.CutPrefix(sel, "$.")
	if !ok || path == "" {
		return nil, fmt.Errorf("want a selector $.name, got %q", sel)
	}
	c := filterComp{path: strings.Split(path, ".")}
	switch op := p.next(); op {
	case "=":
	case "!=":
		c.negate = true
	default:
		return nil, fmt.Errorf("want = or != after %s, got %q", sel, op)
	}
	v := p.next()
	if s, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
		c.str = &s
	} else if n, err := strconv.ParseFloat(v, 64); err == nil {
		c.num = &n
	} else {
		return nil, fmt.Errorf("want a quoted string or a number after %s %s, got %q", sel, "=", v)
	}
	return c, nil
}

// TestFilterPatternEvaluator: the evaluator the metric-filter test relies on matches and refuses
// what CloudWatch would, and refuses to guess at a pattern it does not understand.
func TestFilterPatternEvaluator(t *testing.T) {
	line := []byte(`{"level":"ERROR","msg":"request","code":"sms_unavailable","status":503,"calls":{"sns":1}}`)
	cases := map[string]bool{
		`{ $.code = "sms_unavailable" }`:                                         true,
		`{ $.code = "internal" }`:                                                false,
		`{ $.code != "internal" }`:                                               true,
		`{ $.code != "sms_unavailable" }`:                                        false,
		`{ $.missing != "x" }`:                                                   false,
		`{ $.status = 503 }`:                                                     true,
		`{ $.status = "503" }`:                                                   false,
		`{ $.calls.sns = 1 }`:                                                    true,
		`{ $.code = "sms_*" }`:                                                   true,
		`{ $.code = "*_unavailable" }`:                                           true,
		`{ $.code = "email*" }`:                                                  false,
		`{ $.level = "ERROR" && $.code = "internal" }`:                           false,
		`{ $.code = "internal" || $.code = "sms_unavailable" }`:                  true,
		`{ $.code = "x" || $.code = "y" && $.level = "ERROR" }`:                  false,
		`{ ($.code = "x" || $.code = "sms_unavailable") && $.level = "ERROR" }`:  true,
		`{ $.code = "sms_unavailable" && ($.level = "INFO" || $.status = 503) }`: true,
	}
	for pattern, want := range cases {
		got, err := matchFilter(pattern, line)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", pattern, got, err, want)
		}
	}
	if ok, err := matchFilter(`{ $.code = "x" }`, []byte(`code=x`)); ok || err != nil {
		t.Errorf("a line that is not JSON: %v, %v", ok, err)
	}
	for _, bad := range []string{`$.code = "x"`, `{ code = "x" }`, `{ $.code }`, `{ $.code > 3 }`, `{ $.code = x }`,
		`{ ($.code = "x" }`, `{ $.code = "x" && }`, `{ $.code = "x }`, `{ $.code = "x" $.level = "y" }`} {
		if _, err := matchFilter(bad, line); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}
