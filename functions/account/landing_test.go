package main

import (
	"context"
	"crypto/rand"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/token"
)

const formType = "application/x-www-form-urlencoded"

// putFreezeToken stores a fresh freeze token for a, as AlertFunction stores one, and returns it.
func putFreezeToken(t *testing.T, env *flowtest.Env, a flowtest.Account) string {
	t.Helper()
	tok, hash, err := token.NewFreeze(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Store.PutFreezeToken(context.Background(), a.ID, hash, env.Clock.Now().Add(env.Cfg.FreezeTokenTTL)); err != nil {
		t.Fatal(err)
	}
	return tok
}

// landingRequest is a request to the freeze link's page for tok, as a browser sends it: body is
// form-encoded unless a Content-Type pair in extra says otherwise.
func landingRequest(route, tok, body string, extra ...string) events.APIGatewayV2HTTPRequest {
	req := request(route, body, "{freezeToken}", tok)
	req.RawPath, req.Headers = "/f/"+tok, map[string]string{}
	if body != "" {
		req.Headers["content-type"] = formType
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Headers[strings.ToLower(extra[i])] = extra[i+1]
	}
	return req
}

// accountStatus reads the account's status straight from the table.
func accountStatus(t *testing.T, env *flowtest.Env, a flowtest.Account) string {
	t.Helper()
	s, _ := stacktest.GetItem(t, env.DB, env.Table, "ACCOUNT#"+a.ID, "ACCOUNT")["status"].(string)
	return s
}

// wantPage fails unless res is the page p in English with status: HTML, never a problem document.
func wantPage(t *testing.T, what string, res events.APIGatewayV2HTTPResponse, status int, p page) {
	t.Helper()
	title := "<h1>" + pageTexts["en"][p].Title + "</h1>"
	if res.StatusCode != status || res.Headers["Content-Type"] != "text/html; charset=utf-8" || !strings.Contains(res.Body, title) {
		t.Errorf("%s: %d %s %.200q, want %d with %s", what, res.StatusCode, res.Headers["Content-Type"], res.Body, status, title)
	}
}

// TestLandingPageReadsAndChangesNothing: opening the freeze link makes no DynamoDB call at all and
// changes nothing, and its page is the same for a live token, an unknown one and a malformed
// one, so it tells a link scanner nothing. The token still freezes afterwards.
func TestLandingPageReadsAndChangesNothing(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	tok := putFreezeToken(t, env, a)
	before := stacktest.Scan(t, env.DB, env.Table)
	env.Calls.Reset()
	var first string
	for i, other := range []string{tok, tok, strings.Repeat("A", 43), "not-a-token", strings.Repeat("x", 3000)} {
		res, err := r.Handle(context.Background(), landingRequest(landingGet, other, ""))
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, "GET", res, 200, pageConfirm)
		if i == 0 {
			first = res.Body
		} else if res.Body != first {
			t.Errorf("GET #%d: the page depends on the token", i)
		}
	}
	if n := env.Calls.Total(); n != 0 {
		t.Errorf("GET made %d DynamoDB calls (%s), want none", n, env.Calls)
	}
	if after := stacktest.Scan(t, env.DB, env.Table); !reflect.DeepEqual(before, after) {
		t.Errorf("GET changed the table")
	}
	if s := accountStatus(t, env, a); s != "active" {
		t.Errorf("after GET the account is %s", s)
	}
	res, _ := r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	wantPage(t, "POST after the GETs", res, 200, pageFrozen)
}

// TestLandingGetNeedsNoStore: the page is served by a handler with no services at all, so it
// cannot read or write anything; it speaks the browser's language, else DEFAULT_LANGUAGE.
func TestLandingGetNeedsNoStore(t *testing.T) {
	for _, tc := range []struct{ fallback, acceptLanguage, want string }{
		{"en", "zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"},
		{"en", "zh-Hant-TW", "zh-Hans"},
		{"zh", "en-GB,en;q=0.9", "en"},
		{"zh", "", "zh-Hans"},
		{"en", "", "en"},
		{"", "", "en"},
	} {
		h := handler{lang: tc.fallback}
		req := landingRequest(landingGet, "any", "", "Accept-Language", tc.acceptLanguage)
		res, err := h.landing(context.Background(), req)
		if err != nil || res.StatusCode != 200 || !strings.Contains(res.Body, `<html lang="`+tc.want+`">`) {
			t.Errorf("%q (default %q): %v %d %.120q, want lang %s", tc.acceptLanguage, tc.fallback, err, res.StatusCode, res.Body, tc.want)
		}
	}
}

// TestLandingPagePostFreezesOnce: the page's button freezes the account (every session ends);
// the same link posted again answers the page of a used link, 400 as POST /v1/account/freeze
// answers a spent token.
func TestLandingPagePostFreezesOnce(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	tok := putFreezeToken(t, env, a)
	res, _ := r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	wantPage(t, "POST", res, 200, pageFrozen)
	if s := accountStatus(t, env, a); s != "frozen" {
		t.Errorf("after POST the account is %s", s)
	}
	if res, _ := r.Handle(context.Background(), request("GET /v1/account", "", "Authorization", "Bearer "+a.SessionToken)); res.StatusCode != 401 {
		t.Errorf("the session survived the freeze: %d", res.StatusCode)
	}
	res, _ = r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	wantPage(t, "POST again", res, 400, pageInvalid)
	res, _ = r.Handle(context.Background(), landingRequest(landingPost, tok, ""))
	wantPage(t, "POST again, empty", res, 400, pageInvalid)
}

// TestLandingPagePostAnswersOnce: many posts of one link at once freeze once; one gets the
// frozen page, every other the page of a used link.
func TestLandingPagePostAnswersOnce(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	tok := putFreezeToken(t, env, a)
	const n = 6
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[400] != n-1 {
		t.Errorf("answers %v, want one 200 and %d 400", count, n-1)
	}
}

// TestLandingPageRefusesBadInput: a link that is malformed, unknown or empty, and a post the page
// would not send (JSON, another body, another media type, 1 MiB), each answer an HTML page with
// the status POST /v1/account/freeze would answer, never a problem document and never a 500;
// none of it freezes the account or spends its token.
func TestLandingPageRefusesBadInput(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	tok := putFreezeToken(t, env, a)
	for _, tc := range []struct {
		name, tok, body string
		extra           []string
		status          int
		page            page
	}{
		{"malformed token", "abc", landingForm, nil, 400, pageInvalid},
		{"unknown token", strings.Repeat("A", token.FreezeLen), landingForm, nil, 400, pageInvalid},
		{"token too long", tok + "A", landingForm, nil, 400, pageInvalid},
		{"token with a slash", "a/b", landingForm, nil, 400, pageInvalid},
		{"long token", strings.Repeat("x", 3000), landingForm, nil, 400, pageInvalid},
		{"no token", "", landingForm, nil, 400, pageInvalid},
		{"JSON", tok, `{"freezeToken":"` + tok + `"}`, []string{"Content-Type", "application/json"}, 415, pageRefused},
		{"text", tok, landingForm, []string{"Content-Type", "text/plain"}, 415, pageRefused},
		{"untyped", tok, landingForm, []string{"Content-Type", ""}, 415, pageRefused},
		{"multipart", tok, landingForm, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, pageRefused},
		{"another field", tok, "freeze=yes&x=1", nil, 400, pageRefused},
		{"another value", tok, "freeze=no", nil, 400, pageRefused},
		{"1 MiB", tok, strings.Repeat("a", 1<<20), nil, 413, pageRefused},
	} {
		res, err := r.Handle(context.Background(), landingRequest(landingPost, tc.tok, tc.body, tc.extra...))
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, tc.name, res, tc.status, tc.page)
	}
	if s := accountStatus(t, env, a); s != "active" {
		t.Fatalf("after the bad requests the account is %s", s)
	}
	res, _ := r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	wantPage(t, "the token after the bad requests", res, 200, pageFrozen)
}

// TestLandingPageHeaders: every page — the link's, frozen, used, refused, and an internal
// error's — is HTML that is never stored, never sniffed, never names its URL to another site,
// may not be framed, runs no script and loads nothing, and its one style is the one its
// Content-Security-Policy allows by hash. The button posts to the page's own URL.
func TestLandingPageHeaders(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	tok := putFreezeToken(t, env, a)
	broken := &stacktest.FailOnce{Operation: "GetItem"}
	db := stacktest.StackDynamo(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, broken.Middleware) })
	failing := newRouter(handler{freeze: freeze.NewService(dynamo.New(db, env.Table), env.Clock, rand.Reader, env.Log)}, env.Log)
	pages := map[string]events.APIGatewayV2HTTPResponse{}
	pages["confirm"], _ = r.Handle(context.Background(), landingRequest(landingGet, tok, ""))
	pages["internal error"], _ = failing.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	pages["frozen"], _ = r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	pages["used"], _ = r.Handle(context.Background(), landingRequest(landingPost, tok, landingForm))
	pages["refused"], _ = r.Handle(context.Background(), landingRequest(landingPost, tok, "{}", "Content-Type", "application/json"))
	if !broken.Failed() || pages["internal error"].StatusCode != 500 {
		t.Fatalf("the injected failure: %v, %d", broken.Failed(), pages["internal error"].StatusCode)
	}
	csp := regexp.MustCompile(`^default-src 'none'; style-src 'sha256-([A-Za-z0-9+/=]{44})'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$`)
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	for name, res := range pages {
		for k, v := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
			"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
			if res.Headers[k] != v {
				t.Errorf("%s: %s = %q, want %q", name, k, res.Headers[k], v)
			}
		}
		m, s := csp.FindStringSubmatch(res.Headers["Content-Security-Policy"]), style.FindAllStringSubmatch(res.Body, -1)
		if m == nil || len(s) != 1 || styleHash(s[0][1]) != m[1] {
			t.Errorf("%s: CSP %q does not allow exactly the page's one style", name, res.Headers["Content-Security-Policy"])
		}
		lower := strings.ToLower(res.Body)
		for _, banned := range []string{"<script", "javascript:", "src=", "href=", "url(", "@import", "http:", "https:", "action="} {
			if strings.Contains(lower, banned) {
				t.Errorf("%s: the page holds %q", name, banned)
			}
		}
		if handler := regexp.MustCompile(`\son[a-z]+=`).FindString(lower); handler != "" {
			t.Errorf("%s: the page holds an event handler %q", name, handler)
		}
		if hasForm := strings.Contains(res.Body, `<form method="post"><button type="submit" name="freeze" value="yes">`); hasForm != (name == "confirm") {
			t.Errorf("%s: form %v", name, hasForm)
		}
	}
}

// TestLandingPagesRender: every page renders in English and Chinese, each with its own text.
func TestLandingPagesRender(t *testing.T) {
	for lang, pages := range landingPages() {
		for p, body := range pages {
			text := pageTexts[lang][p]
			if body == fallbackPage || text.Title == "" || !strings.Contains(body, "<h1>"+text.Title+"</h1>") ||
				!strings.Contains(body, `lang="`+htmlLang[lang]+`"`) || text.Title == pageTexts["en"][p].Title && lang != "en" {
				t.Errorf("%s page %d: %.300q", lang, p, body)
			}
			if (text.Button != "") != (page(p) == pageConfirm) {
				t.Errorf("%s page %d: a button only on the link's page", lang, p)
			}
		}
	}
	if len(landingPages()) != 2 {
		t.Errorf("languages %d, want en and zh", len(landingPages()))
	}
}

// TestLandingPageForEveryError: whatever the freeze answers, the page says what it means.
func TestLandingPageForEveryError(t *testing.T) {
	for code, want := range map[string]page{"invalid_freeze_token": pageInvalid, "account_closed": pageClosed,
		"conflict": pageRetry, "service_unavailable": pageRetry, "rate_limited": pageRetry, "unsupported_media_type": pageRefused,
		"body_too_large": pageRefused, "invalid_field": pageRefused, "internal": pageError} {
		if got := errorPage(account.Code(code)); got != want {
			t.Errorf("%s: page %d, want %d", code, got, want)
		}
	}
}
