package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

const (
	e2ePassword        = "violet-harbor-seventy-2"
	e2ePaymentPassword = "295071"
	e2eCard            = "4111111111111111"
)

// signUp creates an account through the real HTTP routes: a signup code read back from moto,
// its verification, the question catalogue, then POST /v1/accounts from the device
// "e2e-phone-0001". It returns the phone (E.164), the login password and the session token.
func signUp(t *testing.T, c *client) (phone, password, sessionToken string) {
	t.Helper()
	u := signUpWith(t, c, nil)
	return u.phone, u.password, u.session
}

// signedUp is an account made over HTTP, with what its owner knows.
type signedUp struct {
	phone, password, session string
	answers                  map[string]string // question id -> answer
	device                   map[string]string // the signup device, with the secret that proves it (signInOn keeps it current)
}

// signUpWith signs up as signUp does, with a profile (nil for none).
func signUpWith(t *testing.T, c *client, profile map[string]any) signedUp {
	t.Helper()
	phone, _ := newPhone()
	return signUpAs(t, c, phone, verifiedToken(t, c, phone, "signup", 0), profile)
}

// signUpAs signs up phone with its signup verification token.
func signUpAs(t *testing.T, c *client, phone, token string, profile map[string]any) signedUp {
	t.Helper()
	res := c.do("GET", "/v1/security-questions", nil)
	qs, _ := res.Body["questions"].([]any)
	if res.Status != 200 || len(qs) < 3 {
		t.Fatalf("questions: %d %s", res.Status, res.raw)
	}
	u := signedUp{phone: phone, password: e2ePassword, answers: map[string]string{}}
	answers := []string{"Riverside Primary", "Mochi the cat", "Elm Road"}
	var body []map[string]string
	for i, q := range qs[:3] {
		id, _ := q.(map[string]any)["id"].(string)
		body = append(body, map[string]string{"questionId": id, "answer": answers[i]})
		u.answers[id] = answers[i]
	}
	req := map[string]any{"verificationToken": token, "loginPassword": e2ePassword,
		"paymentPassword": e2ePaymentPassword, "securityAnswers": body, "agreementVersion": "2026-11",
		"device": signupDevice()}
	if profile != nil {
		req["profile"] = profile
	}
	res = c.do("POST", "/v1/accounts", req)
	u.session, _ = res.Body["sessionToken"].(string)
	secret, _ := res.Body["deviceSecret"].(string)
	if res.Status != 201 || u.session == "" || secret == "" {
		t.Fatalf("signup: %d %s", res.Status, res.raw)
	}
	u.device = signupDevice()
	u.device["secret"] = secret
	remember(secret)
	remember(append(answers, e2ePassword, e2ePaymentPassword, u.session)...)
	return u
}

// signupDevice is the device the e2e accounts sign up on, as a fresh map without a secret.
func signupDevice() map[string]string {
	return map[string]string{"id": "e2e-phone-0001", "name": "Phone", "platform": "android"}
}

// verifiedToken asks for a code for phone and purpose, reads it from the SMS numbered after (0
// for the phone's first), and returns the verification token.
func verifiedToken(t *testing.T, c *client, phone, purpose string, after int) string {
	t.Helper()
	res := c.do("POST", "/v1/otp", map[string]string{"phone": phone, "purpose": purpose})
	if res.Status != 202 {
		t.Fatalf("send %s code: %d %s", purpose, res.Status, res.raw)
	}
	id, _ := res.Body["challengeId"].(string)
	code := smsCode(t, phone, after)
	res = c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code})
	token, _ := res.Body["verificationToken"].(string)
	if res.Status != 200 || token == "" {
		t.Fatalf("verify %s code: %d %s", purpose, res.Status, res.raw)
	}
	remember(code, token)
	return token
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// TestAccountLifecycleEndToEnd: sign up, sign in on a second device through step-up, list both
// devices, remove one (its next request is 401), link a card, freeze (every session 401, sign-in
// refused as frozen).
func TestAccountLifecycleEndToEnd(t *testing.T) {
	phone, password, first := signUp(t, newClient(t))
	c := newClient(t) // the second device, from another address
	tablet := map[string]string{"id": "e2e-tablet-0002", "name": "Tablet", "platform": "ios"}
	signIn := map[string]any{"phone": phone, "password": password, "device": tablet}
	res := c.do("POST", "/v1/sessions", signIn)
	if res.Status != 403 || res.Body["code"] != "step_up_required" || res.Body["purpose"] != "login_step_up" {
		t.Fatalf("new device: %d %s", res.Status, res.raw)
	}
	signIn["verificationToken"] = verifiedToken(t, c, phone, "login_step_up", 1)
	res = c.do("POST", "/v1/sessions", signIn)
	second, _ := res.Body["sessionToken"].(string)
	if res.Status != 201 || second == "" || res.Body["expiresAt"] == nil {
		t.Fatalf("step-up sign-in: %d %s", res.Status, res.raw)
	}
	remember(second)

	res = c.do("GET", "/v1/devices", nil, bearer(second)...)
	devs, _ := res.Body["devices"].([]any)
	if res.Status != 200 || len(devs) != 2 {
		t.Fatalf("devices: %d %s", res.Status, res.raw)
	}
	for _, d := range devs {
		d := d.(map[string]any)
		if d["current"] != (d["id"] == tablet["id"]) {
			t.Fatalf("current device wrong: %s", res.raw)
		}
	}
	if res := c.do("DELETE", "/v1/devices/"+tablet["id"], nil, bearer(first)...); res.Status != 204 {
		t.Fatalf("remove device: %d %s", res.Status, res.raw)
	}
	if res := c.do("GET", "/v1/account", nil, bearer(second)...); res.Status != 401 || res.Body["code"] != "unauthenticated" {
		t.Fatalf("removed device's next request: %d %s", res.Status, res.raw)
	}

	res = c.do("GET", "/v1/account", nil, bearer(first)...)
	if res.Status != 200 || res.Body["status"] != "active" || res.Body["verificationLevel"] != "phone" ||
		strings.Contains(string(res.raw), phone[3:]) || !strings.HasSuffix(res.Body["phone"].(string), phone[len(phone)-4:]) {
		t.Fatalf("account: %d %s", res.Status, res.raw)
	}

	res = c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": "4111 1111 1111 1111", "paymentPassword": e2ePaymentPassword}, bearer(first)...)
	remember(e2eCard)
	if res.Status != 201 || res.Body["last4"] != "1111" {
		t.Fatalf("link card: %d %s", res.Status, res.raw)
	}
	res = c.do("GET", "/v1/bank-cards", nil, bearer(first)...)
	if cards, _ := res.Body["cards"].([]any); res.Status != 200 || len(cards) != 1 {
		t.Fatalf("cards: %d %s", res.Status, res.raw)
	}

	res = c.do("POST", "/v1/account/freeze", nil, bearer(first)...)
	if res.Status != 200 || res.Body["status"] != "frozen" {
		t.Fatalf("freeze: %d %s", res.Status, res.raw)
	}
	for _, path := range []string{"/v1/account", "/v1/devices", "/v1/bank-cards"} {
		if res := c.do("GET", path, nil, bearer(first)...); res.Status != 401 {
			t.Fatalf("GET %s after freezing: %d %s", path, res.Status, res.raw)
		}
	}
	res = c.do("POST", "/v1/sessions", map[string]any{"phone": phone, "password": password, "device": signupDevice()})
	if res.Status != 403 || res.Body["code"] != "account_frozen" {
		t.Fatalf("sign-in when frozen: %d %s", res.Status, res.raw)
	}
}

// TestSignInLockoutEndToEnd: five wrong passwords lock sign-in (423 with Retry-After), and a
// number without an account is answered exactly as a wrong password is.
func TestSignInLockoutEndToEnd(t *testing.T) {
	c := newClient(t)
	phone, password, _ := signUp(t, c)
	unknown, _ := newPhone()
	device := map[string]string{"id": "e2e-phone-0001", "name": "Phone", "platform": "android"}
	for i := 1; i <= 5; i++ {
		wrong := fmt.Sprintf("wrong-%d-%d", i, rand.IntN(1000))
		k := c.do("POST", "/v1/sessions", map[string]any{"phone": phone, "password": wrong, "device": device})
		u := c.do("POST", "/v1/sessions", map[string]any{"phone": unknown, "password": wrong, "device": device})
		want, code := 401, "invalid_credentials"
		if i == 5 {
			want, code = 423, "locked"
		}
		if k.Status != want || k.Body["code"] != code || u.Status != k.Status || string(u.raw) != string(k.raw) ||
			u.Header.Get("Retry-After") != k.Header.Get("Retry-After") {
			t.Fatalf("attempt %d: known %d %s, unknown %d %s", i, k.Status, k.raw, u.Status, u.raw)
		}
	}
	res := c.do("POST", "/v1/sessions", map[string]any{"phone": phone, "password": password, "device": device})
	if res.Status != 423 || res.Header.Get("Retry-After") == "" || res.Body["retryAfterSeconds"] == nil {
		t.Fatalf("the right password during the lock: %d %v %s", res.Status, res.Header, res.raw)
	}
}
