package apigw

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// HandlerFunc serves one route. It returns an *account.Error (possibly wrapped) for anything the
// client can act on; any other error is internal.
type HandlerFunc func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Router dispatches the routes one function serves and turns errors and panics into problem
// documents (into pages on the routes WithErrorPages names). Its Handle method is what the
// function passes to lambda.Start.
type Router struct {
	log     *slog.Logger
	byKey   map[string]*route
	routes  []*route      // most specific first, for matching by method and path
	timeout time.Duration // each request's budget; 0 for none but the Lambda's
}

// route is one "METHOD /path" key with its handler; a path segment "{name}" matches any one
// segment and "{name+}" the rest of the path. page, when set, answers its errors (WithErrorPages).
type route struct {
	key      string
	method   string
	segments []string
	handler  HandlerFunc
	page     ErrorPage
}

// ErrorPage answers an error of a route a browser opens, in place of a problem document: a page
// that says in req's language what e means. The router sets the status e's code maps to and the
// Retry-After header e asks for, and logs the request as it logs every other.
type ErrorPage func(req events.APIGatewayV2HTTPRequest, e *account.Error) events.APIGatewayV2HTTPResponse

// segment kinds, in the order a match prefers them.
const (
	literal = iota
	param
	greedy
)

// errRecovered marks a handler panic that has already been logged.
var errRecovered = errors.New("handler panicked")

// What a client is told when a dependency was unavailable, and when to try again.
const (
	unavailableDetail     = "The service is busy or a dependency is unavailable; try again shortly."
	unavailableRetryAfter = time.Second
)

// NewRouter returns a Router for routes, keyed by API Gateway route key ("POST /v1/otp", path
// parameters as "{name}"). A nil log discards. A key that is not "METHOD /path" or a nil handler
// is a programming error and panics.
func NewRouter(log *slog.Logger, routes map[string]HandlerFunc) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Router{log: log, byKey: make(map[string]*route, len(routes))}
	for key, h := range routes {
		rt := parseRoute(key, h)
		r.byKey[rt.key] = rt
		r.routes = append(r.routes, rt)
	}
	slices.SortFunc(r.routes, bySpecificity)
	return r
}

// WithTimeout bounds each request to d (REQUEST_TIMEOUT), so that a dependency that hangs is
// answered 503 service_unavailable with a problem document before the Lambda's own timeout cuts
// the request off with API Gateway's bare 503. It returns r.
func (r *Router) WithTimeout(d time.Duration) *Router {
	r.timeout = d
	return r
}

// WithErrorPages makes the routes keys answer every error — a client's, an unavailable
// dependency, an internal failure or a panic — with page instead of a problem document. It returns
// r; a key r does not serve is a programming error and panics.
func (r *Router) WithErrorPages(page ErrorPage, keys ...string) *Router {
	for _, key := range keys {
		method, path, _ := strings.Cut(strings.TrimSpace(key), " ")
		rt, ok := r.byKey[strings.ToUpper(method)+" "+path]
		if !ok || page == nil {
			panic(fmt.Sprintf("apigw: WithErrorPages: no route %q, or no page", key))
		}
		rt.page = page
	}
	return r
}

func parseRoute(key string, h HandlerFunc) *route {
	method, path, ok := strings.Cut(strings.TrimSpace(key), " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") || h == nil {
		panic(fmt.Sprintf("apigw: invalid route %q: want \"METHOD /path\" and a handler", key))
	}
	method = strings.ToUpper(method)
	return &route{key: method + " " + path, method: method, segments: splitPath(path), handler: h}
}

func splitPath(path string) []string {
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}

func segmentKind(s string) int {
	switch {
	case !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}"):
		return literal
	case strings.HasSuffix(s, "+}"):
		return greedy
	}
	return param
}

// paramName is the parameter name of a "{name}" or "{name+}" segment.
func paramName(s string) string {
	return strings.TrimSuffix(strings.Trim(s, "{}"), "+")
}

// bySpecificity orders literal segments before parameters before greedy ones, as API Gateway
// prefers them, then by key so the order is stable.
func bySpecificity(a, b *route) int {
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if c := cmp.Compare(segmentKind(a.segments[i]), segmentKind(b.segments[i])); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(b.segments), len(a.segments)); c != 0 {
		return c
	}
	return cmp.Compare(a.key, b.key)
}

// Handle serves one API Gateway request. It always returns a nil error: every failure is an
// HTTP answer, so Lambda never reports a function error for a request.
func (r *Router) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start, cpu := time.Now(), processCPU()
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	ctx = logging.WithRequestID(ctx, requestID(ctx, req))
	ctx, _ = logging.WithCalls(ctx)
	ctx = account.WithOrigin(ctx, account.Origin{SourceIP: SourceIP(req)})
	rt, matched := r.find(req)
	if rt == nil {
		resp := notFound()
		r.logRequest(ctx, "unmatched", resp.StatusCode, account.CodeRouteNotFound, time.Since(start), processCPU()-cpu)
		return resp, nil
	}
	resp, code := r.serve(ctx, rt, matched)
	r.logRequest(ctx, rt.key, resp.StatusCode, code, time.Since(start), processCPU()-cpu)
	return resp, nil
}

func notFound() events.APIGatewayV2HTTPResponse {
	return Problem(account.Errorf(account.CodeRouteNotFound, "no route matches this method and path"))
}

// requestID is the Lambda request id, else API Gateway's.
func requestID(ctx context.Context, req events.APIGatewayV2HTTPRequest) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return req.RequestContext.RequestID
}

// find returns the route for req, by route key or, when API Gateway sent none ("$default"), by
// method and path with the path parameters filled in; nil when nothing matches.
func (r *Router) find(req events.APIGatewayV2HTTPRequest) (*route, events.APIGatewayV2HTTPRequest) {
	key := strings.TrimSpace(req.RouteKey)
	if key != "" && key != "$default" {
		method, path, _ := strings.Cut(key, " ")
		return r.byKey[strings.ToUpper(method)+" "+path], req
	}
	method := strings.ToUpper(req.RequestContext.HTTP.Method)
	for _, path := range candidatePaths(req) {
		for _, rt := range r.routes {
			if params, ok := rt.match(method, path); ok {
				return rt, withParams(req, params)
			}
		}
	}
	return nil, req
}

// candidatePaths is the raw path and, for a named stage, the path without the stage prefix.
func candidatePaths(req events.APIGatewayV2HTTPRequest) []string {
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	paths := []string{path}
	stage := req.RequestContext.Stage
	if stage != "" && stage != "$default" {
		if rest, ok := strings.CutPrefix(path, "/"+stage+"/"); ok {
			paths = append(paths, "/"+rest)
		}
	}
	return paths
}

// match reports whether method and path match rt, with the path parameters.
func (rt *route) match(method, path string) (map[string]string, bool) {
	if method != rt.method || !strings.HasPrefix(path, "/") {
		return nil, false
	}
	got := splitPath(path)
	params := map[string]string{}
	for i, seg := range rt.segments {
		kind := segmentKind(seg)
		if kind == greedy {
			rest := strings.Join(got[min(i, len(got)):], "/")
			params[paramName(seg)] = unescape(rest)
			return params, rest != ""
		}
		if i >= len(got) {
			return nil, false
		}
		switch {
		case kind == literal && got[i] != seg, kind == param && got[i] == "":
			return nil, false
		case kind == param:
			params[paramName(seg)] = unescape(got[i])
		}
	}
	return params, len(got) == len(rt.segments)
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// withParams returns req with params added to its path parameters (the caller's map untouched).
func withParams(req events.APIGatewayV2HTTPRequest, params map[string]string) events.APIGatewayV2HTTPRequest {
	if len(params) == 0 {
		return req
	}
	merged := make(map[string]string, len(req.PathParameters)+len(params))
	for k, v := range req.PathParameters {
		merged[k] = v
	}
	for k, v := range params {
		merged[k] = v
	}
	req.PathParameters = merged
	return req
}

// serve runs rt's handler and answers its error, returning the code answered.
func (r *Router) serve(ctx context.Context, rt *route, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, account.Code) {
	resp, err := r.invoke(ctx, rt, req)
	if err == nil {
		if resp.StatusCode != 0 {
			return resp, ""
		}
		err = errors.New("handler returned a response without a status code")
	}
	e := r.fail(ctx, rt, err)
	if rt.page == nil {
		return Problem(e), e.Code
	}
	page := rt.page(req, e)
	page.StatusCode = Status(e.Code)
	if page.Headers == nil {
		page.Headers = map[string]string{}
	}
	return withRetryAfter(page, e), e.Code
}

// fail says what a handler's error answers: an *account.Error itself; a dependency that was
// unavailable (account.ErrUnavailable) 503 service_unavailable; anything else a bare 500. The
// last two are logged with their full text, which never reaches the client.
func (r *Router) fail(ctx context.Context, rt *route, err error) *account.Error {
	if e, ok := account.As(err); ok && e != nil {
		if Status(e.Code) == http.StatusInternalServerError {
			r.log.ErrorContext(ctx, "handler error answered 500", "route", rt.key, "error", e.Error())
		}
		return e
	}
	if errors.Is(err, account.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		r.log.ErrorContext(ctx, "dependency unavailable", "route", rt.key, "error", err.Error())
		return &account.Error{Code: account.CodeUnavailable, Message: unavailableDetail, RetryAfter: unavailableRetryAfter}
	}
	if !errors.Is(err, errRecovered) {
		r.log.ErrorContext(ctx, "handler failed", "route", rt.key, "error", err.Error())
	}
	return &account.Error{Code: account.CodeInternal, Message: internalDetail}
}

// invoke calls rt's handler, recovering a panic: it is logged with its stack and reported as
// errRecovered.
func (r *Router) invoke(ctx context.Context, rt *route, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.ErrorContext(ctx, "handler panicked", "route", rt.key,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = events.APIGatewayV2HTTPResponse{}, errRecovered
		}
	}()
	return rt.handler(ctx, req)
}

// logRequest writes the one INFO line per request: never the body, headers or query. cpu_ms is
// the process's CPU time over the request (processCPU), which make bench prices; like
// duration_ms it is written in milliseconds with a fraction, never as a whole number of six
// digits the canary could not tell from a code.
func (r *Router) logRequest(ctx context.Context, route string, status int, code account.Code, d, cpu time.Duration) {
	attrs := []slog.Attr{
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Float64("cpu_ms", float64(cpu.Microseconds())/1000),
	}
	if code != "" {
		attrs = append(attrs, slog.String("code", string(code)))
	}
	attrs = append(attrs, logging.CallsFrom(ctx).Attr())
	r.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}
