package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// payer is the payments system on the internal API.
type payer struct {
	t   *testing.T
	ag  *agent
	run string
	n   int
}

func newPayer(t *testing.T) *payer {
	return &payer{t: t, ag: newAgent(t), run: fmt.Sprintf("%x", time.Now().UnixNano())}
}

// authorize asks about a payment with a fresh idempotency key.
func (p *payer) authorize(accountID, amount, currency string) response {
	p.t.Helper()
	p.n++
	res := p.ag.do("POST", "/internal/v1/payment-authorizations", map[string]any{"accountId": accountID, "amount": amount,
		"currency": currency, "payee": map[string]string{"id": "shop-7", "name": "Harbour Electronics"},
		"idempotencyKey": fmt.Sprintf("%s-%d", p.run, p.n)})
	if res.Status != 200 {
		p.t.Fatalf("authorize %s %s: %d %s", amount, currency, res.Status, res.raw)
	}
	return res
}

// reserved asks about a payment that must be reserved (approved or to be confirmed).
func (p *payer) reserved(accountID, amount, currency string) response {
	p.t.Helper()
	res := p.authorize(accountID, amount, currency)
	if res.Body["decision"] == "denied" || res.Body["authorizationId"] == nil {
		p.t.Fatalf("%s %s: %s", amount, currency, res.raw)
	}
	return res
}

// denied asks about a payment that must pass the limit of window, with remaining left of it.
func (p *payer) denied(accountID, amount, currency, window, remaining string) {
	p.t.Helper()
	res := p.authorize(accountID, amount, currency)
	limit, _ := res.Body["limit"].(map[string]any)
	if res.Body["decision"] != "denied" || res.Body["reason"] != "limit_exceeded" || limit["window"] != window || limit["remaining"] != remaining {
		p.t.Fatalf("%s %s: want denied by the %s limit with %s remaining: %s", amount, currency, window, remaining, res.raw)
	}
}

// remaining is what GET /v1/account says remains of the limit of window in currency.
func remaining(t *testing.T, c *client, session, currency, window string) string {
	t.Helper()
	res := c.do("GET", "/v1/account", nil, bearer(session)...)
	limits, _ := res.Body["limits"].(map[string]any)
	lines, _ := limits["payments"].([]any)
	for _, l := range lines {
		if m, _ := l.(map[string]any); m["currency"] == currency && m["window"] == window {
			return str(m["remaining"])
		}
	}
	t.Fatalf("no %s %s limit in %s", currency, window, res.raw)
	return ""
}

// TestPaymentLimitsEndToEnd: each level's per-payment, daily, yearly and lifetime limit refuses
// the first payment over it and names what remains; identity verification (customer service's
// decision, and the vendor's with a face match) raises the level and its limits.
func TestPaymentLimitsEndToEnd(t *testing.T) {
	v := startVendor(t)
	c := newClient(t)
	p := newPayer(t)
	u := signUpWith(t, c, nil)
	id := accountIDOf(t, u.phone)
	// phone: 500 USD a payment, 1,000 USD a day, 1,000 CNY for the account's life.
	p.denied(id, "500.01", "USD", "payment", "500.00")
	p.reserved(id, "500", "USD")
	p.reserved(id, "499.99", "USD")
	p.denied(id, "0.02", "USD", "day", "0.01")
	p.reserved(id, "999.99", "CNY")
	p.denied(id, "0.02", "CNY", "lifetime", "0.01")
	if got := remaining(t, c, u.session, "CNY", "lifetime"); got != "0.01" {
		t.Fatalf("GET /v1/account: %s CNY remains for life, want 0.01", got)
	}
	if res := p.authorize(id, "10", "EUR"); res.Body["decision"] != "denied" || res.Body["reason"] != "currency_not_supported" {
		t.Fatalf("EUR: %s", res.raw)
	}

	// real_name, by customer service's decision: 100,000 CNY a year.
	r := signUpWith(t, c, nil)
	number := "E" + strings.ToUpper(planted("", 3)) + "4162"
	plant(number, number+"W")
	opened := c.do("POST", "/v1/identity-verifications", map[string]string{"documentType": "passport",
		"documentNumber": number, "name": "Li Wei", "nationality": "CN"}, bearer(r.session)...)
	if opened.Status != 201 {
		t.Fatalf("open: %d %s", opened.Status, opened.raw)
	}
	if res := p.ag.do("POST", "/internal/v1/identity-verifications/"+str(opened.Body["verificationId"])+"/decision",
		map[string]any{"decision": "approve", "reason": "documents checked", "caseId": "CS-pay-1"}); res.Status != 200 {
		t.Fatalf("decision: %d %s", res.Status, res.raw)
	}
	rid := accountIDOf(t, r.phone)
	p.denied(rid, "100000.01", "CNY", "year", "100000.00")
	p.reserved(rid, "60000", "CNY")
	p.denied(rid, "40000.01", "CNY", "year", "40000.00")
	if got := remaining(t, c, r.session, "CNY", "year"); got != "40000.00" {
		t.Fatalf("GET /v1/account: %s CNY remains this year, want 40000.00", got)
	}

	// verified, by the vendor's approval with a face match: 200,000 CNY a year.
	w := signUpWith(t, c, nil)
	opened = c.do("POST", "/v1/identity-verifications", map[string]string{"documentType": "passport",
		"documentNumber": number + "W", "name": "Wang Fang", "nationality": "CN"}, bearer(w.session)...)
	if opened.Status != 201 || v.last()["verificationId"] != opened.Body["verificationId"] {
		t.Fatalf("open: %d %s", opened.Status, opened.raw)
	}
	if res := vendorCallback(c, `{"verificationId":"`+str(opened.Body["verificationId"])+`","decision":"approved","faceMatch":true}`, time.Now(), ""); res.Status != 200 {
		t.Fatalf("callback: %d %s", res.Status, res.raw)
	}
	p.denied(accountIDOf(t, w.phone), "200000.01", "CNY", "year", "200000.00")
	p.reserved(accountIDOf(t, w.phone), "200000", "CNY")
}

// TestPaymentConfirmationEndToEnd: the holder confirms with the payment password stating the
// payment; a confirmation stating another amount is refused, a second one too; the approval at
// or over the holder's threshold sends the large-transaction alert; capture settles it once.
func TestPaymentConfirmationEndToEnd(t *testing.T) {
	c := newClient(t)
	p := newPayer(t)
	u := signUpWith(t, c, nil)
	settings := map[string]any{"largeTransaction": map[string]string{"amount": "100.00", "currency": "CNY"},
		"nighttime": map[string]any{"enabled": false, "start": "23:00", "end": "07:00", "timezone": "Asia/Shanghai"}}
	if res := c.do("PUT", "/v1/alert-settings", settings, bearer(u.session)...); res.Status != 200 {
		t.Fatalf("alert settings: %d %s", res.Status, res.raw)
	}
	id := accountIDOf(t, u.phone)
	res := p.reserved(id, "128.50", "CNY")
	if res.Body["decision"] != "confirmation_required" || res.Body["passkeyOptions"] == nil {
		t.Fatalf("want a confirmation with passkey options: %s", res.raw)
	}
	authz := str(res.Body["authorizationId"])
	confirm := func(amount string) response {
		return c.do("POST", "/v1/payment-authorizations/"+authz+"/confirm", map[string]any{
			"payment":         map[string]string{"amount": amount, "currency": "CNY", "payeeId": "shop-7"},
			"paymentPassword": e2ePaymentPassword}, bearer(u.session)...)
	}
	seen := len(stacktest.SMSTo(t, u.phone))
	expectCode(t, "another amount", confirm("12.85"), 409, "payment_mismatch")
	if res := confirm("128.50"); res.Status != 200 || res.Body["status"] != "approved" {
		t.Fatalf("confirm: %d %s", res.Status, res.raw)
	}
	waitAlert(t, u.phone, seen, "a payment of 128.50 CNY to Harbour Electronics")
	expectCode(t, "second confirmation", confirm("128.50"), 409, "authorization_not_pending")
	for range 2 {
		if res := p.ag.do("POST", "/internal/v1/payment-authorizations/"+authz+"/capture", nil); res.Status != 200 || res.Body["status"] != "captured" {
			t.Fatalf("capture: %d %s", res.Status, res.raw)
		}
	}
	expectCode(t, "void after capture", p.ag.do("POST", "/internal/v1/payment-authorizations/"+authz+"/void", nil), 409, "authorization_captured")
}
