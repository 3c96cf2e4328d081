package console

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCodes(t *testing.T) {
	for text, want := range map[string][]string{
		"Wallet: 482910 is your code to create your wallet account. It expires in 5 minutes.": {"482910"},
		"【钱包】验证码482910，用于注册钱包账户，5分钟内有效。":                                                      {"482910"},
		"Wallet: your account was signed in on a new device (web) at 2026-11-21 18:05 UTC+08:00. " +
			"If this wasn't you, freeze your account now: https://wallet.example/f/Xq3123456abc_9876543": nil,
		"Wallet: a payment of 5000.00 CNY to Shop 1234 was made from your account at 2026-11-21 18:05.": {"1234"},
		"SMS to +86 138****8000":       nil,
		"will be closed on 2027-11-21": nil,
		"abc123456 and 123456xyz":      nil,
		"code 12345678.":               {"12345678"},
		"123 and 12345678901":          nil, // too short, too long
		"codes 1111 and 2222":          {"1111", "2222"},
		"1,000,000 or 10,000":          nil,
	} {
		got := Codes(text)
		if len(got) != len(want) || len(want) > 0 && !slices.Equal(got, want) {
			t.Errorf("Codes(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestLinks(t *testing.T) {
	got := Links("freeze your account now: https://wallet.example/f/Xq3-_9. Or 如非本人操作，请立即冻结账户：https://wallet.example/f/Ab1")
	want := []string{"https://wallet.example/f/Xq3-_9", "https://wallet.example/f/Ab1"}
	if !slices.Equal(got, want) {
		t.Errorf("Links = %q, want %q", got, want)
	}
	if got := Links("no link"); got == nil || len(got) != 0 {
		t.Errorf("Links without one = %#v, want an empty list (JSON [])", got)
	}
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestServe(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	c := New(func(context.Context) ([]Message, error) {
		return []Message{
			{ID: "1", Channel: "sms", To: "+8613912345678", ToMasked: "+86 139****5678", Text: "Wallet: 111111 is your code", At: at},
			{ID: "2", Channel: "sms", To: "+8613912345678", ToMasked: "+86 139****5678", Text: "freeze: https://wallet.example/f/abc", At: at},
		}, nil
	}, nil)
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/console/console.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/console/console.css", 200, "text/css; charset=utf-8"},
		{"GET", "/console/inbox", 200, "application/json"},
		{"GET", "/console/", 404, ""},
		{"GET", "/console/index.html", 404, ""}, // the page is at / only
		{"GET", "/console/missing.js", 404, ""},
		{"GET", "/console/static/console.js", 404, ""},
		{"POST", "/", 405, ""},
		{"POST", "/console/inbox", 405, ""},
	} {
		w := get(t, c, tc.method, tc.path)
		if w.Code != tc.status || tc.ctype != "" && w.Header().Get("Content-Type") != tc.ctype {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, w.Code, w.Header().Get("Content-Type"), tc.status, tc.ctype)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s %s: Content-Security-Policy %q", tc.method, tc.path, csp)
		}
		if tc.method == "HEAD" && w.Body.Len() != 0 {
			t.Errorf("HEAD %s has a body", tc.path)
		}
	}

	var inbox struct{ Messages []Message }
	if err := json.Unmarshal(get(t, c, "GET", "/console/inbox").Body.Bytes(), &inbox); err != nil {
		t.Fatal(err)
	}
	m := inbox.Messages
	if len(m) != 2 || m[0].ID != "2" || m[1].ID != "1" {
		t.Fatalf("inbox %+v, want the newest first", m)
	}
	if !slices.Equal(m[1].Codes, []string{"111111"}) || len(m[0].Codes) != 0 || !slices.Equal(m[0].Links, []string{"https://wallet.example/f/abc"}) {
		t.Errorf("codes and links: %+v", m)
	}
	if m[0].ToMasked != "+86 139****5678" || m[0].To != "+8613912345678" || !m[0].At.Equal(at) {
		t.Errorf("message %+v", m[0])
	}
}

func TestInboxUnreadable(t *testing.T) {
	c := New(func(context.Context) ([]Message, error) { return nil, errors.New("moto is down") }, nil)
	if w := get(t, c, "GET", "/console/inbox"); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "moto is down") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}

func TestServes(t *testing.T) {
	for path, want := range map[string]bool{"/": true, "/console/": true, "/console/inbox": true, "/consolex": false,
		"/v1/otp": false, "/f/abc": false, "": false} {
		if Serves(path) != want {
			t.Errorf("Serves(%q) = %v", path, !want)
		}
	}
}

// TestNothingFromElsewhere: the page names only its own origin's files (the Content-Security-Policy
// would block anything else, and the browser test fails on a blocked load), and no inline script
// or style, which the policy also refuses.
func TestNothingFromElsewhere(t *testing.T) {
	files, _ := fs.Sub(static, "static")
	html, err := fs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(html), -1) {
		if !strings.HasPrefix(m[1], "/console/") && !strings.HasPrefix(m[1], "#") {
			t.Errorf("index.html refers to %q: only /console/ files and #pages", m[1])
		}
	}
	if regexp.MustCompile(`<script>|<style|\son[a-z]+=|style="`).Match(html) {
		t.Error("index.html has inline script or style")
	}
	css, _ := fs.ReadFile(files, "console.css")
	if strings.Contains(string(css), "url(") || strings.Contains(string(css), "@import") {
		t.Error("console.css loads something")
	}
	js, _ := fs.ReadFile(files, "console.js")
	if regexp.MustCompile(`https?://[a-z]`).Match(js) {
		t.Error("console.js names another origin")
	}
}

// TestRunSchedules: POST /console/schedules runs the stack's schedules only with the action
// header (which no form can send), and answers their responses.
func TestRunSchedules(t *testing.T) {
	ran := 0
	c := New(func(context.Context) ([]Message, error) { return nil, nil }, nil).WithSchedules(
		func(context.Context) (map[string]json.RawMessage, error) {
			ran++
			return map[string]json.RawMessage{"ClosureFunction": json.RawMessage(`{"complete":true}`)}, nil
		})
	post := func(header bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/console/schedules", nil)
		if header {
			r.Header.Set("X-Console-Action", "run-schedules")
		}
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		return w
	}
	if w := post(false); w.Code != http.StatusForbidden || ran != 0 {
		t.Fatalf("without the header: %d, ran %d", w.Code, ran)
	}
	w := post(true)
	if w.Code != http.StatusOK || ran != 1 || !strings.Contains(w.Body.String(), `"ClosureFunction":{"complete":true}`) {
		t.Fatalf("with it: %d %s, ran %d", w.Code, w.Body, ran)
	}
	none := New(func(context.Context) ([]Message, error) { return nil, nil }, nil)
	r := httptest.NewRequest(http.MethodPost, "/console/schedules", nil)
	r.Header.Set("X-Console-Action", "run-schedules")
	w = httptest.NewRecorder()
	none.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound {
		t.Fatalf("a console without schedules: %d", w.Code)
	}
}

// TestPaymentsRelay: POST /console/payments/... reaches the internal API only with the action
// header, only as authorize, capture or void (the relay builds the internal path), and answers
// what the internal API answered, unchanged, naming the request it sent.
func TestPaymentsRelay(t *testing.T) {
	type call struct{ method, path, body string }
	var calls []call
	c := New(func(context.Context) ([]Message, error) { return nil, nil }, nil).WithInternal(
		func(_ context.Context, method, path string, body []byte) (*http.Response, error) {
			calls = append(calls, call{method, path, string(body)})
			w := httptest.NewRecorder()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.WriteString(`{"decision":"confirmation_required","authorizationId":"01K.X"}`)
			return w.Result(), nil
		})
	post := func(c *Console, path, action, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if action != "" {
			r.Header.Set("X-Console-Action", action)
		}
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		return w
	}
	const id = "01KBQ3V4Z5ZV0C8R6M1N2P3Q4R.01KBQ3V4Z5ZV0C8R6M1N2P3Q4S"
	for _, tc := range []struct {
		path, action string
		status       int
	}{
		{"/console/payments/authorize", "", http.StatusForbidden},
		{"/console/payments/authorize", "run-schedules", http.StatusForbidden},
		{"/console/payments/" + id + "/capture", "", http.StatusForbidden},
		{"/console/payments/" + id + "/refund", "pay", http.StatusNotFound},
		{"/console/payments/" + id, "pay", http.StatusNotFound},
		{"/console/payments/..%2F..%2Faccounts%2Fx/capture", "pay", http.StatusNotFound},
		{"/console/payments/a/b/capture", "pay", http.StatusNotFound},
		{"/console/payments/", "pay", http.StatusNotFound},
	} {
		if w := post(c, tc.path, tc.action, `{}`); w.Code != tc.status {
			t.Errorf("POST %s (action %q): %d %s, want %d", tc.path, tc.action, w.Code, w.Body, tc.status)
		}
	}
	if len(calls) != 0 {
		t.Fatalf("refused requests reached the internal API: %+v", calls)
	}
	if w := get(t, c, http.MethodGet, "/console/payments/authorize"); w.Code != http.StatusNotFound {
		t.Errorf("GET of the relay: %d", w.Code)
	}
	if w := get(t, c, http.MethodOptions, "/console/payments/authorize"); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a preflight: %d %v", w.Code, w.Header())
	}

	body := `{"accountId":"01KBQ3V4Z5ZV0C8R6M1N2P3Q4R","amount":"12.34","currency":"CNY","payee":{"id":"shop","name":"Shop"},"idempotencyKey":"k"}`
	w := post(c, "/console/payments/authorize", "pay", body)
	if w.Code != http.StatusOK || w.Body.String() != `{"decision":"confirmation_required","authorizationId":"01K.X"}` ||
		w.Header().Get("Content-Type") != "application/json" || w.Header().Get(RelayedHeader) != "POST /internal/v1/payment-authorizations" {
		t.Errorf("authorize: %d %v %s", w.Code, w.Header(), w.Body)
	}
	for _, act := range []string{"capture", "void"} {
		if w := post(c, "/console/payments/"+id+"/"+act, "pay", ""); w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", act, w.Code, w.Body)
		}
	}
	want := []call{{"POST", "/internal/v1/payment-authorizations", body},
		{"POST", "/internal/v1/payment-authorizations/" + id + "/capture", ""},
		{"POST", "/internal/v1/payment-authorizations/" + id + "/void", ""}}
	if !slices.Equal(calls, want) {
		t.Errorf("the internal API got %+v, want %+v", calls, want)
	}
	if w := post(c, "/console/payments/authorize", "pay", strings.Repeat(" ", 17<<10)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a large body: %d", w.Code)
	}

	none := New(func(context.Context) ([]Message, error) { return nil, nil }, nil)
	if w := post(none, "/console/payments/authorize", "pay", body); w.Code != http.StatusNotFound {
		t.Errorf("a console without an internal API: %d", w.Code)
	}
	down := New(func(context.Context) ([]Message, error) { return nil, nil }, nil).WithInternal(
		func(context.Context, string, string, []byte) (*http.Response, error) {
			return nil, errors.New("connection refused")
		})
	if w := post(down, "/console/payments/authorize", "pay", body); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "connection refused") {
		t.Errorf("an internal API down: %d %s", w.Code, w.Body)
	}
}
