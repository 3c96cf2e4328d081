package ceremony

import (
	"context"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

// AssertionOptions open an assertion: the client passes PublicKey to navigator.credentials.get
// and sends the answer back with CeremonyID.
type AssertionOptions struct {
	CeremonyID string
	PublicKey  protocol.PublicKeyCredentialRequestOptions
}

// BeginAssertion returns the options of an assertion for purpose. For passkey.PurposeSignIn accountID is
// "" and any passkey of the relying party may answer (discoverable); it reads and writes nothing.
// For the other purposes the ceremony is bound to accountID and offers its passkeys
// (allowCredentials): one read; passkey.ErrUnknown when the account has none.
func (s *Service) BeginAssertion(ctx context.Context, purpose passkey.Purpose, accountID string) (AssertionOptions, error) {
	if err := checkBinding(purpose, accountID); err != nil {
		return AssertionOptions{}, err
	}
	var creds []webauthn.Credential
	if accountID != "" {
		pks, err := s.store.Passkeys(ctx, accountID)
		if err != nil {
			return AssertionOptions{}, fmt.Errorf("read passkeys: %w", err)
		}
		if len(pks) == 0 {
			return AssertionOptions{}, passkey.ErrUnknown
		}
		for _, p := range pks {
			creds = append(creds, asCredential(p))
		}
	}
	c, err := s.newCeremony(purpose, accountID, s.clock.Now())
	if err != nil {
		return AssertionOptions{}, err
	}
	var assertion *protocol.CredentialAssertion
	if accountID == "" {
		assertion, _, err = s.wa.BeginDiscoverableLogin(webauthn.WithChallenge(c.challenge))
	} else {
		assertion, _, err = s.wa.BeginLogin(user{id: accountID, creds: creds}, webauthn.WithChallenge(c.challenge))
	}
	if err != nil {
		return AssertionOptions{}, fmt.Errorf("assertion options: %w", err)
	}
	return AssertionOptions{CeremonyID: c.id, PublicKey: assertion.Response}, nil
}

// VerifyAssertion verifies the answer credential (the PublicKeyCredential's JSON) to the ceremony
// ceremonyID, opened by BeginAssertion for purpose and accountID ("" for passkey.PurposeSignIn). It
// writes nothing when the answer verifies: the caller spends the ceremony and records the use in
// its own transaction (see passkey.Assertion). A user not verified by the authenticator answers
// passkey.ErrUserVerification; a credential the account (or, for a sign-in, the relying party) does not
// have answers passkey.ErrUnknown; a sign count that did not go up answers passkey.ErrCloneSuspected after
// writing passkey_clone_suspected.
func (s *Service) VerifyAssertion(ctx context.Context, ceremonyID string, credential []byte, purpose passkey.Purpose, accountID string) (passkey.Assertion, error) {
	if err := checkBinding(purpose, accountID); err != nil {
		return passkey.Assertion{}, err
	}
	now := s.clock.Now()
	c, err := s.openCeremony(ceremonyID, purpose, accountID, now)
	if err != nil {
		return passkey.Assertion{}, err
	}
	parsed, err := s.parseVerified(ctx, credential)
	if err != nil {
		return passkey.Assertion{}, err
	}
	pk, cred, err := s.validate(ctx, c, accountID, parsed)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if cred.Authenticator.CloneWarning {
		return passkey.Assertion{}, s.cloneSuspected(ctx, *pk, now)
	}
	return passkey.Assertion{AccountID: pk.AccountID, PasskeyID: pk.ID, CredentialID: pk.CredentialID, SignCount: cred.Authenticator.SignCount,
		PrevSignCount: pk.SignCount, BackupState: cred.Flags.BackupState, UsedAt: now, Marker: c.marker(pk.AccountID)}, nil
}

// parseVerified parses an assertion (the PublicKeyCredential's JSON) whose authenticator verified
// the user: missing_field, passkey_rejected or user_verification_required otherwise.
func (s *Service) parseVerified(ctx context.Context, credential []byte) (*protocol.ParsedCredentialAssertionData, error) {
	if len(credential) == 0 {
		return nil, account.FieldError(account.CodeMissingField, "credential", "credential is required")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return nil, s.rejected(ctx, "parse assertion", err)
	}
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		return nil, passkey.ErrUserVerification
	}
	return parsed, nil
}

// validate finds the passkey that answered and has the library verify the answer with it: for a
// bound ceremony among the account's passkeys, for a discoverable one through the credential
// index under the user handle the answer carries.
func (s *Service) validate(ctx context.Context, c ceremony, accountID string, parsed *protocol.ParsedCredentialAssertionData) (*passkey.Passkey, *webauthn.Credential, error) {
	var found *passkey.Passkey
	var lookupErr error
	lookup := func(owner string, rawID []byte) (webauthn.User, error) {
		if owner == "" {
			return nil, passkey.ErrUnknown
		}
		found, lookupErr = s.store.PasskeyByCredential(ctx, owner, rawID)
		if lookupErr == nil && found == nil {
			lookupErr = passkey.ErrUnknown
		}
		if lookupErr != nil {
			return nil, lookupErr
		}
		return user{id: owner, creds: []webauthn.Credential{asCredential(*found)}}, nil
	}
	var cred *webauthn.Credential
	var err error
	if accountID == "" {
		_, cred, err = s.wa.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
			return lookup(string(handle), parsed.RawID)
		}, s.session(c, ""), parsed)
	} else {
		var u webauthn.User
		if u, err = lookup(accountID, parsed.RawID); err == nil {
			cred, err = s.wa.ValidateLogin(u, s.session(c, accountID), parsed)
		}
	}
	switch {
	case lookupErr != nil && account.Is(lookupErr, account.CodeUnknownPasskey):
		return nil, nil, passkey.ErrUnknown
	case lookupErr != nil:
		return nil, nil, fmt.Errorf("read passkey: %w", lookupErr)
	case err != nil:
		return nil, nil, s.rejected(ctx, "verify assertion", err)
	}
	return found, cred, nil
}

// cloneSuspected records the clone warning and its event, and answers passkey.ErrCloneSuspected.
func (s *Service) cloneSuspected(ctx context.Context, p passkey.Passkey, now time.Time) error {
	ev, err := s.event(account.EventPasskeyClone, p, now)
	if err != nil {
		return err
	}
	if err := s.store.PasskeyCloneSuspected(ctx, p, ev); err != nil {
		return fmt.Errorf("record clone warning: %w", err)
	}
	s.log.WarnContext(ctx, "passkey clone suspected", "account", p.AccountID, "passkey", p.ID)
	return passkey.ErrCloneSuspected
}

// Prove verifies an answer to a discoverable ceremony (the options every flow hands out: POST
// /v1/sessions/passkey/options) and, when accountID is not "", that the passkey is that
// account's (a step-up, a reauthentication, a reset's second factor): another account's passkey
// answers passkey.ErrUnknown. Like VerifyAssertion it writes nothing when it succeeds.
func (s *Service) Prove(ctx context.Context, ans passkey.Answer, accountID string) (passkey.Assertion, error) {
	a, err := s.VerifyAssertion(ctx, ans.CeremonyID, ans.Credential, passkey.PurposeSignIn, "")
	if err != nil {
		return passkey.Assertion{}, err
	}
	if accountID != "" && a.AccountID != accountID {
		return passkey.Assertion{}, passkey.ErrUnknown
	}
	return a, nil
}
