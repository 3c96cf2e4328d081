// Package e2e drives the local stack from outside, as a client would: HTTP to the local API, which
// runs the real function bootstraps through the Lambda Runtime API against DynamoDB Local and
// moto. Every response is validated against openapi.yaml.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"strconv"
)

// client is one device talking to the local API from its own loopback address, so that per-IP
// limits see distinct clients as they would in production.
type client struct {
	t    *testing.T
	base string
	ip   string // the loopback address it talks from
	http *http.Client
}

func newClient(t *testing.T) *client {
	t.Helper()
	st := stacktest.Config(t)
	ip := net.IPv4(127, byte(1+rand.IntN(250)), byte(rand.IntN(256)), byte(1+rand.IntN(250)))
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &client{t: t, base: st.API, ip: ip.String(), http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext}}}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	raw    []byte
}

// do sends a request and validates the response against openapi.yaml.
func (c *client) do(method, path string, body any, header ...string) response {
	c.t.Helper()
	var buf []byte
	switch b := body.(type) {
	case nil:
	case string:
		buf = []byte(b)
	default:
		buf, _ = json.Marshal(b)
	}
	return c.send(method, path, buf, append([]string{"Content-Type", "application/json"}, header...)...)
}

// browse is a browser on the freeze link's page: GET opens the page, POST sends its form (body,
// form-encoded, as a browser posts it). The answer is HTML, validated against openapi.yaml.
func (c *client) browse(method, path, body string, header ...string) response {
	c.t.Helper()
	pairs := []string{"Accept", "text/html"}
	if method == http.MethodPost {
		pairs = append(pairs, "Content-Type", "application/x-www-form-urlencoded")
	}
	return c.send(method, path, []byte(body), append(pairs, header...)...)
}

// send sends a request with the header pairs and validates the response against openapi.yaml; a
// body that says it is JSON must be.
func (c *client) send(method, path string, buf []byte, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(buf))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, raw: raw}
	if len(raw) > 0 && !isHTML(res.Header) {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			c.t.Fatalf("%s %s: %d body is not JSON: %q", method, path, res.StatusCode, raw)
		}
	}
	validate(c.t, req, buf, res, raw)
	checkRetryAfter(c.t, method+" "+path, out)
	return out
}

func isHTML(h http.Header) bool { return strings.HasPrefix(h.Get("Content-Type"), "text/html") }

// checkRetryAfter holds every 429 and 503 to the contract that it says when to try again, in the
// Retry-After header and in retryAfterSeconds, alike and at least a second (a page has only the
// header).
func checkRetryAfter(t *testing.T, what string, res response) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests && res.Status != http.StatusServiceUnavailable {
		return
	}
	if isHTML(res.Header) {
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("%s: %d page with Retry-After %q; want at least 1", what, res.Status, res.Header.Get("Retry-After"))
		}
		return
	}
	secs, ok := res.Body["retryAfterSeconds"].(float64)
	if header := res.Header.Get("Retry-After"); !ok || secs < 1 || header != strconv.Itoa(int(secs)) {
		t.Errorf("%s: %d with Retry-After %q and retryAfterSeconds %v; want both, equal, at least 1", what, res.Status,
			header, res.Body["retryAfterSeconds"])
	}
}

// specs are the contracts responses are validated against, by file, each loaded once.
var specs struct {
	mu      sync.Mutex
	routers map[string]routers.Router
}

// specRouter returns the router of the OpenAPI document file (relative to this package).
func specRouter(t *testing.T, file string) routers.Router {
	t.Helper()
	specs.mu.Lock()
	defer specs.mu.Unlock()
	if r, ok := specs.routers[file]; ok {
		return r
	}
	// The freeze link's pages are HTML, validated as text against their schema.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	var r routers.Router
	if err == nil {
		doc.Servers = nil // match any host
		r, err = gorillamux.NewRouter(doc)
	}
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if specs.routers == nil {
		specs.routers = map[string]routers.Router{}
	}
	specs.routers[file] = r
	return r
}

func validate(t *testing.T, req *http.Request, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	validateAgainst(t, "../../openapi.yaml", req, reqBody, res, body)
}

// validateAgainst checks a request and its response against the OpenAPI document file.
func validateAgainst(t *testing.T, file string, req *http.Request, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	specRouter := specRouter(t, file)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := specRouter.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in %s: %v", req.Method, req.URL.Path, file, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode,
		Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s -> %d does not match %s: %v\n%s", req.Method, req.URL.Path, res.StatusCode, file, err, body)
	}
}

// newPhone returns an unused Chinese mobile number in E.164 and in spaced notation, that no
// test payment password is part of.
func newPhone() (e164, spaced string) {
	n := stacktest.MobileDigits("139")
	return "+86139" + n, "+86 139 " + n[:4] + " " + n[4:]
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// smsCode waits for the next SMS to e164 after the first `after` ones and returns its code.
func smsCode(t *testing.T, e164 string, after int) string {
	t.Helper()
	msg := stacktest.WaitSMS(t, e164, after, 5*time.Second)
	code := codeRE.FindString(msg.Text)
	if code == "" {
		t.Fatalf("no code in %q", msg.Text)
	}
	return code
}

// secrets collects every code and token the tests saw, for the final scans.
var secrets struct {
	mu     sync.Mutex
	values []string
}

func remember(vs ...string) {
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	secrets.values = append(secrets.values, vs...)
}

func TestMain(m *testing.M) {
	code := m.Run()
	os.Exit(code)
}

func TestSignupCodeEndToEnd(t *testing.T) {
	c := newClient(t)
	e164, spaced := newPhone()
	res := c.do("POST", "/v1/otp", map[string]string{"phone": spaced, "purpose": "signup"})
	if res.Status != 202 {
		t.Fatalf("send: %d %s", res.Status, res.raw)
	}
	id, _ := res.Body["challengeId"].(string)
	code := smsCode(t, e164, 0)
	res = c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code})
	if res.Status != 200 {
		t.Fatalf("verify: %d %s", res.Status, res.raw)
	}
	token, _ := res.Body["verificationToken"].(string)
	if token == "" {
		t.Fatal("no token")
	}
	remember(code, token, e164+code)
	if res := c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code}); res.Status != 409 || res.Body["code"] != "challenge_used" {
		t.Fatalf("second verify: %d %s", res.Status, res.raw)
	}
}

func TestWrongCodesAndResendEndToEnd(t *testing.T) {
	c := newClient(t)
	e164, _ := newPhone()
	res := c.do("POST", "/v1/otp", map[string]string{"phone": e164, "purpose": "signup"})
	id, _ := res.Body["challengeId"].(string)
	code := smsCode(t, e164, 0)
	remember(code)
	bad := fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	res = c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": bad})
	if res.Status != 400 || res.Body["code"] != "invalid_code" || res.Body["attemptsRemaining"] != float64(4) {
		t.Fatalf("wrong code: %d %s", res.Status, res.raw)
	}
	res = c.do("POST", "/v1/otp", map[string]string{"phone": e164, "purpose": "signup"})
	if res.Status != 429 || res.Body["code"] != "resend_too_soon" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("resend: %d %v %s", res.Status, res.Header, res.raw)
	}
}

// TestBurnedChallengeEndToEnd: five wrong codes burn a challenge; the right code then answers 429
// too_many_attempts, saying (as every 429 does) when to ask again.
func TestBurnedChallengeEndToEnd(t *testing.T) {
	c := newClient(t)
	e164, _ := newPhone()
	id, _ := c.do("POST", "/v1/otp", map[string]string{"phone": e164, "purpose": "signup"}).Body["challengeId"].(string)
	code := smsCode(t, e164, 0)
	remember(code)
	bad := fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	for range 5 {
		c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": bad})
	}
	res := c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code})
	if res.Status != 429 || res.Body["code"] != "too_many_attempts" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("burned: %d %v %s", res.Status, res.Header, res.raw)
	}
}

// TestKnownAndUnknownPhonesLookAlike: the answer to a code request does not tell whether the
// number has an account, in status, headers or shape.
func TestKnownAndUnknownPhonesLookAlike(t *testing.T) {
	st := stacktest.Config(t)
	known, _ := newPhone()
	unknown, _ := newPhone()
	stacktest.PutItem(t, stacktest.StackDynamo(t), st.Table, map[string]any{"PK": "PHONE#" + known, "SK": "PHONE", "accountId": "e2e-" + known, "lang": "en"})
	c := newClient(t)
	for _, purpose := range []string{"signup", "reset_login", "login_step_up", "freeze"} {
		a := c.do("POST", "/v1/otp", map[string]string{"phone": known, "purpose": purpose})
		b := c.do("POST", "/v1/otp", map[string]string{"phone": unknown, "purpose": purpose})
		if a.Status != b.Status || a.Status != 202 || !sameShape(a.Body, b.Body) ||
			a.Header.Get("Content-Type") != b.Header.Get("Content-Type") {
			t.Fatalf("%s: %d %s vs %d %s", purpose, a.Status, a.raw, b.Status, b.raw)
		}
	}
	msg := stacktest.WaitSMS(t, known, 0, 5*time.Second)
	if codeRE.MatchString(msg.Text) || !strings.Contains(msg.Text, "already has a wallet account") {
		t.Fatalf("the owner must be told, not sent a code: %q", msg.Text)
	}
}

func sameShape(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || fmt.Sprintf("%T", v) != fmt.Sprintf("%T", w) || (k != "challengeId" && v != w) {
			return false
		}
	}
	return true
}

func TestBadRequestsEndToEnd(t *testing.T) {
	c := newClient(t)
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"phone":`, 400, "malformed_json"},
		{`{"phone":"+8613800138000","purpose":"signup","x":1}`, 400, "unknown_field"},
		{`{"phone":1,"purpose":"signup"}`, 400, "invalid_type"},
		{`{"phone":"+8613800138000","purpose":"nope"}`, 400, "invalid_purpose"},
		{`{"phone":"` + strings.Repeat("9", 1<<20) + `"}`, 413, "body_too_large"},
		{"{\"phone\":\"+8613800138000\",\"purpose\":\"signup\",\"x\":\"\xff\xfe\"}", 400, "invalid_utf8"},
		{`{"phone":"+8613800138000","purpose":"signup","x":"\udfff"}`, 400, "invalid_utf8"},
		{`{"phone":"+8613800138000","purpose":"signup","phone":"+8613900139000"}`, 400, "duplicate_key"},
	} {
		res := c.do("POST", "/v1/otp", tc.body)
		if res.Status != tc.status || res.Body["code"] != tc.code || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%.40q: %d %s", tc.body, res.Status, res.raw)
		}
	}
	// A body without its media type is what a web page can make any visitor's browser send.
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "text/plain"} {
		res := c.do("POST", "/v1/otp", `{"phone":"+8613800138000","purpose":"signup"}`, "Content-Type", ct)
		if res.Status != 415 || res.Body["code"] != "unsupported_media_type" {
			t.Errorf("Content-Type %q: %d %s", ct, res.Status, res.raw)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
