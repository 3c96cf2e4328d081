package e2e

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// localOrigin is the origin a browser on the stack's API has for WebAuthn: localhost and the
// API's port (the stack gives the functions RP_ORIGINS=http://localhost:<port>).
func localOrigin(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(stacktest.Config(t).API)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port()
}

// registerPasskey registers auth's credential on the session through the API and returns the
// passkey view; the ceremony's challenge is remembered for the final scans.
func registerPasskey(t *testing.T, c *client, session, name string, auth *passkeytest.Authenticator) map[string]any {
	t.Helper()
	res := expect(t, "passkey options", c.do("POST", "/v1/passkeys/registrations", nil, bearer(session)...), 201)
	remember(passkeytest.Challenge(t, res.Body["publicKey"]))
	id := res.Body["registrationId"].(string)
	body := map[string]any{"name": name, "credential": json.RawMessage(auth.Register(t, res.Body["publicKey"]))}
	res = expect(t, "passkey registration", c.do("POST", "/v1/passkeys/registrations/"+id, body, bearer(session)...), 201)
	expect(t, "the same ceremony again", c.do("POST", "/v1/passkeys/registrations/"+id, body, bearer(session)...), 409)
	return res.Body
}

// TestPasskeysEndToEnd registers a passkey through the local API with a software authenticator
// on the page's origin http://localhost:<port>, lists, renames and removes it; adding and
// removing each text the account holder. An authenticator used from the API's IP address is
// refused: WebAuthn binds passkeys to a domain.
func TestPasskeysEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	seen := len(stacktest.SMSTo(t, u.phone))
	pk := registerPasskey(t, c, u.session, "Laptop", passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{}))
	waitAlert(t, u.phone, seen, "a passkey was added")

	res := expect(t, "passkeys", c.do("GET", "/v1/passkeys", nil, bearer(u.session)...), 200)
	list := res.Body["passkeys"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["passkeyId"] != pk["passkeyId"] || list[0].(map[string]any)["name"] != "Laptop" {
		t.Fatalf("passkeys: %s", res.raw)
	}
	path := "/v1/passkeys/" + pk["passkeyId"].(string)
	expect(t, "rename", c.do("PATCH", path, map[string]string{"name": "Work laptop"}, bearer(u.session)...), 204)
	res = expect(t, "passkeys", c.do("GET", "/v1/passkeys", nil, bearer(u.session)...), 200)
	if res.Body["passkeys"].([]any)[0].(map[string]any)["name"] != "Work laptop" {
		t.Fatalf("renamed: %s", res.raw)
	}
	seen = len(stacktest.SMSTo(t, u.phone))
	expect(t, "remove", c.do("DELETE", path, nil, bearer(u.session)...), 204)
	waitAlert(t, u.phone, seen, "a passkey was removed")
	if res = expect(t, "passkeys", c.do("GET", "/v1/passkeys", nil, bearer(u.session)...), 200); len(res.Body["passkeys"].([]any)) != 0 {
		t.Fatalf("after removal: %s", res.raw)
	}

	ip := passkeytest.New("localhost", stacktest.Config(t).API, virtualwebauthn.AuthenticatorOptions{})
	res = expect(t, "options", c.do("POST", "/v1/passkeys/registrations", nil, bearer(u.session)...), 201)
	body := map[string]any{"name": "From the IP", "credential": json.RawMessage(ip.Register(t, res.Body["publicKey"]))}
	res = expect(t, "an IP origin", c.do("POST", "/v1/passkeys/registrations/"+res.Body["registrationId"].(string), body, bearer(u.session)...), 400)
	if res.Body["code"] != "passkey_rejected" {
		t.Fatalf("an IP origin: %s", res.raw)
	}
}
