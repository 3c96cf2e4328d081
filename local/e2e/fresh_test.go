package e2e

import (
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// sensitive is one change that needs fresh proof: what a stale session sends (refused), what a
// fresh one sends (done), the event it writes and the alert it texts.
type sensitive struct {
	name  string
	setup func(t *testing.T, c *client, u signedUp) // what the change needs first, on a fresh session
	stale func(c *client, u signedUp) response
	fresh func(t *testing.T, c *client, u signedUp) response
	event string
	alert string
}

// sensitiveRoutes are the routes of DESIGN's fresh-proof list that exist today. Every change of
// how the account is protected joins it.
func sensitiveRoutes(t *testing.T) []sensitive {
	put := func(path string, body any) func(*client, signedUp) response {
		return func(c *client, u signedUp) response { return c.do("PUT", path, body, bearer(u.session)...) }
	}
	const newPIN = "603184"
	answers := []map[string]string{{"questionId": "first_school", "answer": "Hillside Primary"},
		{"questionId": "first_pet", "answer": "Biscuit"}, {"questionId": "childhood_street", "answer": "Oak Lane"}}
	remember(e2eNewPassword, newPIN, "Hillside Primary", "Biscuit", "Oak Lane", "E98765432")
	identity := map[string]string{"citizenship": "CN", "idType": "passport", "idNumber": "E98765432"}
	night := func(enabled bool) map[string]any {
		return map[string]any{"nighttime": map[string]any{"enabled": enabled, "start": "23:00", "end": "07:00", "timezone": "Asia/Shanghai"}}
	}
	auth := func() *passkeytest.Authenticator {
		return passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	}
	passwordFree := map[string]any{"passwordFree": true, "currency": "CNY", "perPayment": "100", "daily": "300", "paymentPassword": e2ePaymentPassword}
	var cardID, passkeyID string
	addr, bound := newEmail(), newEmail()
	return []sensitive{
		{name: "bind an email", event: "email_changed", alert: "set for sign-in",
			stale: func(c *client, u signedUp) response {
				return c.do("POST", "/v1/account/email", map[string]string{"email": addr}, bearer(u.session)...)
			},
			fresh: func(t *testing.T, c *client, u signedUp) response {
				bindEmail(t, c, u.session, addr)
				return response{Status: 200}
			}},
		{name: "remove the email", event: "email_removed", alert: "was removed at",
			setup: func(t *testing.T, c *client, u signedUp) {
				bindEmail(t, c, u.session, bound)
				waitAlert(t, u.phone, 0, "set for sign-in") // delivered before the texts the row counts
			},
			stale: func(c *client, u signedUp) response {
				return c.do("DELETE", "/v1/account/email", nil, bearer(u.session)...)
			},
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return c.do("DELETE", "/v1/account/email", nil, bearer(u.session)...)
			}},
		{name: "change the login password", event: "password_changed", alert: "login password was changed",
			stale: put("/v1/account/login-password", map[string]string{"currentPassword": e2ePassword, "newPassword": e2eNewPassword}),
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return put("/v1/account/login-password", map[string]string{"currentPassword": e2ePassword, "newPassword": e2eNewPassword})(c, u)
			}},
		{name: "change the payment password", event: "payment_password_changed", alert: "payment password was changed",
			stale: put("/v1/account/payment-password", map[string]string{"currentPaymentPassword": e2ePaymentPassword, "newPaymentPassword": newPIN}),
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return put("/v1/account/payment-password", map[string]string{"currentPaymentPassword": e2ePaymentPassword, "newPaymentPassword": newPIN})(c, u)
			}},
		{name: "change the security answers", event: "security_answers_changed", alert: "security answers were changed",
			stale: put("/v1/account/security-answers", map[string]any{"paymentPassword": e2ePaymentPassword, "securityAnswers": answers}),
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return put("/v1/account/security-answers", map[string]any{"paymentPassword": e2ePaymentPassword, "securityAnswers": answers})(c, u)
			}},
		{name: "set citizenship and the ID document", event: "identity_details_set", alert: "an ID document and citizenship were added",
			stale: func(c *client, u signedUp) response {
				return c.do("PATCH", "/v1/account/profile", identity, bearer(u.session)...)
			},
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return c.do("PATCH", "/v1/account/profile", identity, bearer(u.session)...)
			}},
		{name: "add a passkey", event: "passkey_added", alert: "a passkey was added",
			stale: func(c *client, u signedUp) response {
				return c.do("POST", "/v1/passkeys/registrations", nil, bearer(u.session)...)
			},
			fresh: func(t *testing.T, c *client, u signedUp) response {
				registerPasskey(t, c, u.session, "Laptop", auth())
				return response{Status: 201}
			}},
		{name: "remove a passkey", event: "passkey_removed", alert: "a passkey was removed",
			setup: func(t *testing.T, c *client, u signedUp) {
				passkeyID = registerPasskey(t, c, u.session, "Laptop", auth())["passkeyId"].(string)
				waitAlert(t, u.phone, 0, "a passkey was added") // delivered before the texts the row counts
			},
			stale: func(c *client, u signedUp) response {
				return c.do("DELETE", "/v1/passkeys/"+passkeyID, nil, bearer(u.session)...)
			},
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return c.do("DELETE", "/v1/passkeys/"+passkeyID, nil, bearer(u.session)...)
			}},
		{name: "turn nighttime protection off", event: "protection_weakened", alert: "nighttime protection weakened",
			setup: func(t *testing.T, c *client, u signedUp) {
				expect(t, "protect", put("/v1/alert-settings", night(true))(c, u), 200)
			},
			stale: put("/v1/alert-settings", night(false)),
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return put("/v1/alert-settings", night(false))(c, u)
			}},
		{name: "turn password-free payments on", event: "password_free_enabled", alert: "password-free payments up to",
			stale: put("/v1/payment-settings", passwordFree),
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return put("/v1/payment-settings", passwordFree)(c, u)
			}},
		{name: "request deletion", event: "deletion_requested", alert: "you asked to delete your account",
			stale: func(c *client, u signedUp) response {
				return c.do("POST", "/v1/account/deletion", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(u.session)...)
			},
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return c.do("POST", "/v1/account/deletion", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(u.session)...)
			}},
		{name: "unlink a bank card", event: "bank_card_unlinked", alert: "the bank card ending 1111 was unlinked",
			setup: func(t *testing.T, c *client, u signedUp) {
				res := expect(t, "link card", c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword},
					bearer(u.session)...), 201)
				cardID = res.Body["cardId"].(string)
			},
			stale: func(c *client, u signedUp) response {
				return c.do("DELETE", "/v1/bank-cards/"+cardID, nil, bearer(u.session)...)
			},
			fresh: func(_ *testing.T, c *client, u signedUp) response {
				return c.do("DELETE", "/v1/bank-cards/"+cardID, nil, bearer(u.session)...)
			}},
	}
}

// TestEverySensitiveRouteNeedsFreshProof calls each sensitive route from a stale session (403
// reauthentication_required, no event, no alert), then, after POST
// /v1/sessions/current/reauthenticate, fresh (success): each success writes its event once and
// texts the holder exactly one alert, with a freeze link.
func TestEverySensitiveRouteNeedsFreshProof(t *testing.T) {
	for _, r := range sensitiveRoutes(t) {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel() // each row is an account of its own, from an address of its own
			c := newClient(t)
			u := signUpWith(t, c, nil)
			if r.setup != nil {
				r.setup(t, c, u)
			}
			staleSession(t, u)
			seen := len(stacktest.SMSTo(t, u.phone))
			if res := r.stale(c, u); res.Status != 403 || res.Body["code"] != "reauthentication_required" {
				t.Fatalf("stale: %d %s, want 403 reauthentication_required", res.Status, res.raw)
			}
			if n := eventCount(t, u, r.event); n != 0 {
				t.Fatalf("stale: %d %s events", n, r.event)
			}
			expect(t, "reauthenticate", c.do("POST", "/v1/sessions/current/reauthenticate", map[string]string{"password": u.password},
				bearer(u.session)...), 204)
			if res := r.fresh(t, c, u); res.Status < 200 || res.Status > 299 {
				t.Fatalf("fresh: %d %s", res.Status, res.raw)
			}
			if n := eventCount(t, u, r.event); n != 1 {
				t.Fatalf("fresh: %d %s events, want 1", n, r.event)
			}
			if text := waitAlert(t, u.phone, seen, r.alert); !freezeLink.MatchString(text) {
				t.Fatalf("no freeze link: %q", text)
			}
			onlyOnce(t, u.phone, seen, r.alert)
			if texts := stacktest.SMSTo(t, u.phone)[seen:]; len(texts) != 1 {
				t.Fatalf("%d texts after the change, want 1: %s", len(texts), smsTexts(texts))
			}
		})
	}
}

// eventCount counts the account's events of type typ in the stack's table.
func eventCount(t *testing.T, u signedUp, typ string) int {
	t.Helper()
	db, table := stacktest.StackDynamo(t), stacktest.Config(t).Table
	id := stacktest.GetItem(t, db, table, "PHONE#"+u.phone, "PHONE")["accountId"]
	n := 0
	for _, it := range stacktest.Scan(t, db, table) {
		if it["PK"] == "ACCOUNT#"+str(id) && strings.HasPrefix(str(it["SK"]), "EVENT#") && it["type"] == typ {
			n++
		}
	}
	return n
}
