package apigw

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"encoding/base64"
	"github.com/wallet-accounts/wallet/shared/account"
	"unicode/utf8"
)

// fuzzBody has a field of every JSON kind the routes' request structs use.
type fuzzBody struct {
	S  string            `json:"s"`
	N  int               `json:"n"`
	F  float64           `json:"f"`
	B  bool              `json:"b"`
	P  *device           `json:"p"`
	L  []device          `json:"l"`
	M  map[string]string `json:"m"`
	SS []string          `json:"ss"`
}

// FuzzDecode: whatever the body, content type and encoding, Decode accepts the request or refuses
// it with a 4xx *account.Error that renders as a problem document; it never panics and never
// answers 500.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct {
		body, contentType string
		b64               bool
	}{
		{`{"s":"x","n":1,"f":1.5,"b":true,"p":{"id":"d","name":"n"},"l":[{"id":"a"}],"m":{"k":"v"},"ss":["a"]}`, "application/json", false},
		{`{"s":"x"} {"s":"y"}`, "", false},
		{`{"n":1e400}`, "application/json; charset=utf-8", false},
		{`{"p":[]}`, "application/x-www-form-urlencoded", false},
		{`eyJzIjoieCJ9`, "application/json", true},
		{"{\"s\":\"\xff\"}", "text/plain", false},
		{`{"unknown\u0000field":1}`, "application/json", false},
		{`[` + strings.Repeat(`[`, 10000), "", false},
		{"{\"s\":\"\xff\xfe\"}", "application/json", false},
		{`{"s":"\ud800"}`, "application/json", false},
		{`{"s":"x","s":"y"}`, "application/json", false},
		{`{"p":{"id":"a","\u0069d":"b"}}`, "application/json", false},
	} {
		f.Add(s.body, s.contentType, s.b64)
	}
	f.Fuzz(func(t *testing.T, body, contentType string, b64 bool) {
		req := events.APIGatewayV2HTTPRequest{Body: body, IsBase64Encoded: b64, Headers: map[string]string{"content-type": contentType}}
		var dst fuzzBody
		err := Decode(req, &dst)
		if err == nil {
			raw := []byte(body)
			if b64 {
				raw, _ = base64.StdEncoding.DecodeString(body)
			}
			if !utf8.Valid(raw) {
				t.Fatalf("Decode accepted a body that is not UTF-8: %q", raw)
			}
			return
		}
		e, ok := account.As(err)
		if !ok || Status(e.Code)/100 != 4 {
			t.Fatalf("Decode(%q, %q, %v) = %v; want a 4xx *account.Error", body, contentType, b64, err)
		}
		if resp := Problem(e); resp.StatusCode/100 != 4 || !json.Valid([]byte(resp.Body)) {
			t.Fatalf("problem %d %s", resp.StatusCode, resp.Body)
		}
	})
}

// FuzzRouter: whatever the method, path, stage and route key, the router answers the route that
// matches (with non-empty path parameters) or 404 route_not_found; never a panic, never a 500.
func FuzzRouter(f *testing.F) {
	for _, s := range []struct{ method, path, routeKey, stage string }{
		{"POST", "/v1/otp", "POST /v1/otp", ""},
		{"DELETE", "/v1/devices/device-1", "$default", "$default"},
		{"post", "/prod/v1/phone-changes/a.b/confirm", "", "prod"},
		{"GET", "/v1/files/a/b%2Fc/%zz", "", ""},
		{"DELETE", "/v1/devices/", "", ""},
		{"GET", "//v1///", "GET  /v1", ""},
		{"", "", "", ""},
	} {
		f.Add(s.method, s.path, s.routeKey, s.stage)
	}
	echo := func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return JSON(http.StatusOK, req.PathParameters), nil
	}
	r := NewRouter(nil, map[string]HandlerFunc{
		"POST /v1/otp":                              echo,
		"DELETE /v1/devices/{deviceId}":             echo,
		"POST /v1/phone-changes/{changeId}/confirm": echo,
		"GET /v1/files/{path+}":                     echo,
		"GET /v1/files/readme":                      echo,
	})
	f.Fuzz(func(t *testing.T, method, path, routeKey, stage string) {
		req := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: stage,
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path}}}
		resp, err := r.Handle(context.Background(), req)
		switch {
		case err != nil:
			t.Fatalf("Handle returned %v", err)
		case resp.StatusCode == http.StatusNotFound && strings.Contains(resp.Body, `"code":"route_not_found"`):
		case resp.StatusCode == http.StatusOK:
			var params map[string]string
			if json.Unmarshal([]byte(resp.Body), &params) != nil {
				t.Fatalf("body %s", resp.Body)
			}
			for name, v := range params {
				if v == "" && routeKey == "" {
					t.Fatalf("%s %s matched with an empty {%s}", method, path, name)
				}
			}
		default:
			t.Fatalf("%q %q key %q stage %q: %d %s", method, path, routeKey, stage, resp.StatusCode, resp.Body)
		}
	})
}
