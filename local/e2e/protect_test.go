package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// staleSession makes the account's sessions stale, as if its holder had last proved a factor
// RECENT_AUTH_WINDOW (5 minutes) and a minute ago: their freshAt is moved back in the stack's
// table. Waiting the window out would hold the suite for minutes, and a shorter window for the
// whole stack would change every other test.
func staleSession(t *testing.T, u signedUp) {
	t.Helper()
	db, table := stacktest.StackDynamo(t), stacktest.Config(t).Table
	id := stacktest.GetItem(t, db, table, "PHONE#"+u.phone, "PHONE")["accountId"]
	stale := float64(time.Now().Add(-6 * time.Minute).UnixMilli())
	n := 0
	for _, it := range stacktest.Scan(t, db, table) {
		if pk, _ := it["PK"].(string); strings.HasPrefix(pk, "SESSION#") && id != nil && it["accountId"] == id {
			it["freshAt"] = stale
			stacktest.PutItem(t, db, table, it)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no session of %s to make stale", u.phone)
	}
}

// TestFreshProofProtectionsEndToEnd: from a stale session, strengthening the alert settings
// saves, but weakening them (the large-transaction threshold removed) and unlinking a bank card
// answer 403 reauthentication_required and change nothing; after POST
// /v1/sessions/current/reauthenticate with the password both succeed, and the holder gets
// exactly one alert SMS for each, with a freeze link.
func TestFreshProofProtectionsEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	night := map[string]any{"enabled": true, "start": "23:00", "end": "07:00", "timezone": "Asia/Shanghai"}
	settings := func(amount string) map[string]any {
		s := map[string]any{"nighttime": night}
		if amount != "" {
			s["largeTransaction"] = map[string]string{"amount": amount, "currency": "CNY"}
		}
		return s
	}
	expect(t, "protect", c.do("PUT", "/v1/alert-settings", settings("5000.00"), bearer(u.session)...), 200)
	res := expect(t, "link card", c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword},
		bearer(u.session)...), 201)
	card := "/v1/bank-cards/" + res.Body["cardId"].(string)

	staleSession(t, u)
	expect(t, "lower the threshold, stale", c.do("PUT", "/v1/alert-settings", settings("4000.00"), bearer(u.session)...), 200)
	for what, res := range map[string]response{
		"remove the threshold, stale": c.do("PUT", "/v1/alert-settings", settings(""), bearer(u.session)...),
		"unlink, stale":               c.do("DELETE", card, nil, bearer(u.session)...),
	} {
		if res.Status != 403 || res.Body["code"] != "reauthentication_required" {
			t.Fatalf("%s: %d %s, want 403 reauthentication_required", what, res.Status, res.raw)
		}
	}
	if res := c.do("GET", "/v1/alert-settings", nil, bearer(u.session)...); res.Body["largeTransaction"] == nil {
		t.Fatalf("a stale session removed the threshold: %s", res.raw)
	}
	if res := c.do("GET", "/v1/bank-cards", nil, bearer(u.session)...); len(res.Body["cards"].([]any)) != 1 {
		t.Fatalf("a stale session unlinked the card: %s", res.raw)
	}

	seen := len(stacktest.SMSTo(t, u.phone))
	expect(t, "reauthenticate", c.do("POST", "/v1/sessions/current/reauthenticate", map[string]string{"password": u.password}, bearer(u.session)...), 204)
	expect(t, "remove the threshold", c.do("PUT", "/v1/alert-settings", settings(""), bearer(u.session)...), 200)
	if text := waitAlert(t, u.phone, seen, "large-payment alert weakened"); !freezeLink.MatchString(text) {
		t.Fatalf("no freeze link: %q", text)
	}
	expect(t, "unlink", c.do("DELETE", card, nil, bearer(u.session)...), 204)
	if text := waitAlert(t, u.phone, seen, "the bank card ending 1111 was unlinked"); !freezeLink.MatchString(text) {
		t.Fatalf("no freeze link: %q", text)
	}
	onlyOnce(t, u.phone, seen, "large-payment alert weakened")
	onlyOnce(t, u.phone, seen, "the bank card ending 1111 was unlinked")
}
