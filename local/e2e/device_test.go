package e2e

import (
	"maps"
	"testing"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// TestADeviceIdProvesNothingEndToEnd: with the right password and the signup device's id but no
// secret, or a wrong one, a sign-in is a new device's (step-up, then the new-device alert); a
// login reset from that id asks for the second factor; with the secret, neither is asked.
func TestADeviceIdProvesNothingEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	claimed := signupDevice() // the id, not the secret
	wrong := signupDevice()
	wrong["secret"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for name, dev := range map[string]map[string]string{"no secret": claimed, "a wrong secret": wrong} {
		res := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": dev})
		if res.Status != 403 || res.Body["code"] != "step_up_required" {
			t.Fatalf("%s: %d %s, want 403 step_up_required", name, res.Status, res.raw)
		}
	}
	res := c.do("POST", "/v1/password-resets/login", map[string]any{"verificationToken": tokenFor(t, c, u.phone, "reset_login", nil),
		"newPassword": e2eNewPassword, "device": claimed})
	if res.Status != 403 || res.Body["code"] != "second_factor_required" {
		t.Fatalf("a reset from a claimed device id: %d %s, want 403 second_factor_required", res.Status, res.raw)
	}
	seen := len(stacktest.SMSTo(t, u.phone))
	signInOn(t, c, u.phone, u.password, claimed) // through the step-up code
	waitAlert(t, u.phone, seen, "new device")

	// The device the step-up enrolled now proves itself: no code, no alert.
	seen = len(stacktest.SMSTo(t, u.phone))
	res = c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": claimed})
	if res.Status != 201 || res.Body["deviceSecret"] == nil || res.Body["deviceSecret"] == claimed["secret"] {
		t.Fatalf("a proven device: %d %s, want 201 with its next secret", res.Status, res.raw)
	}
	remember(res.Body["sessionToken"].(string), res.Body["deviceSecret"].(string))
	if got := stacktest.SMSTo(t, u.phone)[seen:]; len(got) != 0 {
		t.Fatalf("a proven device's sign-in sent %s", smsTexts(got))
	}
}

// TestAReusedDeviceSecretRevokesTheDeviceEndToEnd: a device secret that later sign-ins replaced,
// presented again (a copy of it), revokes the device: its session ends, the sign-in is a new
// device's, and the holder is alerted with a freeze link.
func TestAReusedDeviceSecretRevokesTheDeviceEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	copied := maps.Clone(u.device)
	signInOn(t, c, u.phone, u.password, u.device)            // replaces copied's secret
	session := signInOn(t, c, u.phone, u.password, u.device) // and its successor (the one just replaced is a race for 30 s)
	seen := len(stacktest.SMSTo(t, u.phone))
	thief := newClient(t)
	res := thief.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": copied})
	if res.Status != 403 || res.Body["code"] != "step_up_required" {
		t.Fatalf("a replaced secret: %d %s, want 403 step_up_required", res.Status, res.raw)
	}
	if res := c.do("GET", "/v1/account", nil, bearer(session)...); res.Status != 401 {
		t.Fatalf("the revoked device's session: %d, want 401", res.Status)
	}
	waitAlert(t, u.phone, seen, "old key")
	res = c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device})
	if res.Status != 403 || res.Body["code"] != "step_up_required" {
		t.Fatalf("the revoked device's current secret: %d %s, want 403 step_up_required", res.Status, res.raw)
	}
	onlyOnce(t, u.phone, seen, "old key")
}

// TestReauthenticateEndToEnd: the login password proves the session's holder again (204); a
// wrong one answers 403 wrong_password, keeps the session, and counts toward the sign-in lock.
func TestReauthenticateEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	reauth := func(password string) response {
		return c.do("POST", "/v1/sessions/current/reauthenticate", map[string]string{"password": password}, bearer(u.session)...)
	}
	if res := reauth(u.password); res.Status != 204 {
		t.Fatalf("right password: %d %s", res.Status, res.raw)
	}
	for i := 1; i <= 4; i++ {
		if res := reauth("not-the-password-7"); res.Status != 403 || res.Body["code"] != "wrong_password" {
			t.Fatalf("wrong password %d: %d %s", i, res.Status, res.raw)
		}
	}
	if res := c.do("GET", "/v1/account", nil, bearer(u.session)...); res.Status != 200 {
		t.Fatalf("a wrong password must not end the session: %d", res.Status)
	}
	if res := reauth("not-the-password-7"); res.Status != 423 || res.Body["code"] != "locked" {
		t.Fatalf("the fifth wrong password: %d %s", res.Status, res.raw)
	}
	res := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device})
	if res.Status != 423 {
		t.Fatalf("sign-in during the lock that reauthentication set: %d %s", res.Status, res.raw)
	}
}

// TestChangeLoginPasswordEndToEnd: with fresh proof and the current password, the login password
// changes; this session stays, the other device's ends, the old password fails, the new one
// signs in, and the holder is texted once.
func TestChangeLoginPasswordEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	change := func(current string) response {
		return c.do("PUT", "/v1/account/login-password", map[string]string{"currentPassword": current, "newPassword": e2eNewPassword},
			bearer(u.session)...)
	}
	if res := change("not-the-password-7"); res.Status != 403 || res.Body["code"] != "wrong_password" || res.Body["attemptsRemaining"] != float64(4) {
		t.Fatalf("a wrong current password: %d %s", res.Status, res.raw)
	}
	seen := len(stacktest.SMSTo(t, u.phone))
	expect(t, "change", change(u.password), 204)
	remember(e2eNewPassword)
	waitAlert(t, u.phone, seen, "login password was changed")
	expect(t, "this session", c.do("GET", "/v1/account", nil, bearer(u.session)...), 200)
	expect(t, "the tablet's session", c.do("GET", "/v1/account", nil, bearer(tablet)...), 401)
	expect(t, "the old password", c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device}), 401)
	signInOn(t, c, u.phone, e2eNewPassword, u.device)
	onlyOnce(t, u.phone, seen, "login password was changed")
}

// TestChangePaymentPasswordAndAnswersEndToEnd: with fresh proof and the payment password, the
// payment password and the security answers change, each texting the holder once.
func TestChangePaymentPasswordAndAnswersEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	const newPIN = "481937"
	remember(newPIN)
	seen := len(stacktest.SMSTo(t, u.phone))
	expect(t, "change the payment password", c.do("PUT", "/v1/account/payment-password",
		map[string]string{"currentPaymentPassword": e2ePaymentPassword, "newPaymentPassword": newPIN}, bearer(u.session)...), 204)
	waitAlert(t, u.phone, seen, "payment password was changed")
	res := c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(u.session)...)
	if res.Status != 403 || res.Body["code"] != "wrong_payment_password" {
		t.Fatalf("the old payment password: %d %s", res.Status, res.raw)
	}
	expect(t, "the new payment password", c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": newPIN},
		bearer(u.session)...), 204)

	answers := []map[string]string{{"questionId": "first_school", "answer": "Hillside Primary"},
		{"questionId": "first_pet", "answer": "Biscuit"}, {"questionId": "childhood_street", "answer": "Oak Lane"}}
	remember("Hillside Primary", "Biscuit", "Oak Lane")
	seen = len(stacktest.SMSTo(t, u.phone))
	expect(t, "change the answers", c.do("PUT", "/v1/account/security-answers",
		map[string]any{"paymentPassword": newPIN, "securityAnswers": answers}, bearer(u.session)...), 204)
	waitAlert(t, u.phone, seen, "security answers were changed")
	onlyOnce(t, u.phone, seen, "security answers were changed")
}

// TestLostPhoneLockEndToEnd: from another device, without SMS, the phone, the login password and
// one security answer freeze the account (its sessions end); wrong data and an unknown number
// answer alike.
func TestLostPhoneLockEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	q := "first_pet"
	for id := range u.answers {
		q = id
		break
	}
	unknown, _ := newPhone()
	wrong := c.do("POST", "/v1/account/lock", map[string]any{"phone": u.phone, "loginPassword": u.password,
		"securityAnswer": map[string]string{"questionId": q, "answer": "not it"}})
	none := c.do("POST", "/v1/account/lock", map[string]any{"phone": unknown, "loginPassword": u.password,
		"securityAnswer": map[string]string{"questionId": q, "answer": "not it"}})
	if wrong.Status != 401 || wrong.Body["code"] != "recovery_failed" || string(wrong.raw) != string(none.raw) || none.Status != wrong.Status {
		t.Fatalf("wrong data %d %s / unknown number %d %s", wrong.Status, wrong.raw, none.Status, none.raw)
	}
	res := expect(t, "lock", newClient(t).do("POST", "/v1/account/lock", map[string]any{"phone": u.phone, "loginPassword": u.password,
		"securityAnswer": map[string]string{"questionId": q, "answer": u.answers[q]}}), 200)
	if res.Body["status"] != "frozen" {
		t.Fatalf("lock: %s", res.raw)
	}
	expect(t, "the session after the lock", c.do("GET", "/v1/account", nil, bearer(u.session)...), 401)
	res = c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device})
	if res.Status != 403 || res.Body["code"] != "account_frozen" {
		t.Fatalf("sign-in after the lock: %d %s", res.Status, res.raw)
	}
}
