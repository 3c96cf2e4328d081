// Package eventfilter matches events against Lambda event-filtering patterns, the
// FilterCriteria of an event source mapping, as Lambda does before it batches records: a record
// reaches the function when it matches at least one of the patterns (or there are none).
//
// A pattern is a JSON object whose leaves are arrays of literals (string, number, true, false,
// null): the kind of pattern template.yaml has. Every key of the pattern must match (an object
// matches recursively); a leaf matches when one of its literals equals the field's value, or,
// for an array value, one of its elements. A content filter ({"prefix": ...} and the like) is
// refused when the pattern is compiled, so that a template the local stack cannot honour fails
// loudly.
package eventfilter

import (
	"encoding/json"
	"fmt"
)

// Filter is a compiled set of patterns, OR-ed.
type Filter struct{ patterns []map[string]any }

// Compile parses patterns (each a JSON object). No patterns match every event.
func Compile(patterns []string) (*Filter, error) {
	f := &Filter{}
	for i, p := range patterns {
		var m map[string]any
		if err := json.Unmarshal([]byte(p), &m); err != nil {
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
				if err := checkLiteral(m); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
			}
		default:
			return fmt.Errorf("%s: a leaf must be an array of matchers", k)
		}
	}
	return nil
}

func checkLiteral(m any) error {
	switch x := m.(type) {
	case map[string]any:
		for op := range x {
			return fmt.Errorf("content filter %q is not supported locally", op)
		}
		return fmt.Errorf("an empty object is not a matcher")
	case []any:
		return fmt.Errorf("an array is not a matcher")
	}
	return nil
}

// Match reports whether event (JSON) matches the filter.
func (f *Filter) Match(event []byte) (bool, error) {
	if f == nil || len(f.patterns) == 0 {
		return true, nil
	}
	var doc any
	if err := json.Unmarshal(event, &doc); err != nil {
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
			if !present || !matchLeaf(x, v) {
				return false
			}
		}
	}
	return true
}

// matchLeaf reports whether one of the literals equals the value (any element of an array).
// Literals are scalars (check), so == compares them; numbers compare by value, as both are
// float64.
func matchLeaf(literals []any, v any) bool {
	values := []any{v}
	if list, ok := v.([]any); ok {
		values = list
	}
	for _, l := range literals {
		for _, x := range values {
			if l == x {
				return true
			}
		}
	}
	return false
}
