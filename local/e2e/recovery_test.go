package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// codeText matches the text of an SMS that carries a one-time code, not an alert.
var codeText = regexp.MustCompile(`\b(\d{6}) is your code\b`)

// tokenFor asks for a code (body gets phone and purpose added), waits for the SMS that carries
// it — alerts may reach the same number meanwhile — verifies it and returns the token.
func tokenFor(t *testing.T, c *client, phone, purpose string, body map[string]string, header ...string) string {
	t.Helper()
	code, token := codeAndToken(t, c, phone, purpose, body, header...)
	remember(code, token)
	return token
}

// codeAndToken is tokenFor without remembering: the code it read and the token it got for it.
func codeAndToken(t *testing.T, c *client, phone, purpose string, body map[string]string, header ...string) (code, token string) {
	t.Helper()
	seen := len(stacktest.SMSTo(t, phone))
	if body == nil {
		body = map[string]string{}
	}
	body["phone"], body["purpose"] = phone, purpose
	res := c.do("POST", "/v1/otp", body, header...)
	if res.Status != 202 {
		t.Fatalf("send %s code: %d %s", purpose, res.Status, res.raw)
	}
	id, _ := res.Body["challengeId"].(string)
	code = waitCode(t, phone, seen)
	res = c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code})
	token, _ = res.Body["verificationToken"].(string)
	if res.Status != 200 || token == "" {
		t.Fatalf("verify %s code: %d %s", purpose, res.Status, res.raw)
	}
	return code, token
}

// waitCode waits up to 5 s for an SMS with a code to phone after the first seen ones.
func waitCode(t *testing.T, phone string, seen int) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range stacktest.SMSTo(t, phone)[seen:] {
			if c := codeText.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no code reached %s", phone)
	return ""
}

// otherDevice is a second device the account never saw, as a fresh map.
func otherDevice() map[string]string {
	return map[string]string{"id": "e2e-tablet-0002", "name": "Tablet", "platform": "ios"}
}

const e2eNewPassword = "amber-lantern-forty-7"

// signInOn signs in on a device, through step-up when the device is not proven by its secret,
// and keeps the device's next secret in device.
func signInOn(t *testing.T, c *client, phone, password string, device map[string]string) string {
	t.Helper()
	req := map[string]any{"phone": phone, "password": password, "device": device}
	res := c.do("POST", "/v1/sessions", req)
	if res.Status == 403 && res.Body["code"] == "step_up_required" {
		req["verificationToken"] = tokenFor(t, c, phone, "login_step_up", nil)
		res = c.do("POST", "/v1/sessions", req)
	}
	token, _ := res.Body["sessionToken"].(string)
	secret, _ := res.Body["deviceSecret"].(string)
	if res.Status != 201 || token == "" || secret == "" {
		t.Fatalf("sign in: %d %s", res.Status, res.raw)
	}
	remember(token, secret)
	device["secret"] = secret
	return token
}

func TestLoginResetByCodeEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	token := tokenFor(t, c, u.phone, "reset_login", nil)
	res := c.do("POST", "/v1/password-resets/login", map[string]any{"verificationToken": token, "newPassword": e2eNewPassword, "device": u.device})
	if res.Status != 204 {
		t.Fatalf("reset: %d %s", res.Status, res.raw)
	}
	remember(e2eNewPassword)
	if res := c.do("GET", "/v1/account", nil, bearer(tablet)...); res.Status != 401 {
		t.Fatalf("the other device's session must end: %d", res.Status)
	}
	old := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device})
	if old.Status != 401 || old.Body["code"] != "invalid_credentials" {
		t.Fatalf("old password: %d %s", old.Status, old.raw)
	}
	signInOn(t, c, u.phone, e2eNewPassword, u.device)
}

func TestRiskyLoginResetNeedsASecondFactorEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	req := map[string]any{"verificationToken": tokenFor(t, c, u.phone, "reset_login", nil), "newPassword": e2eNewPassword,
		"device": map[string]string{"id": "stranger-0003", "name": "Unknown", "platform": "android"}}
	res := c.do("POST", "/v1/password-resets/login", req)
	q, _ := res.Body["questionId"].(string)
	if res.Status != 403 || res.Body["code"] != "second_factor_required" || q == "" {
		t.Fatalf("risky reset: %d %s", res.Status, res.raw)
	}
	req["secondFactor"] = map[string]string{"questionId": q, "answer": "not it"}
	if res := c.do("POST", "/v1/password-resets/login", req); res.Status != 401 || res.Body["questionId"] != q {
		t.Fatalf("wrong answer: %d %s", res.Status, res.raw)
	}
	req["secondFactor"] = map[string]string{"questionId": q, "answer": u.answers[q]}
	if res := c.do("POST", "/v1/password-resets/login", req); res.Status != 204 {
		t.Fatalf("right answer: %d %s", res.Status, res.raw)
	}
	remember(e2eNewPassword)
}

const e2eIDNumber = "110101199003074514"

func TestLoginResetWithoutSMSEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, map[string]any{"idType": "national_id", "idNumber": e2eIDNumber})
	remember(e2eIDNumber, e2eCard)
	if res := c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword}, bearer(u.session)...); res.Status != 201 {
		t.Fatalf("link card: %d %s", res.Status, res.raw)
	}
	var answers []map[string]string
	for q, a := range u.answers {
		answers = append(answers, map[string]string{"questionId": q, "answer": a})
	}
	req := map[string]any{"phone": u.phone, "idNumber": e2eIDNumber, "securityAnswers": answers[:2], "bankCardNumber": e2eCard, "newPassword": e2eNewPassword}
	wrong := map[string]any{}
	for k, v := range req {
		wrong[k] = v
	}
	wrong["bankCardNumber"] = "5555555555554444"
	bad := c.do("POST", "/v1/password-resets/login/alternative", wrong)
	unknown := c.do("POST", "/v1/password-resets/login/alternative", map[string]any{"phone": "+8613999999999", "idNumber": e2eIDNumber,
		"securityAnswers": answers[:2], "bankCardNumber": e2eCard, "newPassword": e2eNewPassword})
	if bad.Status != 401 || bad.Body["code"] != "recovery_failed" || unknown.Status != bad.Status || unknown.Body["detail"] != bad.Body["detail"] {
		t.Fatalf("wrong card %d %s / unknown phone %d %s", bad.Status, bad.raw, unknown.Status, unknown.raw)
	}
	if res := c.do("POST", "/v1/password-resets/login/alternative", req); res.Status != 204 {
		t.Fatalf("reset without SMS: %d %s", res.Status, res.raw)
	}
	remember(e2eNewPassword)
	if res := c.do("GET", "/v1/account", nil, bearer(u.session)...); res.Status != 401 {
		t.Fatalf("sessions must end: %d", res.Status)
	}
	signInOn(t, c, u.phone, e2eNewPassword, u.device)
}

func TestPaymentPasswordResetAndVerifyEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	const newPIN = "481937"
	remember(newPIN)
	verify := func(pin string) response {
		return c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": pin}, bearer(u.session)...)
	}
	if res := verify(e2ePaymentPassword); res.Status != 204 {
		t.Fatalf("verify: %d %s", res.Status, res.raw)
	}
	token := tokenFor(t, c, u.phone, "reset_payment", nil)
	res := c.do("POST", "/v1/password-resets/payment", map[string]string{"verificationToken": token, "newPaymentPassword": newPIN}, bearer(u.session)...)
	if res.Status != 204 {
		t.Fatalf("payment reset: %d %s", res.Status, res.raw)
	}
	if res := c.do("GET", "/v1/account", nil, bearer(tablet)...); res.Status != 401 {
		t.Fatalf("the other device's session must end: %d", res.Status)
	}
	if res := verify(e2ePaymentPassword); res.Status != 403 || res.Body["code"] != "wrong_payment_password" {
		t.Fatalf("old payment password: %d %s", res.Status, res.raw)
	}
	if res := verify(newPIN); res.Status != 204 {
		t.Fatalf("new payment password: %d %s", res.Status, res.raw)
	}
	for i := 0; i < 4; i++ {
		verify("000000")
	}
	res = verify("000000")
	if res.Status != 423 || res.Header.Get("Retry-After") == "" || !strings.Contains(string(res.raw), "retryAfterSeconds") {
		t.Fatalf("fifth wrong payment password: %d %s", res.Status, res.raw)
	}
}
