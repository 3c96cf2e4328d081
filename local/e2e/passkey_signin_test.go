package e2e

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// passkeyAnswer opens a ceremony and has auth answer it: the body member a flow takes.
func passkeyAnswer(t *testing.T, c *client, auth *passkeytest.Authenticator) map[string]any {
	t.Helper()
	res := expect(t, "passkey ceremony", c.do("POST", "/v1/sessions/passkey/options", nil), 200)
	remember(passkeytest.Challenge(t, res.Body["publicKey"]))
	return map[string]any{"ceremonyId": res.Body["ceremonyId"], "credential": json.RawMessage(auth.Assert(t, res.Body["publicKey"]))}
}

// TestPasskeySignInEndToEnd: a passkey alone signs in (on a new device: enrolled, announced, no
// code); as a step-up it stands in for the code; it reauthenticates; another account's passkey
// proves nothing for this one.
func TestPasskeySignInEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	auth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	registerPasskey(t, c, u.session, "Phone", auth)

	seen := len(stacktest.SMSTo(t, u.phone))
	laptop := map[string]string{"id": "e2e-laptop-0003", "name": "Laptop", "platform": "web"}
	body := passkeyAnswer(t, c, auth)
	body["device"] = laptop
	res := expect(t, "passkey sign-in", c.do("POST", "/v1/sessions/passkey", body), 201)
	session, secret := res.Body["sessionToken"].(string), res.Body["deviceSecret"].(string)
	remember(session, secret)
	waitAlert(t, u.phone, seen, "new device")
	expect(t, "the passkey's session", c.do("GET", "/v1/account", nil, bearer(session)...), 200)
	expect(t, "the ceremony again", c.do("POST", "/v1/sessions/passkey", body), 409)

	// A password sign-in on a new device takes the passkey as its step-up.
	tablet := otherDevice()
	res = c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": tablet})
	if res.Status != 403 || res.Body["code"] != "step_up_required" {
		t.Fatalf("a new device: %d %s", res.Status, res.raw)
	}
	res = expect(t, "step-up with a passkey", c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password,
		"device": tablet, "passkey": passkeyAnswer(t, c, auth)}), 201)
	remember(res.Body["sessionToken"].(string), res.Body["deviceSecret"].(string))

	// Reauthentication with the passkey; another account's passkey is refused.
	expect(t, "reauthenticate with a passkey", c.do("POST", "/v1/sessions/current/reauthenticate",
		map[string]any{"passkey": passkeyAnswer(t, c, auth)}, bearer(session)...), 204)
	other := signUpWith(t, c, nil)
	otherAuth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	registerPasskey(t, c, other.session, "Other", otherAuth)
	res = c.do("POST", "/v1/sessions/current/reauthenticate", map[string]any{"passkey": passkeyAnswer(t, c, otherAuth)}, bearer(session)...)
	if res.Status != 401 || res.Body["code"] != "unknown_passkey" {
		t.Fatalf("another account's passkey: %d %s", res.Status, res.raw)
	}
}

// TestOneCeremonyOneSessionEndToEnd: ten parallel sign-ins with one answer to one ceremony make
// exactly one session; the others are told the ceremony was used.
func TestOneCeremonyOneSessionEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	auth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	registerPasskey(t, c, u.session, "Phone", auth)
	body := passkeyAnswer(t, c, auth)
	body["device"] = map[string]string{"id": "e2e-race-00001", "name": "Race", "platform": "web"}
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			res := newClient(t).do("POST", "/v1/sessions/passkey", body)
			statuses[i] = res.Status
			if tok, ok := res.Body["sessionToken"].(string); ok {
				remember(tok, res.Body["deviceSecret"].(string))
			}
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[201] != 1 || counts[201]+counts[409] != len(statuses) {
		t.Fatalf("one ceremony, ten answers: %v; want one 201, the rest 409", counts)
	}
}

// TestAClonedPasskeyIsRefusedEndToEnd: an authenticator whose sign count goes backwards (a copy
// of the key answering after the original) is refused, and the holder is alerted.
func TestAClonedPasskeyIsRefusedEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	auth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	auth.Counting(10)
	registerPasskey(t, c, u.session, "Key", auth)
	clone := *auth
	body := passkeyAnswer(t, c, auth) // counter 11
	body["device"] = u.device
	res := expect(t, "the original", c.do("POST", "/v1/sessions/passkey", body), 201)
	remember(res.Body["sessionToken"].(string), res.Body["deviceSecret"].(string))
	seen := len(stacktest.SMSTo(t, u.phone))
	clone.Cred.Counter = 9 // the copy was taken earlier: its next count (10) is behind the stored 11
	body = passkeyAnswer(t, c, &clone)
	body["device"] = otherDevice()
	res = c.do("POST", "/v1/sessions/passkey", body)
	if res.Status != 403 || res.Body["code"] != "passkey_clone_suspected" {
		t.Fatalf("a cloned passkey: %d %s", res.Status, res.raw)
	}
	waitAlert(t, u.phone, seen, "may be copied")
}

// TestAPasskeyIsARiskyResetsSecondFactorEndToEnd: a login reset from an unproven device offers
// the account's passkey as a second factor, and takes it.
func TestAPasskeyIsARiskyResetsSecondFactorEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	auth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	registerPasskey(t, c, u.session, "Phone", auth)
	req := map[string]any{"verificationToken": tokenFor(t, c, u.phone, "reset_login", nil), "newPassword": e2eNewPassword,
		"device": otherDevice()}
	res := c.do("POST", "/v1/password-resets/login", req)
	factors, _ := res.Body["acceptableFactors"].([]any)
	if res.Status != 403 || res.Body["code"] != "second_factor_required" || len(factors) != 2 || factors[1] != "passkey" {
		t.Fatalf("a risky reset: %d %s, want the passkey among the factors", res.Status, res.raw)
	}
	req["secondFactor"] = map[string]any{"passkey": passkeyAnswer(t, c, auth)}
	expect(t, "a passkey as the second factor", c.do("POST", "/v1/password-resets/login", req), 204)
	remember(e2eNewPassword)
}
