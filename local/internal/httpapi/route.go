package httpapi

import (
	"fmt"
	"net/url"
	"strings"
)

// Route sends requests matching Method and Path to Function.
type Route struct {
	// Method is upper case, or "ANY". Method and Path both empty make the $default route.
	Method string
	// Path may hold {name} segments and a final greedy {name+}.
	Path     string
	Function string
}

// Key is API Gateway's route key: "POST /v1/otp", or "$default".
func (r Route) Key() string {
	if r.Method == "" && r.Path == "" {
		return "$default"
	}
	return r.Method + " " + r.Path
}

// segment kinds, in order of precedence when several routes match.
const (
	greedy = iota
	param
	literal
)

type segment struct {
	kind  int
	value string // the literal, or the parameter name
}

// compiled is a Route ready for matching.
type compiled struct {
	Route
	segments []segment
	fallback bool // $default
}

func compile(r Route) (compiled, error) {
	c := compiled{Route: r}
	if r.Key() == "$default" {
		c.fallback = true
		return c, nil
	}
	if !strings.HasPrefix(r.Path, "/") {
		return c, fmt.Errorf("route %s: path must start with /", r.Key())
	}
	parts := splitPath(r.Path)
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return c, fmt.Errorf("route %s: a greedy {%s} must be the last segment", r.Key(), p)
			}
			c.segments = append(c.segments, segment{greedy, p[1 : len(p)-2]})
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			c.segments = append(c.segments, segment{param, p[1 : len(p)-1]})
		default:
			c.segments = append(c.segments, segment{literal, p})
		}
	}
	return c, nil
}

// match reports whether the route takes method and the (escaped) path, with its path
// parameters (decoded).
func (c compiled) match(method, escapedPath string) (map[string]string, bool) {
	if c.fallback {
		return nil, true
	}
	if c.Method != "ANY" && c.Method != method {
		return nil, false
	}
	parts := splitPath(escapedPath)
	params := map[string]string{}
	for i, s := range c.segments {
		if s.kind == greedy {
			if i >= len(parts) {
				return nil, false
			}
			rest, err := url.PathUnescape(strings.Join(parts[i:], "/"))
			if err != nil {
				return nil, false
			}
			params[s.value] = rest
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		v, err := url.PathUnescape(parts[i])
		if err != nil {
			return nil, false
		}
		switch {
		case s.kind == literal && v != s.value:
			return nil, false
		case s.kind == param:
			if v == "" {
				return nil, false
			}
			params[s.value] = v
		}
	}
	if len(parts) != len(c.segments) {
		return nil, false
	}
	return params, true
}

// moreSpecific reports whether a should win over b when both match: any route over
// $default, then segment by segment literal over {param} over {greedy+}, then a route with
// more segments, then an exact method over ANY.
func moreSpecific(a, b compiled) bool {
	if a.fallback != b.fallback {
		return b.fallback
	}
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if a.segments[i].kind != b.segments[i].kind {
			return a.segments[i].kind > b.segments[i].kind
		}
	}
	if len(a.segments) != len(b.segments) {
		return len(a.segments) > len(b.segments)
	}
	return a.Method != "ANY" && b.Method == "ANY"
}

// splitPath splits "/a/b" into ["a", "b"]; "/" gives none.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
