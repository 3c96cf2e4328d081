package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// passkeyHolders is the setup of a passkey sign-in: n accounts, each with a passkey registered
// by a software authenticator (descope/virtualwebauthn, the one the tests use) and the answer to
// a fresh ceremony ready to send. Opening the ceremony is a request of its own (it reads and
// writes nothing), so it is not timed.
func passkeyHolders(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := signedUp(ctx, b, n)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(b.stack.API)
	if err != nil {
		return nil, err
	}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Wallet Accounts", Origin: "http://localhost:" + u.Port()}
	return fs, b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		auth := virtualwebauthn.NewAuthenticator()
		cred := passkeytest.NewCredential() // never a key the verifier would refuse (see there)
		auth.AddCredential(cred)
		var begin struct {
			RegistrationID string          `json:"registrationId"`
			PublicKey      json.RawMessage `json:"publicKey"`
		}
		if err := c.expect(ctx, call{Method: "POST", Path: "/v1/passkeys/registrations", Header: bearer(f.Session)},
			http.StatusCreated, "setup: passkey options", &begin); err != nil {
			return err
		}
		opts, err := virtualwebauthn.ParseAttestationOptions(string(begin.PublicKey))
		if err != nil {
			return fmt.Errorf("setup: passkey options: %w", err)
		}
		auth.Options.UserHandle = []byte(opts.UserID)
		finish := call{Method: "POST", Path: "/v1/passkeys/registrations/" + begin.RegistrationID, Header: bearer(f.Session),
			Body: map[string]any{"name": "Bench key", "credential": json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *opts))}}
		if err := c.expect(ctx, finish, http.StatusCreated, "setup: passkey registration", &map[string]any{}); err != nil {
			return err
		}
		var ceremony struct {
			CeremonyID string          `json:"ceremonyId"`
			PublicKey  json.RawMessage `json:"publicKey"`
		}
		if err := c.expect(ctx, call{Method: "POST", Path: "/v1/sessions/passkey/options"}, http.StatusOK, "setup: passkey ceremony", &ceremony); err != nil {
			return err
		}
		aopts, err := virtualwebauthn.ParseAssertionOptions(string(ceremony.PublicKey))
		if err != nil {
			return fmt.Errorf("setup: passkey ceremony: %w", err)
		}
		f.Passkey = map[string]any{"ceremonyId": ceremony.CeremonyID,
			"credential": json.RawMessage(virtualwebauthn.CreateAssertionResponse(rp, auth, cred, *aopts))}
		return nil
	})
}

// passkeySignInRequest signs in with the fixture's passkey answer on its (proven) device.
func passkeySignInRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/sessions/passkey",
		Body: map[string]any{"ceremonyId": f.Passkey["ceremonyId"], "credential": f.Passkey["credential"], "device": device(f)}}
}
