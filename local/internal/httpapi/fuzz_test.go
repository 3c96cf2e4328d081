package httpapi

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// FuzzRouteMatch routes any method and path with the template's own routes, as the local API
// does (Server.route), and checks: no panic; a parameter segment never matches empty; and, for
// paths without percent-encoding and upper-case methods, the functions' own router
// (apigw.Router, matching by path as for a $default route) picks the same route with the same
// parameters — the two stand-ins for API Gateway's routing agree.
func FuzzRouteMatch(f *testing.F) {
	tpl, err := template.Load("../../../template.yaml")
	if err != nil {
		f.Fatal(err)
	}
	var routes []Route
	for _, fn := range tpl.Functions() {
		for _, r := range fn.Routes {
			routes = append(routes, Route{Method: r.Method, Path: r.Path, Function: fn.LogicalID})
		}
	}
	s, err := New(routes, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range routes {
		f.Add(r.Method, strings.NewReplacer("{deviceId}", "device-0001", "{cardId}", "abc", "{changeId}", "a.b").Replace(r.Path))
	}
	f.Add("GET", "/v1//account")
	f.Add("DELETE", "/v1/devices/a%2Fb")
	f.Add("POST", "/v1/phone-changes//confirm")
	f.Fuzz(func(t *testing.T, method, path string) {
		c, params, ok := s.route(method, path)
		if ok {
			for _, seg := range c.segments {
				if seg.kind == param && params[seg.value] == "" {
					t.Fatalf("%s %s matched %s with an empty {%s}", method, path, c.Key(), seg.value)
				}
			}
		}
		if strings.Contains(path, "%") || !strings.HasPrefix(path, "/") || method != strings.ToUpper(method) {
			return
		}
		gotKey, gotParams := routeOf(routes, method, path)
		want := ""
		if ok {
			want = c.Key()
		}
		if gotKey != want || ok && !sameParams(gotParams, params) {
			t.Fatalf("%s %s: the local API routes to %q %v, the function's router to %q %v", method, path, want, params, gotKey, gotParams)
		}
	})
}

// FuzzCompile compiles any route and matches any path against it: no panic; a route without
// parameters matches its own path and, of the paths the server passes (they begin with /), only
// the ones that unescape to it.
func FuzzCompile(f *testing.F) {
	for _, s := range []struct{ method, route, path string }{
		{"POST", "/v1/otp", "/v1/otp"},
		{"ANY", "/v1/files/{path+}", "/v1/files/a/b"},
		{"GET", "/v1/{a}/{b+}/c", "/v1/x/y"},
		{"", "", "/anything"},
		{"GET", "v1/no-slash", "v1/no-slash"},
	} {
		f.Add(s.method, s.route, s.path)
	}
	f.Fuzz(func(t *testing.T, method, route, path string) {
		c, err := compile(Route{Method: method, Path: route, Function: "Fn"})
		if err != nil {
			return
		}
		params, ok := c.match(method, path)
		if ok && !c.fallback && len(params) == 0 && !strings.Contains(route, "{") && strings.HasPrefix(path, "/") {
			if u, err := url.PathUnescape(path); err == nil && u != route {
				t.Fatalf("route %q matched path %q", route, path)
			}
		}
		if !strings.Contains(route, "{") && strings.HasPrefix(route, "/") && method != "" {
			if _, ok := c.match(method, route); !ok && !strings.Contains(route, "%") {
				t.Fatalf("route %s %q does not match its own path", method, route)
			}
		}
	})
}

// routeOf is the route key and the path parameters apigw.Router gives a $default request.
func routeOf(routes []Route, method, path string) (key string, params map[string]string) {
	handlers := map[string]apigw.HandlerFunc{}
	for _, r := range routes {
		handlers[r.Key()] = func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			key, params = r.Key(), req.PathParameters
			return apigw.NoContent(), nil
		}
	}
	_, _ = apigw.NewRouter(nil, handlers).Handle(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: path,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path}}})
	return key, params
}

func sameParams(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
