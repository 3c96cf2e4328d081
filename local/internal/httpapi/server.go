// Package httpapi is a local stand-in for an API Gateway HTTP API with Lambda proxy
// integrations (payload format 2.0): it routes each request to a function, turns it into an
// events.APIGatewayV2HTTPRequest, and writes the function's APIGatewayV2HTTPResponse back.
package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// MaxPayload is API Gateway's request payload limit.
const MaxPayload = 10 << 20

// LambdaRequestIDHeader is a local-only response header: the Lambda request id of the
// invocation that answered (the request_id of the function's log lines), so a tool such as
// `make bench` can match a response to its log line. API Gateway itself sends no such header.
const LambdaRequestIDHeader = "X-Local-Lambda-Request-Id"

// InvokeFunc runs function fn with event. It returns an error when the function could not
// be run at all; a failure of the function itself is in the Result.
type InvokeFunc func(ctx context.Context, fn string, event []byte) (*runtimeapi.Result, error)

// Server serves the routes of an HTTP API.
type Server struct {
	routes []compiled
	invoke InvokeFunc
	log    *slog.Logger
	// AccountID and APIID fill the request context; defaults 123456789012 and "local".
	AccountID, APIID string
	// Authorize, when set, is the API's authorizer (the internal API's AWS_IAM): it runs on every
	// routed request before any function, and a request it refuses is answered 403 as API Gateway
	// answers it; what it returns fills requestContext.authorizer.
	Authorize func(r *http.Request, body []byte) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error)
}

// New returns a Server for routes. Two routes with one key are an error.
func New(routes []Route, invoke InvokeFunc, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{invoke: invoke, log: log, AccountID: "123456789012", APIID: "local"}
	seen := map[string]string{}
	for _, r := range routes {
		c, err := compile(r)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[r.Key()]; dup {
			return nil, fmt.Errorf("route %s is declared by both %s and %s", r.Key(), other, r.Function)
		}
		seen[r.Key()] = r.Function
		s.routes = append(s.routes, c)
	}
	return s, nil
}

// Routes returns the server's routes.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, c := range s.routes {
		out[i] = c.Route
	}
	return out
}

// Handles reports whether a route takes method and the (escaped) path: whether ServeHTTP would
// invoke a function rather than answer 404. The local stack serves its console on the paths no
// route takes.
func (s *Server) Handles(method, escapedPath string) bool {
	_, _, ok := s.route(method, escapedPath)
	return ok
}

// ServeHTTP handles one request as API Gateway would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	w.Header().Set("Apigw-Requestid", requestID)
	route, params, ok := s.route(r.Method, r.URL.EscapedPath())
	if !ok {
		writeMessage(w, http.StatusNotFound, "Not Found")
		s.log.Info("no route", "method", r.Method) // not the path, which may hold a freeze token
		return
	}
	if r.ContentLength > MaxPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > MaxPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	event := s.event(r, route, params, body, requestID, start)
	if s.Authorize != nil {
		auth, err := s.Authorize(r, body)
		if err != nil {
			s.log.Info("request refused by the authorizer", "route", route.Key(), "reason", err.Error())
			writeMessage(w, http.StatusForbidden, "Forbidden")
			return
		}
		event.RequestContext.Authorizer = auth
	}
	payload, err := json.Marshal(event)
	if err != nil {
		s.log.Error("encode event", "err", err)
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	res, err := s.invoke(r.Context(), route.Function, payload)
	if err == nil && res.RequestID != "" {
		w.Header().Set(LambdaRequestIDHeader, res.RequestID)
	}
	status := s.respond(w, route, res, err)
	// The route, never the path: /f/{freezeToken} carries a secret, as API Gateway's access log
	// would if it logged $context.path.
	s.log.Info("request", "route", route.Key(), "function", route.Function,
		"status", status, "ms", time.Since(start).Milliseconds())
}

// Event returns the function that serves r and the payload format 2.0 event ServeHTTP would
// invoke it with for r and its body, so that a tool can start the function itself with what
// the API sends it.
func (s *Server) Event(r *http.Request, body []byte) (function string, event []byte, err error) {
	route, params, ok := s.route(r.Method, r.URL.EscapedPath())
	if !ok {
		return "", nil, fmt.Errorf("no route for %s %s", r.Method, r.URL.Path)
	}
	event, err = json.Marshal(s.event(r, route, params, body, newRequestID(), time.Now()))
	return route.Function, event, err
}

// route finds the most specific route for method and path.
func (s *Server) route(method, escapedPath string) (compiled, map[string]string, bool) {
	var best compiled
	var bestParams map[string]string
	found := false
	for _, c := range s.routes {
		params, ok := c.match(method, escapedPath)
		if ok && (!found || moreSpecific(c, best)) {
			best, bestParams, found = c, params, true
		}
	}
	return best, bestParams, found
}

// event builds the payload format 2.0 event for r.
func (s *Server) event(r *http.Request, route compiled, params map[string]string, body []byte,
	requestID string, now time.Time) events.APIGatewayV2HTTPRequest {
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	headers, cookies := requestHeaders(r, sourceIP)
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       route.Key(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    s.AccountID,
			Stage:        "$default",
			RequestID:    requestID,
			APIID:        s.APIID,
			DomainName:   r.Host,
			DomainPrefix: strings.SplitN(r.Host, ".", 2)[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(params) > 0 {
		ev.PathParameters = params
	}
	if q := queryParameters(r.URL.RawQuery); len(q) > 0 {
		ev.QueryStringParameters = q
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// requestHeaders lowercases header names and joins repeated values with commas; cookies
// go to their own list, and the forwarding headers API Gateway adds are added.
func requestHeaders(r *http.Request, sourceIP string) (map[string]string, []string) {
	headers := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lower] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	if r.ContentLength > 0 {
		headers["content-length"] = strconv.FormatInt(r.ContentLength, 10)
	}
	if prior := headers["x-forwarded-for"]; prior != "" {
		headers["x-forwarded-for"] = prior + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	if _, ok := headers["x-amzn-trace-id"]; !ok {
		headers["x-amzn-trace-id"] = newTraceID()
	}
	return headers, cookies
}

// queryParameters decodes a query string, joining repeated values with commas.
func queryParameters(raw string) map[string]string {
	values, _ := url.ParseQuery(raw) // as API Gateway, keep what parses
	out := make(map[string]string, len(values))
	for k, vs := range values {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// respond writes the function's result and returns the status written. Handler errors are
// 500 as on API Gateway; a failed instance (crash, init error, timeout) is a 502, and a
// function that could not be run a 503.
func (s *Server) respond(w http.ResponseWriter, route compiled, res *runtimeapi.Result, err error) int {
	switch {
	case err != nil:
		s.log.Error("invoke failed", "function", route.Function, "err", err)
		return writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
	case res.Err != nil && res.Err.Runtime:
		s.log.Warn("function instance failed", "function", route.Function, "request_id", res.RequestID, "err", res.Err)
		return writeMessage(w, http.StatusBadGateway, "Bad Gateway")
	case res.Err != nil:
		s.log.Warn("function returned an error", "function", route.Function, "request_id", res.RequestID, "err", res.Err)
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	status, err := writeResponse(w, res.Payload)
	if err != nil {
		s.log.Error("malformed function response", "function", route.Function, "request_id", res.RequestID, "err", err)
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	return status
}

// writeResponse interprets a payload format 2.0 response: an object with statusCode is an
// APIGatewayV2HTTPResponse; any other JSON is a 200 application/json body.
func writeResponse(w http.ResponseWriter, payload []byte) (int, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil || probe["statusCode"] == nil {
		if !json.Valid(bytes.TrimSpace(payload)) {
			return 0, errors.New("the response is not JSON")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
		return http.StatusOK, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return 0, fmt.Errorf("decode response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return 0, fmt.Errorf("decode base64 body: %w", err)
		}
	}
	h := w.Header()
	h["Content-Type"] = nil // no sniffing: only what the function set
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode, nil
}

// writeMessage writes API Gateway's own JSON answer, {"message": "..."}.
func writeMessage(w http.ResponseWriter, status int, message string) int {
	b, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// newRequestID returns an id shaped like API Gateway's ("JKJaXmPLvHcESHA=").
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

func newTraceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", time.Now().Unix(), hex.EncodeToString(b[:]))
}
