package e2e

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPumpedPrefixIsCutOthersAreNot is SMS pumping through the API at the default settings:
// codes sent to PUMPING_MIN_SENDS (20) numbers of one prefix and never verified; the prefix's
// next request is refused (429 rate_limited) although OTP_PREFIX_HOURLY (50) has room, because
// none of its codes was verified (under PUMPING_MIN_VERIFY_RATE) and its cap is now PUMPING_CAP
// (5), already spent. Meanwhile a user of another prefix asks for a code and verifies it as if
// nothing happened. The prefixes are drawn from +86150, which no other end-to-end test uses, so
// the cut prefix cannot be another test's.
func TestPumpedPrefixIsCutOthersAreNot(t *testing.T) {
	p := rand.Perm(10_000)
	pumped, genuine := fmt.Sprintf("+86150%04d", p[0]), fmt.Sprintf("+86150%04d", p[1])
	var c *client
	refused := -1
	for i := 0; i < 26 && refused < 0; i++ { // 20 to judge by, then at most PUMPING_CAP more
		if i%10 == 0 {
			c = newClient(t) // under OTP_IP_HOURLY: the pumping comes from many addresses
		}
		res := c.do("POST", "/v1/otp", map[string]string{"phone": fmt.Sprintf("%s%04d", pumped, i), "purpose": "signup"})
		switch {
		case res.Status == 429 && res.Body["code"] == "rate_limited" && i >= 20:
			refused = i
		case res.Status != 202:
			t.Fatalf("pumping send %d: %d %s", i, res.Status, res.raw)
		}
	}
	// Usually the 21st is refused; an hour that turned during the pumping gives the new hour
	// up to PUMPING_CAP codes of its own. OTP_PREFIX_HOURLY alone would refuse none of these.
	if refused < 0 {
		t.Fatal("26 codes to a prefix none of whose codes was verified, and none refused")
	}
	t.Logf("the prefix's code request %d was refused", refused+1)

	u := newClient(t)
	e164 := genuine + "1234"
	res := u.do("POST", "/v1/otp", map[string]string{"phone": e164, "purpose": "signup"})
	if res.Status != 202 {
		t.Fatalf("genuine user's send: %d %s", res.Status, res.raw)
	}
	id, _ := res.Body["challengeId"].(string)
	code := smsCode(t, e164, 0)
	res = u.do("POST", "/v1/otp/verify", map[string]string{"challengeId": id, "code": code})
	if res.Status != 200 {
		t.Fatalf("genuine user's verify: %d %s", res.Status, res.raw)
	}
	remember(code, res.Body["verificationToken"].(string))
}
