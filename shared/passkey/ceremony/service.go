// Package ceremony registers and manages an account's passkeys (WebAuthn credentials) and verifies
// passkey assertions for the flows that accept one.
//
// # Ceremonies
//
// Asking for options writes nothing, so that a stranger may ask (discoverable sign-in) at no cost
// to the table. A ceremony is an opaque id the client echoes: a blob holding the ceremony's
// purpose, the account it is bound to ("" for a discoverable sign-in), its expiry (passkey.CeremonyTTL,
// 5 minutes) and 32 random bytes, MAC'd under the current pepper key (secret.Keyring; the blob
// names its key, so a rotation between options and answer does not break a ceremony). The
// challenge the authenticator signs is derived from the blob under the same key: it is never
// stored, never in the id, and never logged. A ceremony is single use: the write that consumes it
// puts a spent-marker (CEREMONY#<sha-256 of the id>, kept until the ceremony's expiry by TTL)
// conditional on its absence, in the same transaction as its effect, so of two answers racing
// with one ceremony exactly one takes effect.
//
// # Registration and management
//
// BeginRegistration and FinishRegistration need a session with fresh proof
// (account.Principal.RequireFresh, RECENT_AUTH_WINDOW). User verification and a resident
// (discoverable) key are required; the account's passkeys are excluded. The passkey, its
// credential-id index item (PASSKEY#<sha-256 of the credential id>, conditional on absence: a
// credential belongs to one account) and the ceremony's marker are written with a passkey_added
// event in one transaction. List, Rename and Remove (fresh proof; passkey_removed) manage them.
//
// # Assertions, for the flows that accept a passkey
//
// A flow that accepts a passkey assertion (sign-in, step-up, reauthentication, a risky reset's
// second factor) calls, with its own purpose:
//
//	opts, err := passkeys.BeginAssertion(ctx, passkey.PurposeSignIn, "")        // discoverable
//	opts, err := passkeys.BeginAssertion(ctx, passkey.PurposeReauth, accountID) // bound to an account
//	// the client answers navigator.credentials.get({publicKey: opts.PublicKey}) with opts.CeremonyID
//	proof, err := passkeys.VerifyAssertion(ctx, ceremonyID, credentialJSON, passkey.PurposeReauth, accountID)
//
// VerifyAssertion writes nothing when it succeeds: it returns the passkey.Assertion (who was proven, which
// passkey, its new sign count, the marker to spend). The flow then writes its effect in one
// transaction with, in shared/dynamo, t.passkeyAssertion(proof): the ceremony's spent-marker
// (conditional on absence: account.CodeCeremonyUsed) and the passkey's use (sign count and
// last-used time, conditional on the sign count as read: a lost race is the transaction's
// conflict error, account.ErrStale for a retryable one). A discoverable sign-in passes accountID
// "" and learns the account from the passkey.Assertion. The flow still checks the account itself
// (status, lockouts): VerifyAssertion proves possession of the passkey, nothing more.
//
// A sign count that did not go up (either non-zero) refuses the assertion with
// account.CodePasskeyCloneWarning and writes a passkey_clone_suspected event (an SMS alert with a
// freeze link), with the warning's time on the passkey, in one transaction.
package ceremony

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Service registers, lists, renames and removes passkeys, and verifies assertions.
type Service struct {
	store  passkey.Store
	wa     *webauthn.WebAuthn
	keys   secret.Keyring
	clock  account.Clock
	rand   io.Reader
	window time.Duration // RECENT_AUTH_WINDOW
	log    *slog.Logger
}

// NewService returns a Service for the relying party cfg names (RP_ID, RP_ORIGINS, RP_NAME,
// checked by config.Load); ceremonies are MAC'd under cfg.Pepper. A relying party the WebAuthn
// library refuses is a bug config.Load let through: it panics at init.
func NewService(store passkey.Store, cfg config.Config, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	t := webauthn.TimeoutConfig{Timeout: passkey.CeremonyTTL, TimeoutUVD: passkey.CeremonyTTL}
	wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: cfg.RPOrigins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(), UserVerification: protocol.VerificationRequired},
		Timeouts: webauthn.TimeoutsConfig{Login: t, Registration: t}})
	if err != nil {
		panic(fmt.Sprintf("passkey: relying party: %v", err))
	}
	return &Service{store: store, wa: wa, keys: cfg.Pepper, clock: clock, rand: rand, window: cfg.RecentAuthWindow, log: log}
}

var errNotFound = account.Errorf(account.CodeNotFound, "no such passkey")

func validID(id string) bool { return token.ValidScopedID(id) }

// maxName bounds a passkey's name, in characters, as a device's name is bounded.
const maxName = 64

// checkName returns the name trimmed, or refuses it as a device name would be refused.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxName || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", account.FieldError(account.CodeInvalidField, "name", "name is 1 to 64 characters")
	}
	return name, nil
}

// event returns a security event about passkey p.
func (s *Service) event(kind string, p passkey.Passkey, now time.Time) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: kind, At: now, Details: map[string]string{account.DetailPasskeyID: p.ID}}, nil
}

// asCredential is p as the WebAuthn library verifies with it.
func asCredential(p passkey.Passkey) webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{ID: p.CredentialID, PublicKey: p.PublicKey, AttestationFormat: p.AttestationFormat, Transport: ts,
		Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount}}
}

// user is an account as the WebAuthn library sees it: the user handle is the account id (opaque,
// no personal data), the name the masked phone number the authenticator shows in its list.
type user struct {
	id    string
	name  string
	creds []webauthn.Credential
}

func (u user) WebAuthnID() []byte                         { return []byte(u.id) }
func (u user) WebAuthnName() string                       { return u.name }
func (u user) WebAuthnDisplayName() string                { return u.name }
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func newUser(a account.Account, pks []passkey.Passkey) user {
	u := user{id: a.ID, name: account.PhoneFromE164(a.Phone).Mask()}
	if u.name == "" {
		u.name = "Wallet account"
	}
	for _, p := range pks {
		u.creds = append(u.creds, asCredential(p))
	}
	return u
}
