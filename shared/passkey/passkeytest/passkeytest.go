// Package passkeytest is a software authenticator for tests: descope/virtualwebauthn holding one
// credential, answering the options the API hands out as a browser and a platform authenticator
// would (packed self attestation, user present and verified unless told otherwise). Tests only.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// Authenticator is one authenticator with one credential, used from one origin.
type Authenticator struct {
	RP   virtualwebauthn.RelyingParty
	Auth virtualwebauthn.Authenticator
	Cred virtualwebauthn.Credential
}

// New returns an authenticator with a fresh EC2 (P-256) credential for relying party rpID, used
// from origin (the page's, e.g. http://localhost:3000). opts may say the user is not verified.
func New(rpID, origin string, opts virtualwebauthn.AuthenticatorOptions) *Authenticator {
	a := &Authenticator{RP: virtualwebauthn.RelyingParty{ID: rpID, Name: "Wallet Accounts", Origin: origin},
		Auth: virtualwebauthn.NewAuthenticatorWithOptions(opts), Cred: NewCredential()}
	a.Auth.AddCredential(a.Cred)
	return a
}

// NewCredential is a P-256 credential whose public key's coordinates are both 32 bytes long.
// virtualwebauthn (v1.0.3) writes the COSE key's x and y with big.Int.Bytes, which drops leading
// zero bytes, so about 1 key in 128 reaches the verifier with a 31-byte coordinate and is
// (rightly) refused: a flaky test, not a server fault. Such keys are drawn again.
func NewCredential() virtualwebauthn.Credential {
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}

// Register answers creation options (the API's publicKey member, as a value or its JSON) with the
// credential's attestation, as PublicKeyCredential's JSON; the authenticator keeps the user handle
// for its assertions, as a resident key does.
func (a *Authenticator) Register(t testing.TB, publicKey any) []byte {
	t.Helper()
	opts, err := virtualwebauthn.ParseAttestationOptions(string(asJSON(t, publicKey)))
	if err != nil {
		t.Fatalf("passkeytest: creation options: %v", err)
	}
	a.Auth.Options.UserHandle = []byte(opts.UserID)
	return []byte(virtualwebauthn.CreateAttestationResponse(a.RP, a.Auth, a.Cred, *opts))
}

// Excluded reports whether creation options exclude the credential (a real authenticator then
// refuses to register it again).
func (a *Authenticator) Excluded(t testing.TB, publicKey any) bool {
	t.Helper()
	opts, err := virtualwebauthn.ParseAttestationOptions(string(asJSON(t, publicKey)))
	if err != nil {
		t.Fatalf("passkeytest: creation options: %v", err)
	}
	return a.Cred.IsExcludedForAttestation(*opts)
}

// Assert answers request options with an assertion by the credential, its signature counter one
// up (a counter that was 0 stays 0 unless Counting was called).
func (a *Authenticator) Assert(t testing.TB, publicKey any) []byte {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(asJSON(t, publicKey)))
	if err != nil {
		t.Fatalf("passkeytest: request options: %v", err)
	}
	if a.Cred.Counter > 0 {
		a.Cred.Counter++
	}
	return []byte(virtualwebauthn.CreateAssertionResponse(a.RP, a.Auth, a.Cred, *opts))
}

// Counting makes the credential's signature counter start at n (a counter of 0 means the
// authenticator keeps none, as most synced passkeys do).
func (a *Authenticator) Counting(n uint32) { a.Cred.Counter = n }

// Challenge returns the challenge of options, as base64url: what a test plants for the scans.
func Challenge(t testing.TB, publicKey any) string {
	t.Helper()
	var o struct {
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(asJSON(t, publicKey), &o); err != nil || o.Challenge == "" {
		t.Fatalf("passkeytest: no challenge in options: %v", err)
	}
	return o.Challenge
}

func asJSON(t testing.TB, v any) []byte {
	t.Helper()
	switch b := v.(type) {
	case []byte:
		return b
	case json.RawMessage:
		return b
	case string:
		return []byte(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("passkeytest: %v", err)
	}
	return b
}

// PublicKey is the credential's public key as the relying party stores it (COSE): what a test
// looks for where no key material may be (logs).
func (a *Authenticator) PublicKey() []byte { return a.Cred.Key.AttestationData() }
