package e2e

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// TestFreezeLinkLandingPageEndToEnd: the link of a new-device sign-in alert leads to the local
// API's page. Opening it, as a link preview and then the holder would, reads and changes nothing:
// the account stays active, every session lives, and the token still works. The page's button
// freezes the account as POST /v1/account/freeze does (every session ends, the account_frozen
// alert goes out); pressed again, it answers the page of a used link, and so does the JSON route.
func TestFreezeLinkLandingPageEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	seen := len(stacktest.SMSTo(t, u.phone))
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	m := freezeLink.FindStringSubmatch(waitAlert(t, u.phone, seen, "signed in on a new device"))
	api := stacktest.Config(t).API
	if m == nil || !strings.HasPrefix(m[0], api+"/f/") {
		t.Fatalf("the alert's link %q does not lead to the local API's /f/ (%s)", m, api)
	}
	path := strings.TrimPrefix(m[0], api)

	browser := newClient(t)
	for lang, title := range map[string]string{"": "Freeze your wallet account?", "en-GB,en;q=0.9": "Freeze your wallet account?",
		"zh-CN,zh;q=0.9": "冻结您的钱包账户？"} {
		res := browser.browse("GET", path, "", "Accept-Language", lang)
		if res.Status != 200 || !strings.Contains(string(res.raw), "<h1>"+title+"</h1>") ||
			!strings.Contains(string(res.raw), `<form method="post">`) {
			t.Fatalf("GET %q: %d %.300s", lang, res.Status, res.raw)
		}
	}
	for _, session := range []string{u.session, tablet} {
		if res := c.do("GET", "/v1/account", nil, bearer(session)...); res.Status != 200 || res.Body["status"] != "active" {
			t.Fatalf("after opening the link: %d %s", res.Status, res.raw)
		}
	}

	seen = len(stacktest.SMSTo(t, u.phone))
	res := browser.browse("POST", path, "freeze=yes")
	if res.Status != 200 || !strings.Contains(string(res.raw), "<h1>Your account is frozen</h1>") {
		t.Fatalf("the button: %d %.300s", res.Status, res.raw)
	}
	waitAlert(t, u.phone, seen, "was frozen")
	for _, session := range []string{u.session, tablet} {
		if res := c.do("GET", "/v1/account", nil, bearer(session)...); res.Status != 401 {
			t.Fatalf("every session ends: %d", res.Status)
		}
	}
	if res := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device}); res.Status != 403 || res.Body["code"] != "account_frozen" {
		t.Fatalf("sign-in on a frozen account: %d %s", res.Status, res.raw)
	}

	res = browser.browse("POST", path, "freeze=yes")
	if res.Status != 400 || !strings.Contains(string(res.raw), "<h1>This link cannot be used</h1>") {
		t.Fatalf("the button again: %d %.300s", res.Status, res.raw)
	}
	if res := newClient(t).do("POST", "/v1/account/freeze", map[string]string{"freezeToken": m[1]}); res.Status != 400 || res.Body["code"] != "invalid_freeze_token" {
		t.Fatalf("the token is spent for the JSON route too: %d %s", res.Status, res.raw)
	}
}

// TestFreezeLinkLandingPageRefusalsEndToEnd: through the local API, what the page's form would
// not send is refused with a page, never a problem document, and spends nothing.
func TestFreezeLinkLandingPageRefusalsEndToEnd(t *testing.T) {
	browser := newClient(t)
	for _, tc := range []struct {
		path, body string
		header     []string
		status     int
	}{
		{"/f/not-a-token", "freeze=yes", nil, 400},
		{"/f/" + strings.Repeat("A", 43), "", nil, 400},
		{"/f/" + strings.Repeat("A", 43), `{"freeze":"yes"}`, []string{"Content-Type", "application/json"}, 415},
		{"/f/" + strings.Repeat("A", 43), "freeze=no", nil, 400},
	} {
		res := browser.browse("POST", tc.path, tc.body, tc.header...)
		if res.Status != tc.status || !isHTML(res.Header) || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("POST %s %q: %d %v", tc.path, tc.body, res.Status, res.Header)
		}
	}
}
