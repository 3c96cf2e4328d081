package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// startChange opens a phone change: the old number's code, or the identity path.
func startChange(t *testing.T, c *client, u signedUp, identity bool) string {
	t.Helper()
	body := map[string]any{"loginPassword": u.password}
	if identity {
		var answers []map[string]string
		for q, a := range u.answers {
			answers = append(answers, map[string]string{"questionId": q, "answer": a})
		}
		body["identity"] = map[string]any{"idNumber": e2eIDNumber, "securityAnswers": answers[:2], "paymentPassword": e2ePaymentPassword}
	} else {
		body["oldPhoneVerificationToken"] = tokenFor(t, c, u.phone, "phone_change_old", nil)
	}
	res := c.do("POST", "/v1/phone-changes", body, bearer(u.session)...)
	id, _ := res.Body["changeId"].(string)
	if res.Status != 201 || id == "" {
		t.Fatalf("start: %d %s", res.Status, res.raw)
	}
	return id
}

// confirmNew proves the new number for the change and confirms it.
func confirmNew(t *testing.T, c *client, u signedUp, id, newPhone string) response {
	t.Helper()
	token := tokenFor(t, c, newPhone, "phone_change_new", map[string]string{"changeId": id}, bearer(u.session)...)
	return c.do("POST", "/v1/phone-changes/"+id+"/confirm", map[string]string{"verificationToken": token}, bearer(u.session)...)
}

func TestPhoneChangeWithTheOldPhoneEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	newPhone, _ := newPhone()
	id := startChange(t, c, u, false)

	other := signUpWith(t, c, nil) // a number that belongs to someone else
	res := c.do("POST", "/v1/otp", map[string]string{"phone": other.phone, "purpose": "phone_change_new", "changeId": id}, bearer(u.session)...)
	if res.Status != 409 || res.Body["code"] != "phone_taken" {
		t.Fatalf("a taken number: %d %s", res.Status, res.raw)
	}

	res = confirmNew(t, c, u, id, newPhone)
	if res.Status != 200 || res.Body["status"] != "completed" {
		t.Fatalf("confirm: %d %s", res.Status, res.raw)
	}
	if res := c.do("GET", "/v1/account", nil, bearer(tablet)...); res.Status != 401 {
		t.Fatalf("other sessions end: %d", res.Status)
	}
	if res := c.do("GET", "/v1/account", nil, bearer(u.session)...); res.Status != 200 || !strings.HasSuffix(res.Body["phone"].(string), newPhone[len(newPhone)-4:]) {
		t.Fatalf("the account shows the new number: %d %s", res.Status, res.raw)
	}
	old := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device})
	if old.Status != 401 || old.Body["code"] != "invalid_credentials" {
		t.Fatalf("sign-in with the old number: %d %s", old.Status, old.raw)
	}
	signInOn(t, c, newPhone, u.password, u.device)

	// The old number gets no code any more: a reset asked for it sends nothing.
	seen := len(stacktest.SMSTo(t, u.phone))
	if res := c.do("POST", "/v1/otp", map[string]string{"phone": u.phone, "purpose": "reset_login"}); res.Status != 202 {
		t.Fatalf("reset code to the old number: %d", res.Status)
	}
	time.Sleep(time.Second)
	for _, m := range stacktest.SMSTo(t, u.phone)[seen:] {
		if codeText.MatchString(m.Text) {
			t.Fatalf("the old number got a code after the change: %q", m.Text)
		}
	}
	// The number is free again (signing it up anew is tested in shared/phonechange).
	st := stacktest.Config(t)
	if claim := stacktest.GetItem(t, stacktest.StackDynamo(t), st.Table, "PHONE#"+u.phone, "PHONE"); claim != nil {
		t.Fatalf("the old number's claim must be released: %v", claim)
	}
}

func TestPhoneChangeByIdentityHoldCancelAndApplyEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, map[string]any{"idType": "national_id", "idNumber": e2eIDNumber})
	remember(e2eIDNumber)

	// A change the real owner cancels from the old number during the hold.
	id := startChange(t, c, u, true)
	res := confirmNew(t, c, u, id, func() string { p, _ := newPhone(); return p }())
	if res.Status != 200 || res.Body["status"] != "pending" {
		t.Fatalf("identity confirm: %d %s", res.Status, res.raw)
	}
	owner := newClient(t) // no session: only the old phone
	cancel := owner.do("POST", "/v1/phone-changes/"+id+"/cancel", map[string]string{
		"oldPhoneVerificationToken": tokenFor(t, owner, u.phone, "phone_change_old", nil)})
	if cancel.Status != 204 {
		t.Fatalf("cancel: %d %s", cancel.Status, cancel.raw)
	}
	if res := c.do("POST", "/v1/phone-changes/"+id+"/confirm", map[string]string{}, bearer(u.session)...); res.Status != 409 {
		t.Fatalf("a cancelled change cannot complete: %d %s", res.Status, res.raw)
	}

	// A change left alone applies once the hold has passed.
	newPhone, _ := newPhone()
	id = startChange(t, c, u, true)
	res = confirmNew(t, c, u, id, newPhone)
	at, err := time.Parse(time.RFC3339, res.Body["effectiveAt"].(string))
	if res.Status != 200 || res.Body["status"] != "pending" || err != nil {
		t.Fatalf("identity confirm: %d %s", res.Status, res.raw)
	}
	if wait := time.Until(at); wait > 30*time.Second {
		t.Fatalf("the test stack's hold is %v; run through make test (PHONE_CHANGE_HOLD=4s)", wait)
	}
	time.Sleep(time.Until(at) + time.Second)
	res = c.do("POST", "/v1/phone-changes/"+id+"/confirm", map[string]string{}, bearer(u.session)...)
	if res.Status != 200 || res.Body["status"] != "completed" {
		t.Fatalf("after the hold: %d %s", res.Status, res.raw)
	}
	signInOn(t, c, newPhone, u.password, u.device)
}
