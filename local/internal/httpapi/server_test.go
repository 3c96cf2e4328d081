package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// recorder is an InvokeFunc that keeps the event and answers with a fixed result.
type recorder struct {
	fn     string
	event  events.APIGatewayV2HTTPRequest
	result *runtimeapi.Result
	err    error
}

func (r *recorder) invoke(_ context.Context, fn string, event []byte) (*runtimeapi.Result, error) {
	r.fn = fn
	if err := json.Unmarshal(event, &r.event); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.result, nil
}

func newServer(t *testing.T, rec *recorder) *httptest.Server {
	t.Helper()
	s, err := New([]Route{
		{Method: "POST", Path: "/v1/otp", Function: "OtpFunction"},
		{Method: "POST", Path: "/v1/otp/verify", Function: "OtpFunction"},
		{Method: "DELETE", Path: "/v1/devices/{deviceId}", Function: "AccountFunction"},
		{Method: "ANY", Path: "/v1/devices/{deviceId}", Function: "AnyFunction"},
		{Method: "GET", Path: "/files/{path+}", Function: "FilesFunction"},
	}, rec.invoke, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func ok(body string) *runtimeapi.Result {
	return &runtimeapi.Result{Payload: []byte(body)}
}

func TestRequestEvent(t *testing.T) {
	rec := &recorder{result: ok(`{"statusCode":202,"headers":{"content-type":"application/json"},"body":"{}"}`)}
	srv := newServer(t, rec)
	req, _ := http.NewRequest("POST", srv.URL+"/v1/otp?a=1&a=2&b=x%20y", strings.NewReader(`{"phone":"+86"}`))
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("Cookie", "s=1; t=2")
	req.Header.Set("User-Agent", "test/1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ev := rec.event
	if rec.fn != "OtpFunction" || ev.Version != "2.0" || ev.RouteKey != "POST /v1/otp" || ev.RawPath != "/v1/otp" {
		t.Errorf("fn %s version %s routeKey %s rawPath %s", rec.fn, ev.Version, ev.RouteKey, ev.RawPath)
	}
	if ev.RawQueryString != "a=1&a=2&b=x%20y" || ev.QueryStringParameters["a"] != "1,2" || ev.QueryStringParameters["b"] != "x y" {
		t.Errorf("query %q %v", ev.RawQueryString, ev.QueryStringParameters)
	}
	if ev.Headers["x-multi"] != "one,two" || ev.Headers["user-agent"] != "test/1" || ev.Headers["cookie"] != "" {
		t.Errorf("headers %v", ev.Headers)
	}
	if strings.Join(ev.Cookies, "|") != "s=1|t=2" {
		t.Errorf("cookies %v", ev.Cookies)
	}
	rc := ev.RequestContext
	if rc.HTTP.Method != "POST" || rc.HTTP.Path != "/v1/otp" || rc.HTTP.SourceIP != "127.0.0.1" ||
		rc.HTTP.UserAgent != "test/1" || rc.HTTP.Protocol != "HTTP/1.1" || rc.Stage != "$default" ||
		rc.RouteKey != "POST /v1/otp" || rc.RequestID == "" || rc.TimeEpoch == 0 || rc.Time == "" {
		t.Errorf("request context %+v", rc)
	}
	if resp.Header.Get("Apigw-Requestid") != rc.RequestID {
		t.Errorf("apigw-requestid %q, event requestId %q", resp.Header.Get("Apigw-Requestid"), rc.RequestID)
	}
	if ev.Body != `{"phone":"+86"}` || ev.IsBase64Encoded || ev.PathParameters != nil {
		t.Errorf("body %q base64 %v params %v", ev.Body, ev.IsBase64Encoded, ev.PathParameters)
	}
}

func TestLambdaRequestIDHeader(t *testing.T) {
	res := ok(`{"statusCode":202,"body":"{}"}`)
	res.RequestID = "8f5c2a8e-1d2b-4c3d-9e4f-5a6b7c8d9e0f"
	srv := newServer(t, &recorder{result: res})
	resp, err := http.Post(srv.URL+"/v1/otp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(LambdaRequestIDHeader); got != res.RequestID {
		t.Errorf("%s %q, want %q", LambdaRequestIDHeader, got, res.RequestID)
	}
}

func TestBinaryBodyIsBase64(t *testing.T) {
	rec := &recorder{result: ok(`{"statusCode":204}`)}
	srv := newServer(t, rec)
	resp, err := http.Post(srv.URL+"/v1/otp", "application/octet-stream", strings.NewReader("\xff\xfe\x00"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !rec.event.IsBase64Encoded || rec.event.Body != base64.StdEncoding.EncodeToString([]byte("\xff\xfe\x00")) {
		t.Errorf("body %q base64 %v", rec.event.Body, rec.event.IsBase64Encoded)
	}
}

func TestRouting(t *testing.T) {
	cases := []struct {
		method, path string
		fn           string
		params       map[string]string
		status       int
	}{
		{"POST", "/v1/otp/verify", "OtpFunction", nil, 200},
		{"DELETE", "/v1/devices/d%2F1", "AccountFunction", map[string]string{"deviceId": "d/1"}, 200},
		{"PUT", "/v1/devices/d1", "AnyFunction", map[string]string{"deviceId": "d1"}, 200},
		{"GET", "/files/a/b/c.txt", "FilesFunction", map[string]string{"path": "a/b/c.txt"}, 200},
		{"GET", "/v1/otp", "", nil, 404},
		{"POST", "/v1/otp/verify/extra", "", nil, 404},
		{"POST", "/nowhere", "", nil, 404},
	}
	for _, c := range cases {
		rec := &recorder{result: ok(`{"statusCode":200}`)}
		srv := newServer(t, rec)
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || rec.fn != c.fn {
			t.Errorf("%s %s: status %d fn %q, want %d %q", c.method, c.path, resp.StatusCode, rec.fn, c.status, c.fn)
		}
		if c.status == 404 && string(body) != `{"message":"Not Found"}` {
			t.Errorf("%s %s: 404 body %s", c.method, c.path, body)
		}
		if c.params != nil && (len(rec.event.PathParameters) != len(c.params) || rec.event.PathParameters[firstKey(c.params)] != c.params[firstKey(c.params)]) {
			t.Errorf("%s %s: path parameters %v, want %v", c.method, c.path, rec.event.PathParameters, c.params)
		}
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestResponses(t *testing.T) {
	cases := []struct {
		name   string
		result *runtimeapi.Result
		err    error
		status int
		body   string
		header [2]string
	}{
		{"full", ok(`{"statusCode":201,"headers":{"X-A":"1"},"multiValueHeaders":{"X-B":["2","3"]},"cookies":["c=1"],"body":"hi"}`),
			nil, 201, "hi", [2]string{"X-A", "1"}},
		{"base64", ok(`{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`), nil, 200, "hi", [2]string{}},
		{"bare JSON", ok(`{"hello":"world"}`), nil, 200, `{"hello":"world"}`, [2]string{"Content-Type", "application/json"}},
		{"handler error", &runtimeapi.Result{Err: &runtimeapi.FunctionError{Type: "errorString"}}, nil, 500,
			`{"message":"Internal Server Error"}`, [2]string{}},
		{"crash", &runtimeapi.Result{Err: &runtimeapi.FunctionError{Type: "Runtime.ExitError", Runtime: true}}, nil, 502,
			`{"message":"Bad Gateway"}`, [2]string{}},
		{"not runnable", nil, errors.New("not built"), 503, `{"message":"Service Unavailable"}`, [2]string{}},
		{"not JSON", ok(`nope`), nil, 500, `{"message":"Internal Server Error"}`, [2]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, &recorder{result: c.result, err: c.err})
			resp, err := http.Post(srv.URL+"/v1/otp", "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || string(body) != c.body {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, c.status, c.body)
			}
			if c.header[0] != "" && resp.Header.Get(c.header[0]) != c.header[1] {
				t.Errorf("%s = %q, want %q", c.header[0], resp.Header.Get(c.header[0]), c.header[1])
			}
			if c.name == "full" && (strings.Join(resp.Header.Values("X-B"), ",") != "2,3" || resp.Header.Get("Set-Cookie") != "c=1") {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}
}

func TestPayloadLimit(t *testing.T) {
	srv := newServer(t, &recorder{result: ok(`{"statusCode":200}`)})
	resp, err := http.Post(srv.URL+"/v1/otp", "text/plain", strings.NewReader(strings.Repeat("x", MaxPayload+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestDuplicateRoute(t *testing.T) {
	_, err := New([]Route{{Method: "GET", Path: "/a", Function: "A"}, {Method: "GET", Path: "/a", Function: "B"}}, nil, nil)
	if err == nil {
		t.Fatal("want an error for a route declared twice")
	}
}

// TestEventOfRequest: Event routes a request as ServeHTTP does and gives the event it would send.
func TestEventOfRequest(t *testing.T) {
	s, err := New([]Route{{Method: "DELETE", Path: "/v1/devices/{deviceId}", Function: "AccountFunction"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("DELETE", "http://127.0.0.1:3000/v1/devices/d1", nil)
	r.RemoteAddr = "127.0.0.9:40000"
	fn, payload, err := s.Event(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	if fn != "AccountFunction" || ev.RouteKey != "DELETE /v1/devices/{deviceId}" || ev.PathParameters["deviceId"] != "d1" ||
		ev.RequestContext.HTTP.SourceIP != "127.0.0.9" || ev.Headers["x-forwarded-for"] != "127.0.0.9" {
		t.Errorf("Event = %s, %s", fn, payload)
	}
	if _, _, err := s.Event(httptest.NewRequest("GET", "/nowhere", nil), nil); err == nil {
		t.Error("Event of an unrouted request: no error")
	}
}
