package apigw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/logging"
)

const (
	secretBody  = `{"code":"493817","password":"hunter2-Secret"}`
	secretQuery = "token=query-secret"
	secretAuth  = "Bearer header-secret"
	depFailure  = "dial tcp 10.0.0.7:8000: connection refused (table accounts-prod)"
	panicText   = "runtime secret exploded"
)

type logLine map[string]any

func routerFixture() (*Router, *bytes.Buffer) {
	var buf bytes.Buffer
	ok := func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return JSON(http.StatusOK, map[string]string{"route": "ok", "deviceId": PathParam(req, "deviceId")}), nil
	}
	routes := map[string]HandlerFunc{
		"POST /v1/otp": ok,
		"POST /v1/otp/verify": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("verify: %w",
				&account.Error{Code: account.CodeInvalidCode, Message: "wrong code", AttemptsRemaining: intp(3)})
		},
		"POST /v1/accounts": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("claim phone: %w", errors.New(depFailure))
		},
		"POST /v1/sessions": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic(panicText)
		},
		"GET /v1/account": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, nil
		},
		"DELETE /v1/devices/{deviceId}":    ok,
		"DELETE /v1/sessions/current":      ok,
		"DELETE /v1/sessions/{sessionId}":  ok,
		"GET /v1/files/{path+}":            ok,
		"post /v1/password-resets/payment": ok,
	}
	return NewRouter(logging.New(&buf, slog.LevelInfo), routes), &buf
}

func request(routeKey, method, path string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{
		RouteKey:       routeKey,
		RawPath:        path,
		RawQueryString: secretQuery,
		Headers:        map[string]string{"authorization": secretAuth, "content-type": "application/json"},
		Body:           secretBody,
	}
	req.RequestContext.RequestID = "apigw-req-1"
	req.RequestContext.Stage = "$default"
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	return req
}

func parseLog(t *testing.T, buf *bytes.Buffer) []logLine {
	t.Helper()
	var lines []logLine
	for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, raw)
		}
		lines = append(lines, l)
	}
	return lines
}

func accessLine(t *testing.T, lines []logLine) logLine {
	t.Helper()
	var found []logLine
	for _, l := range lines {
		if l["msg"] == "request" {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d request lines, want 1: %v", len(found), lines)
	}
	return found[0]
}

func TestRouterHandle(t *testing.T) {
	lambdaCtx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-9"})
	tests := []struct {
		name       string
		ctx        context.Context
		req        events.APIGatewayV2HTTPRequest
		wantStatus int
		wantCode   string // problem code, "" for a success body
		wantRoute  string
		wantReqID  string
		wantBody   string // substring of the response body
		wantError  string // substring of an ERROR log line, "" for none
	}{
		{
			name: "route key", ctx: lambdaCtx, req: request("POST /v1/otp", "POST", "/v1/otp"),
			wantStatus: 200, wantRoute: "POST /v1/otp", wantReqID: "lambda-req-9", wantBody: `"route":"ok"`,
		},
		{
			name: "api gateway request id without lambda context", ctx: context.Background(),
			req:        request("POST /v1/otp", "POST", "/v1/otp"),
			wantStatus: 200, wantRoute: "POST /v1/otp", wantReqID: "apigw-req-1",
		},
		{
			name: "unknown route key", ctx: lambdaCtx, req: request("POST /v1/nope", "POST", "/v1/nope"),
			wantStatus: 404, wantCode: "route_not_found", wantRoute: "unmatched", wantReqID: "lambda-req-9",
		},
		{
			name: "$default with unknown path", ctx: lambdaCtx, req: request("$default", "GET", "/v1/otp"),
			wantStatus: 404, wantCode: "route_not_found", wantRoute: "unmatched", wantReqID: "lambda-req-9",
		},
		{
			name: "$default matches method and path with a parameter", ctx: lambdaCtx,
			req:        request("$default", "delete", "/v1/devices/dev%2F42"),
			wantStatus: 200, wantRoute: "DELETE /v1/devices/{deviceId}", wantReqID: "lambda-req-9", wantBody: `"deviceId":"dev/42"`,
		},
		{
			name: "empty route key prefers the literal route", ctx: lambdaCtx, req: request("", "DELETE", "/v1/sessions/current"),
			wantStatus: 200, wantRoute: "DELETE /v1/sessions/current", wantReqID: "lambda-req-9",
		},
		{
			name: "greedy parameter", ctx: lambdaCtx, req: request("", "GET", "/v1/files/a/b"),
			wantStatus: 200, wantRoute: "GET /v1/files/{path+}", wantReqID: "lambda-req-9",
		},
		{
			name: "lower-case method in a key", ctx: lambdaCtx, req: request("POST /v1/password-resets/payment", "POST", "/v1/password-resets/payment"),
			wantStatus: 200, wantRoute: "POST /v1/password-resets/payment", wantReqID: "lambda-req-9",
		},
		{
			name: "account error is mapped", ctx: lambdaCtx, req: request("POST /v1/otp/verify", "POST", "/v1/otp/verify"),
			wantStatus: 400, wantCode: "invalid_code", wantRoute: "POST /v1/otp/verify", wantReqID: "lambda-req-9",
			wantBody: `"attemptsRemaining":3`,
		},
		{
			name: "internal error text is not leaked", ctx: lambdaCtx, req: request("POST /v1/accounts", "POST", "/v1/accounts"),
			wantStatus: 500, wantCode: "internal", wantRoute: "POST /v1/accounts", wantReqID: "lambda-req-9",
			wantError: "claim phone: " + depFailure,
		},
		{
			name: "panic is recovered", ctx: lambdaCtx, req: request("POST /v1/sessions", "POST", "/v1/sessions"),
			wantStatus: 500, wantCode: "internal", wantRoute: "POST /v1/sessions", wantReqID: "lambda-req-9",
			wantError: panicText,
		},
		{
			name: "response without status", ctx: lambdaCtx, req: request("GET /v1/account", "GET", "/v1/account"),
			wantStatus: 500, wantCode: "internal", wantRoute: "GET /v1/account", wantReqID: "lambda-req-9",
			wantError: "without a status code",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			router, buf := routerFixture()
			resp, err := router.Handle(tt.ctx, tt.req)
			if err != nil {
				t.Fatalf("Handle returned error %v; it must always be nil", err)
			}
			checkResponse(t, resp, tt.wantStatus, tt.wantCode, tt.wantBody)
			checkLog(t, buf, tt.wantRoute, tt.wantStatus, tt.wantCode, tt.wantReqID, tt.wantError)
		})
	}
}

func checkResponse(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int, code, body string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, resp.Body)
	}
	if !strings.Contains(resp.Body, body) {
		t.Errorf("body %s does not contain %s", resp.Body, body)
	}
	for _, leak := range []string{depFailure, "10.0.0.7", panicText, "goroutine", "hunter2"} {
		if strings.Contains(resp.Body, leak) {
			t.Errorf("body leaks %q: %s", leak, resp.Body)
		}
	}
	if code == "" {
		return
	}
	doc := decodeProblem(t, resp.Body)
	if doc["code"] != code || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("problem code = %v (%s), want %s", doc["code"], resp.Headers["Content-Type"], code)
	}
	if code == "internal" && doc["detail"] != internalDetail {
		t.Errorf("internal detail = %v, want the generic one", doc["detail"])
	}
}

func checkLog(t *testing.T, buf *bytes.Buffer, route string, status int, code, reqID, errText string) {
	t.Helper()
	raw := buf.String()
	for _, secret := range []string{"493817", "hunter2", "query-secret", "header-secret"} {
		if strings.Contains(raw, secret) {
			t.Errorf("log contains %q: %s", secret, raw)
		}
	}
	lines := parseLog(t, buf)
	for _, l := range lines {
		if l[logging.RequestIDKey] != reqID {
			t.Errorf("request_id = %v, want %s in %v", l[logging.RequestIDKey], reqID, l)
		}
	}
	access := accessLine(t, lines)
	if access["level"] != "INFO" || access["route"] != route || access["status"] != float64(status) {
		t.Errorf("request line = %v, want INFO route %s status %d", access, route, status)
	}
	if _, ok := access["duration_ms"].(float64); !ok {
		t.Errorf("request line has no duration_ms: %v", access)
	}
	if _, ok := access["cpu_ms"].(float64); !ok {
		t.Errorf("request line has no cpu_ms: %v", access)
	}
	if got, _ := access["code"].(string); got != code {
		t.Errorf("request line code = %q, want %q", got, code)
	}
	checkErrorLine(t, lines, errText)
}

func checkErrorLine(t *testing.T, lines []logLine, want string) {
	t.Helper()
	var errs []logLine
	for _, l := range lines {
		if l["level"] == "ERROR" {
			errs = append(errs, l)
		}
	}
	if want == "" {
		if len(errs) != 0 {
			t.Errorf("unexpected ERROR lines: %v", errs)
		}
		return
	}
	if len(errs) != 1 {
		t.Fatalf("got %d ERROR lines, want 1: %v", len(errs), lines)
	}
	text := fmt.Sprint(errs[0]["error"], errs[0]["panic"])
	if !strings.Contains(text, want) {
		t.Errorf("ERROR line %v does not contain %q", errs[0], want)
	}
	if errs[0]["panic"] != nil && !strings.Contains(fmt.Sprint(errs[0]["stack"]), "goroutine") {
		t.Errorf("panic line has no stack: %v", errs[0])
	}
}

func TestRouterMatchesUnderNamedStage(t *testing.T) {
	router, _ := routerFixture()
	req := request("", "POST", "/prod/v1/otp")
	req.RequestContext.Stage = "prod"
	resp, _ := router.Handle(context.Background(), req)
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
}

func TestRouterDoesNotMutateCallerParams(t *testing.T) {
	router, _ := routerFixture()
	params := map[string]string{"other": "x"}
	req := request("$default", "DELETE", "/v1/devices/d1")
	req.PathParameters = params
	resp, _ := router.Handle(context.Background(), req)
	if !strings.Contains(resp.Body, `"deviceId":"d1"`) || len(params) != 1 {
		t.Fatalf("body %s, caller params %v", resp.Body, params)
	}
}

func TestRouteMatch(t *testing.T) {
	tests := []struct {
		key, method, path string
		want              map[string]string // nil: no match
	}{
		{"GET /v1/account", "GET", "/v1/account", map[string]string{}},
		{"GET /v1/account", "POST", "/v1/account", nil},
		{"GET /v1/account", "GET", "/v1/account/", nil},
		{"GET /v1/account", "GET", "/v1/accounts", nil},
		{"DELETE /v1/devices/{deviceId}", "DELETE", "/v1/devices/abc", map[string]string{"deviceId": "abc"}},
		{"DELETE /v1/devices/{deviceId}", "DELETE", "/v1/devices/", nil},
		{"DELETE /v1/devices/{deviceId}", "DELETE", "/v1/devices/abc/x", nil},
		{"POST /v1/phone-changes/{changeId}/confirm", "POST", "/v1/phone-changes/c9/confirm", map[string]string{"changeId": "c9"}},
		{"GET /v1/files/{path+}", "GET", "/v1/files/a/b/c", map[string]string{"path": "a/b/c"}},
		{"GET /v1/files/{path+}", "GET", "/v1/files", nil},
		{"GET /", "GET", "/", map[string]string{}},
	}
	for _, tt := range tests {
		rt := parseRoute(tt.key, func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return NoContent(), nil
		})
		got, ok := rt.match(tt.method, tt.path)
		if ok != (tt.want != nil) || (ok && fmt.Sprint(got) != fmt.Sprint(tt.want)) {
			t.Errorf("%s matching %s %s = %v, %v; want %v", tt.key, tt.method, tt.path, got, ok, tt.want)
		}
	}
}

func TestNewRouterPanicsOnBadKey(t *testing.T) {
	for _, key := range []string{"", "POST", "POST v1/otp", " /v1/otp"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRouter accepted key %q", key)
				}
			}()
			NewRouter(nil, map[string]HandlerFunc{key: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return NoContent(), nil
			}})
		}()
	}
}

func TestRouterNilLogger(t *testing.T) {
	router := NewRouter(nil, nil)
	resp, err := router.Handle(context.Background(), request("GET /x", "GET", "/x"))
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("Handle = %d, %v", resp.StatusCode, err)
	}
}

func TestRouterRetryAfterFromHandler(t *testing.T) {
	router := NewRouter(nil, map[string]HandlerFunc{
		"POST /v1/otp": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, account.Limited(account.CodeResendTooSoon, 45*time.Second, "wait")
		},
	})
	resp, _ := router.Handle(context.Background(), request("POST /v1/otp", "POST", "/v1/otp"))
	if resp.StatusCode != 429 || resp.Headers["Retry-After"] != "45" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Headers["Retry-After"])
	}
}

func TestRouterTimeoutAnswersUnavailable(t *testing.T) {
	router := NewRouter(nil, map[string]HandlerFunc{
		"GET /v1/account": func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			<-ctx.Done() // a dependency that hangs until the request's budget is spent
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("read account: %w", ctx.Err())
		},
	}).WithTimeout(20 * time.Millisecond)
	resp, err := router.Handle(context.Background(), request("GET /v1/account", "GET", "/v1/account"))
	if err != nil || resp.StatusCode != 503 || !strings.Contains(resp.Body, `"service_unavailable"`) || resp.Headers["Retry-After"] == "" {
		t.Fatalf("Handle = %d %q %v; want 503 service_unavailable with Retry-After", resp.StatusCode, resp.Body, err)
	}
}

// TestRouterErrorPages: on the routes WithErrorPages names, every error — a client's, an
// unavailable dependency, an internal failure, a panic — is the page, with the status its code maps
// to, Retry-After where a problem would carry it, and the same request log line; other routes
// keep their problem documents.
func TestRouterErrorPages(t *testing.T) {
	fails := func(err error) HandlerFunc {
		return func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	page := func(req events.APIGatewayV2HTTPRequest, e *account.Error) events.APIGatewayV2HTTPResponse {
		return HTML(http.StatusTeapot, "<p>"+string(e.Code)+" "+Header(req, "Accept-Language")+"</p>", "default-src 'none'")
	}
	routes := map[string]HandlerFunc{
		"POST /f/client": fails(account.Errorf(account.CodeInvalidFreezeToken, "used")),
		"POST /f/busy":   fails(fmt.Errorf("read: %w", account.ErrUnavailable)),
		"POST /f/broken": fails(errors.New(depFailure)),
		"POST /f/panics": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic(panicText)
		},
		"POST /v1/problem": fails(account.Errorf(account.CodeInvalidFreezeToken, "used")),
	}
	var buf bytes.Buffer
	r := NewRouter(logging.New(&buf, slog.LevelInfo), routes).
		WithErrorPages(page, "POST /f/client", "post /f/busy", "POST /f/broken", "POST /f/panics")
	for _, tc := range []struct {
		route, code string
		status      int
		retryAfter  string
	}{
		{"POST /f/client", "invalid_freeze_token", 400, ""},
		{"POST /f/busy", "service_unavailable", 503, "1"},
		{"POST /f/broken", "internal", 500, ""},
		{"POST /f/panics", "internal", 500, ""},
	} {
		buf.Reset()
		req := request(tc.route, "POST", strings.TrimPrefix(tc.route, "POST "))
		req.Headers["accept-language"] = "zh-CN"
		resp, _ := r.Handle(context.Background(), req)
		if resp.StatusCode != tc.status || resp.Body != "<p>"+tc.code+" zh-CN</p>" || resp.Headers["Retry-After"] != tc.retryAfter ||
			resp.Headers["Content-Type"] != "text/html; charset=utf-8" {
			t.Errorf("%s: %d %v %q, want %d page of %s, Retry-After %q", tc.route, resp.StatusCode, resp.Headers, resp.Body, tc.status, tc.code, tc.retryAfter)
		}
		if access := accessLine(t, parseLog(t, &buf)); access["route"] != tc.route || access["status"] != float64(tc.status) || access["code"] != tc.code {
			t.Errorf("%s: request line %v", tc.route, access)
		}
	}
	resp, _ := r.Handle(context.Background(), request("POST /v1/problem", "POST", "/v1/problem"))
	if resp.StatusCode != 400 || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("a route without a page keeps its problem document: %d %v", resp.StatusCode, resp.Headers)
	}
	defer func() {
		if recover() == nil {
			t.Error("WithErrorPages of a route the router does not serve must panic")
		}
	}()
	r.WithErrorPages(page, "GET /f/client")
}

// TestRequestLineCountsCPU: cpu_ms is the CPU the request used, not the wall time: a handler
// that computes for 20 ms of CPU logs at least 10 ms, one that sleeps 20 ms logs less than 10.
func TestRequestLineCountsCPU(t *testing.T) {
	for _, c := range []struct {
		name string
		work func()
		busy bool
	}{
		{"computing", func() {
			for start := processCPU(); processCPU()-start < 20*time.Millisecond; {
				_ = sha256.Sum256([]byte("spin"))
			}
		}, true},
		{"sleeping", func() { time.Sleep(20 * time.Millisecond) }, false},
	} {
		var buf bytes.Buffer
		router := NewRouter(logging.New(&buf, slog.LevelInfo), map[string]HandlerFunc{
			"GET /v1/x": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				c.work()
				return JSON(http.StatusOK, map[string]string{}), nil
			}})
		_, _ = router.Handle(context.Background(), request("GET /v1/x", "GET", "/v1/x"))
		cpu, _ := accessLine(t, parseLog(t, &buf))["cpu_ms"].(float64)
		if busy := cpu >= 10; busy != c.busy {
			t.Errorf("%s: cpu_ms = %v", c.name, cpu)
		}
	}
}
