package e2e

import (
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// deletedNumber is the number of the account TestDeletionEndToEnd deleted; "" until it did.
var deletedNumber string

// TestZYADeletedNumberSignsUpAgain: the number of a deleted account signs up again, over HTTP.
// Its file name runs it near the end of the package, when the 60 s resend cooldown of the deleted
// account's own signup code has mostly passed; it waits out whatever is left.
func TestZYADeletedNumberSignsUpAgain(t *testing.T) {
	if deletedNumber == "" {
		t.Fatal("TestDeletionEndToEnd deleted no account: run the whole package")
	}
	c := newClient(t)
	seen := len(stacktest.SMSTo(t, deletedNumber))
	res := c.do("POST", "/v1/otp", map[string]string{"phone": deletedNumber, "purpose": "signup"})
	if res.Status == 429 && res.Body["code"] == "resend_too_soon" {
		time.Sleep(time.Duration(res.Body["retryAfterSeconds"].(float64)) * time.Second)
		res = c.do("POST", "/v1/otp", map[string]string{"phone": deletedNumber, "purpose": "signup"})
	}
	if res.Status != 202 {
		t.Fatalf("signup code: %d %s", res.Status, res.raw)
	}
	verified := c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": res.Body["challengeId"].(string),
		"code": smsCode(t, deletedNumber, seen)})
	token, _ := verified.Body["verificationToken"].(string)
	if verified.Status != 200 || token == "" {
		t.Fatalf("verify: %d %s", verified.Status, verified.raw)
	}
	remember(token)
	u := signUpAs(t, c, deletedNumber, token, nil)
	expect(t, "the new account", c.do("GET", "/v1/account", nil, bearer(u.session)...), 200)
}
