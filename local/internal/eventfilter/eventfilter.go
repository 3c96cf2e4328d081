// Package eventfilter matches events against Lambda event-filtering patterns, the
// FilterCriteria of an event source mapping, as Lambda does before it batches records: a record
// reaches the function when it matches at least one of the patterns (or there are none).
//
// A pattern is a JSON object whose leaves are arrays of matchers. Every key of the pattern must
// match (an object matches recursively); a leaf matches when one of its matchers matches the
// field's value, or, for an array value, one of its elements. Matchers: a literal (string,
// number, true, false, null), or one content filter: {"prefix": "s"}, {"suffix": "s"},
// {"equals-ignore-case": "s"}, {"exists": bool}, {"anything-but": literal or [literals]},
// {"numeric": [op, n, (op, n)]} with op one of = < <= > >=. Anything else is refused when the
// pattern is compiled, so that a template the local stack cannot honour fails loudly.
package eventfilter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Filter is a compiled set of patterns, OR-ed.
type Filter struct{ patterns []map[string]any }

// Compile parses patterns (each a JSON object). No patterns match every event.
func Compile(patterns []string) (*Filter, error) {
	f := &Filter{}
	for i, p := range patterns {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(p))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("filter pattern %d: not a JSON object: %w", i, err)
		}
		if err := check(m); err != nil {
			return nil, fmt.Errorf("filter pattern %d: %w", i, err)
		}
		f.patterns = append(f.patterns, m)
	}
	return f, nil
}

// check refuses what Match does not understand.
func check(p map[string]any) error {
	for k, v := range p {
		switch x := v.(type) {
		case map[string]any:
			if err := check(x); err != nil {
				return fmt.Errorf("%s.%w", k, err)
			}
		case []any:
			for _, m := range x {
				if err := checkMatcher(m); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
			}
		default:
			return fmt.Errorf("%s: a leaf must be an array of matchers", k)
		}
	}
	return nil
}

func checkMatcher(m any) error {
	obj, ok := m.(map[string]any)
	if !ok {
		return nil // a literal
	}
	if len(obj) != 1 {
		return fmt.Errorf("a content filter has exactly one key")
	}
	for op, arg := range obj {
		switch op {
		case "prefix", "suffix", "equals-ignore-case":
			if _, ok := arg.(string); !ok {
				return fmt.Errorf("%s takes a string", op)
			}
		case "exists":
			if _, ok := arg.(bool); !ok {
				return fmt.Errorf("exists takes true or false")
			}
		case "anything-but":
			if _, isObj := arg.(map[string]any); isObj {
				return fmt.Errorf("anything-but with a content filter is not supported locally")
			}
		case "numeric":
			if _, err := numericRange(arg); err != nil {
				return err
			}
		default:
			return fmt.Errorf("content filter %q is not supported locally", op)
		}
	}
	return nil
}

// Match reports whether event (JSON) matches the filter.
func (f *Filter) Match(event []byte) (bool, error) {
	if f == nil || len(f.patterns) == 0 {
		return true, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return false, fmt.Errorf("event is not JSON: %w", err)
	}
	for _, p := range f.patterns {
		if matchObject(p, doc) {
			return true, nil
		}
	}
	return false, nil
}

func matchObject(p map[string]any, doc any) bool {
	obj, _ := doc.(map[string]any)
	for k, pv := range p {
		v, present := obj[k]
		switch x := pv.(type) {
		case map[string]any:
			if !present || !matchObject(x, v) {
				return false
			}
		case []any:
			if !matchLeaf(x, v, present) {
				return false
			}
		}
	}
	return true
}

// matchLeaf reports whether one of the matchers matches the value (any element of an array).
func matchLeaf(matchers []any, v any, present bool) bool {
	values := []any{v}
	if list, ok := v.([]any); ok {
		values = list
	}
	for _, m := range matchers {
		if obj, ok := m.(map[string]any); ok {
			if exists, ok := obj["exists"].(bool); ok {
				if exists == present {
					return true
				}
				continue
			}
		}
		if !present {
			continue
		}
		for _, x := range values {
			if matchOne(m, x) {
				return true
			}
		}
	}
	return false
}

func matchOne(m, v any) bool {
	obj, isFilter := m.(map[string]any)
	if !isFilter {
		return equal(m, v)
	}
	s, isString := v.(string)
	for op, arg := range obj {
		switch op {
		case "prefix":
			return isString && strings.HasPrefix(s, arg.(string))
		case "suffix":
			return isString && strings.HasSuffix(s, arg.(string))
		case "equals-ignore-case":
			return isString && strings.EqualFold(s, arg.(string))
		case "anything-but":
			if list, ok := arg.([]any); ok {
				for _, a := range list {
					if equal(a, v) {
						return false
					}
				}
				return true
			}
			return !equal(arg, v)
		case "numeric":
			r, _ := numericRange(arg)
			n, ok := number(v)
			return ok && r.contains(n)
		}
	}
	return false
}

// equal compares two literals; numbers by value.
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return a == b
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

type bound struct {
	op string
	n  float64
}

type numRange []bound

func numericRange(arg any) (numRange, error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return nil, fmt.Errorf("numeric takes [op, n] or [op, n, op, n]")
	}
	var r numRange
	for i := 0; i < len(list); i += 2 {
		op, _ := list[i].(string)
		n, ok := number(list[i+1])
		if !ok || !strings.Contains(" = < <= > >= ", " "+op+" ") {
			return nil, fmt.Errorf("numeric: bad operator or number")
		}
		r = append(r, bound{op, n})
	}
	return r, nil
}

func (r numRange) contains(x float64) bool {
	for _, b := range r {
		ok := false
		switch b.op {
		case "=":
			ok = x == b.n
		case "<":
			ok = x < b.n
		case "<=":
			ok = x <= b.n
		case ">":
			ok = x > b.n
		case ">=":
			ok = x >= b.n
		}
		if !ok {
			return false
		}
	}
	return true
}
