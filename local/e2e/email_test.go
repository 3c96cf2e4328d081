package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// newEmail is an address no other test uses, in mixed case (the API lower-cases it); letters
// only, so no run of digits in it reads as a card number to the canary.
func newEmail() string {
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte('a' + rand.IntN(26))
	}
	return fmt.Sprintf("Mei.Lin.%s@Example.com", b)
}

// emailCode asks for a code to addr from the session, reads it from moto's SES and returns the
// challenge and the code.
func emailCode(t *testing.T, c *client, session, addr string) (string, string) {
	t.Helper()
	before := len(stacktest.EmailTo(t, addr))
	res := expect(t, "email code", c.do("POST", "/v1/account/email", map[string]string{"email": addr}, bearer(session)...), 202)
	id, _ := res.Body["challengeId"].(string)
	m := stacktest.WaitEmail(t, addr, before, 10*time.Second)
	code := m.Code(t)
	remember(code)
	return id, code
}

// bindEmail binds addr to the session's account.
func bindEmail(t *testing.T, c *client, session, addr string) {
	t.Helper()
	id, code := emailCode(t, c, session, addr)
	res := expect(t, "verify email", c.do("POST", "/v1/account/email/verify", map[string]string{"challengeId": id, "code": code}, bearer(session)...), 200)
	if res.Body["email"] != strings.ToLower(addr) || res.Body["emailVerified"] != true {
		t.Fatalf("verify: %s", res.raw)
	}
}

// signInByEmail signs in with addr on the account's signup device (proven by its secret) and
// answers the response; a success replaces the device's session and secret in u.
func signInByEmail(c *client, u *signedUp, addr string) response {
	res := c.do("POST", "/v1/sessions", map[string]any{"email": addr, "password": u.password, "device": u.device})
	if s, _ := res.Body["deviceSecret"].(string); s != "" {
		u.device["secret"] = s
		remember(s)
	}
	if tok, _ := res.Body["sessionToken"].(string); tok != "" {
		u.session = tok
		remember(tok)
	}
	return res
}

// TestEmailBindChangeAndSignInEndToEnd: an address is bound by the code sent to it and then
// signs in like the phone; a change keeps the old address bound (it still signs in) until the
// new one is verified, and then only the new one signs in; the phone is texted each time and the
// replaced address told by email, each with a freeze link; the profile shows the verified email.
func TestEmailBindChangeAndSignInEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	first, second := newEmail(), newEmail()
	seen := len(stacktest.SMSTo(t, u.phone))
	bindEmail(t, c, u.session, first)
	waitAlert(t, u.phone, seen, "set for sign-in")
	res := expect(t, "account", c.do("GET", "/v1/account", nil, bearer(u.session)...), 200)
	if p, _ := res.Body["profile"].(map[string]any); p["email"] != strings.ToLower(first) || p["emailVerified"] != true {
		t.Fatalf("profile: %s", res.raw)
	}
	expect(t, "sign in by email", signInByEmail(c, &u, strings.ToUpper(first)), 201)

	// A code to the new address changes nothing yet.
	id, code := emailCode(t, c, u.session, second)
	expect(t, "the old address before the new is verified", signInByEmail(c, &u, first), 201)
	expect(t, "the new address before it is verified", signInByEmail(c, &u, second), 401)
	olds := len(stacktest.EmailTo(t, first))
	seen = len(stacktest.SMSTo(t, u.phone))
	expect(t, "verify the new address", c.do("POST", "/v1/account/email/verify", map[string]string{"challengeId": id, "code": code}, bearer(u.session)...), 200)
	expect(t, "the old address after the change", signInByEmail(c, &u, first), 401)
	expect(t, "the new address after the change", signInByEmail(c, &u, second), 201)
	waitAlert(t, u.phone, seen, "set for sign-in")
	notice := stacktest.WaitEmail(t, first, olds, 10*time.Second)
	rememberLink(notice.Body)
	if !strings.Contains(notice.Body, "was changed from this address") || !strings.Contains(notice.Body, "/f/") ||
		strings.Contains(notice.Body, strings.ToLower(second)) {
		t.Fatalf("notice to the old address: %q", notice.Body)
	}
	// The code was spent: it binds nothing again.
	res = c.do("POST", "/v1/account/email/verify", map[string]string{"challengeId": id, "code": code}, bearer(u.session)...)
	if res.Status != 404 || res.Body["code"] != "challenge_not_found" {
		t.Fatalf("the code again: %d %s", res.Status, res.raw)
	}
	// The verified address again, in another case: already bound.
	res = c.do("POST", "/v1/account/email", map[string]string{"email": strings.ToUpper(second)}, bearer(u.session)...)
	if res.Status != 409 || res.Body["code"] != "email_already_bound" {
		t.Fatalf("the same address again: %d %s", res.Status, res.raw)
	}
	res = c.do("POST", "/v1/account/email", map[string]string{"email": "not an address"}, bearer(u.session)...)
	if res.Status != 400 || res.Body["code"] != "invalid_email" {
		t.Fatalf("a bad address: %d %s", res.Status, res.raw)
	}
}

// TestEmailSignInNeedsExactlyOneEndToEnd: phone and email together, or neither, are a 400.
func TestEmailSignInNeedsExactlyOneEndToEnd(t *testing.T) {
	c := newClient(t)
	phone, _ := newPhone()
	both := c.do("POST", "/v1/sessions", map[string]any{"phone": phone, "email": newEmail(), "password": e2ePassword, "device": signupDevice()})
	neither := c.do("POST", "/v1/sessions", map[string]any{"password": e2ePassword, "device": signupDevice()})
	if both.Status != 400 || both.Body["code"] != "invalid_field" || neither.Status != 400 || neither.Body["code"] != "missing_field" {
		t.Fatalf("both %d %s, neither %d %s", both.Status, both.raw, neither.Status, neither.raw)
	}
}

// TestTwoAccountsRaceForOneEmailEndToEnd: accounts that each hold a right code for one address
// spend them at once through the API: exactly one gets it, the others are told email_taken (or
// conflict), and the address signs in to the winner only.
func TestTwoAccountsRaceForOneEmailEndToEnd(t *testing.T) {
	addr := newEmail()
	const n = 3
	us := make([]signedUp, n)
	ids, codes := make([]string, n), make([]string, n)
	for i := range us {
		c := newClient(t)
		us[i] = signUpWith(t, c, nil)
		ids[i], codes[i] = emailCode(t, c, us[i].session, addr)
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := newClient(t).do("POST", "/v1/account/email/verify", map[string]string{"challengeId": ids[i], "code": codes[i]}, bearer(us[i].session)...)
			statuses[i] = res.Status
			if res.Status != 200 && res.Status != 409 {
				t.Errorf("verify %d: %d %s", i, res.Status, res.raw)
			}
		}()
	}
	wg.Wait()
	winners := 0
	for i, st := range statuses {
		res := expect(t, "account", newClient(t).do("GET", "/v1/account", nil, bearer(us[i].session)...), 200)
		p, _ := res.Body["profile"].(map[string]any)
		if st == 200 {
			winners++
			expect(t, "the winner signs in by email", signInByEmail(newClient(t), &us[i], addr), 201)
		} else if p["email"] != nil || p["emailVerified"] != nil {
			t.Errorf("a loser has the address: %s", res.raw)
		}
	}
	if winners != 1 {
		t.Fatalf("statuses %v: want exactly one 200", statuses)
	}
}

// TestLockByEmailEndToEnd: a lost phone's account is locked with its verified email instead of
// the phone; a wrong answer and an address without an account answer alike.
func TestLockByEmailEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	addr := newEmail()
	bindEmail(t, c, u.session, addr)
	var q string
	for id := range u.answers {
		q = id
		break
	}
	wrong := c.do("POST", "/v1/account/lock", map[string]any{"email": addr, "loginPassword": u.password,
		"securityAnswer": map[string]string{"questionId": q, "answer": "not it"}})
	none := c.do("POST", "/v1/account/lock", map[string]any{"email": newEmail(), "loginPassword": u.password,
		"securityAnswer": map[string]string{"questionId": q, "answer": "not it"}})
	if wrong.Status != 401 || wrong.Body["code"] != "recovery_failed" || string(wrong.raw) != string(none.raw) {
		t.Fatalf("wrong %d %s / unknown %d %s", wrong.Status, wrong.raw, none.Status, none.raw)
	}
	res := expect(t, "lock by email", newClient(t).do("POST", "/v1/account/lock", map[string]any{"email": strings.ToUpper(addr),
		"loginPassword": u.password, "securityAnswer": map[string]string{"questionId": q, "answer": u.answers[q]}}), 200)
	if res.Body["status"] != "frozen" {
		t.Fatalf("lock: %s", res.raw)
	}
	expect(t, "the session after the lock", c.do("GET", "/v1/account", nil, bearer(u.session)...), 401)
}

// TestRemoveEmailEndToEnd: removing the email needs fresh proof; afterwards the address no
// longer signs in, the phone is texted and the address told by email; a second removal is 409
// no_email.
func TestRemoveEmailEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	addr := newEmail()
	bindEmail(t, c, u.session, addr)
	seen, mails := len(stacktest.SMSTo(t, u.phone)), len(stacktest.EmailTo(t, addr))
	expect(t, "remove", c.do("DELETE", "/v1/account/email", nil, bearer(u.session)...), 204)
	expect(t, "sign in by the removed address", signInByEmail(c, &u, addr), 401)
	waitAlert(t, u.phone, seen, "was removed at")
	notice := stacktest.WaitEmail(t, addr, mails, 10*time.Second)
	rememberLink(notice.Body)
	if !strings.Contains(notice.Body, "removed from your Wallet account") || !strings.Contains(notice.Body, "/f/") {
		t.Fatalf("notice: %q", notice.Body)
	}
	res := c.do("DELETE", "/v1/account/email", nil, bearer(u.session)...)
	if res.Status != 409 || res.Body["code"] != "no_email" {
		t.Fatalf("again: %d %s", res.Status, res.raw)
	}
}

// rememberLink adds the freeze token of a notice's link to the secrets the final scans look for.
func rememberLink(text string) {
	if l := freezeLink.FindStringSubmatch(text); l != nil {
		remember(l[1])
	}
}
