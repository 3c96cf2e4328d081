package ceremony

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

// RegistrationOptions open a registration: the client passes PublicKey to
// navigator.credentials.create and sends the answer back with RegistrationID.
type RegistrationOptions struct {
	RegistrationID string
	PublicKey      protocol.PublicKeyCredentialCreationOptions
}

// BeginRegistration returns the options for a new passkey of the principal's account. It needs
// fresh proof and writes nothing.
func (s *Service) BeginRegistration(ctx context.Context, p account.Principal) (RegistrationOptions, error) {
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return RegistrationOptions{}, err
	}
	acct, pks, err := s.accountPasskeys(ctx, p.AccountID)
	if err != nil {
		return RegistrationOptions{}, err
	}
	if len(pks) >= passkey.MaxPerAccount {
		return RegistrationOptions{}, passkey.ErrTooMany
	}
	c, err := s.newCeremony(passkey.PurposeRegister, acct.ID, now)
	if err != nil {
		return RegistrationOptions{}, err
	}
	u := newUser(*acct, pks)
	exclude := make([]protocol.CredentialDescriptor, len(u.creds))
	for i := range u.creds {
		exclude[i] = u.creds[i].Descriptor()
	}
	creation, _, err := s.wa.BeginRegistration(u, withChallenge(c.challenge), webauthn.WithExclusions(exclude))
	if err != nil {
		return RegistrationOptions{}, fmt.Errorf("registration options: %w", err)
	}
	return RegistrationOptions{RegistrationID: c.id, PublicKey: creation.Response}, nil
}

// withChallenge sets the ceremony's derived challenge in place of one the library would draw
// and have to be stored.
func withChallenge(challenge []byte) webauthn.RegistrationOption {
	return func(o *protocol.PublicKeyCredentialCreationOptions) error {
		o.Challenge = challenge
		return nil
	}
}

// RegistrationRequest is the answer to a registration's options.
type RegistrationRequest struct {
	RegistrationID string
	Name           string // the holder's name for the passkey
	Credential     []byte // the PublicKeyCredential's JSON (its toJSON form)
}

// FinishRegistration verifies the authenticator's answer and stores the passkey, spending the
// ceremony, with a passkey_added event, in one transaction.
func (s *Service) FinishRegistration(ctx context.Context, p account.Principal, req RegistrationRequest) (passkey.Passkey, error) {
	if err := account.Required("name", req.Name); err != nil {
		return passkey.Passkey{}, err
	}
	name, err := checkName(req.Name)
	if err != nil {
		return passkey.Passkey{}, err
	}
	if len(req.Credential) == 0 {
		return passkey.Passkey{}, account.FieldError(account.CodeMissingField, "credential", "credential is required")
	}
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return passkey.Passkey{}, err
	}
	c, err := s.openCeremony(req.RegistrationID, passkey.PurposeRegister, p.AccountID, now)
	if err != nil {
		return passkey.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return passkey.Passkey{}, s.rejected(ctx, "parse attestation", err)
	}
	if !parsed.Response.AttestationObject.AuthData.Flags.HasUserVerified() {
		return passkey.Passkey{}, passkey.ErrUserVerification
	}
	acct, pks, err := s.accountPasskeys(ctx, p.AccountID)
	if err != nil {
		return passkey.Passkey{}, err
	}
	cred, err := s.wa.CreateCredential(newUser(*acct, pks), s.session(c, acct.ID), parsed)
	if err != nil {
		return passkey.Passkey{}, s.rejected(ctx, "verify attestation", err)
	}
	// A credential registered already fails the passkey's conditional put, after the ceremony's
	// marker: a ceremony finished twice answers ceremony_used whatever it carried.
	if len(pks) >= passkey.MaxPerAccount {
		return passkey.Passkey{}, passkey.ErrTooMany
	}
	return s.add(ctx, newPasskey(acct.ID, name, cred, now), c)
}

// add writes a verified passkey with its event and the ceremony's marker.
func (s *Service) add(ctx context.Context, pk passkey.Passkey, c ceremony) (passkey.Passkey, error) {
	ev, err := s.event(account.EventPasskeyAdded, pk, pk.CreatedAt)
	if err != nil {
		return passkey.Passkey{}, err
	}
	if err := s.store.AddPasskey(ctx, pk, c.marker(pk.AccountID), ev); err != nil {
		return passkey.Passkey{}, err
	}
	s.log.InfoContext(ctx, "passkey added", "account", pk.AccountID, "passkey", pk.ID)
	return pk, nil
}

func newPasskey(accountID, name string, cred *webauthn.Credential, now time.Time) passkey.Passkey {
	ts := make([]string, len(cred.Transport))
	for i, t := range cred.Transport {
		ts[i] = string(t)
	}
	return passkey.Passkey{ID: passkey.IDFor(accountID, cred.ID), AccountID: accountID, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		SignCount: cred.Authenticator.SignCount, AAGUID: cred.Authenticator.AAGUID, Transports: ts,
		AttestationFormat: cred.AttestationFormat, BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		Name: name, CreatedAt: now}
}

// session is what the library verifies an answer against, rebuilt from the ceremony: nothing
// of it was stored. accountID is the user handle the answer must carry ("" for a discoverable
// sign-in, which learns it from the answer).
func (s *Service) session(c ceremony, accountID string) webauthn.SessionData {
	sd := webauthn.SessionData{Challenge: base64.RawURLEncoding.EncodeToString(c.challenge), RelyingPartyID: s.wa.Config.RPID,
		UserVerification: protocol.VerificationRequired}
	if accountID != "" {
		sd.UserID = []byte(accountID)
	}
	if c.purpose == passkey.PurposeRegister {
		sd.CredParams = webauthn.CredentialParametersDefault()
	}
	return sd
}

// rejected answers an answer the library refused, logging only the library's short reason (its
// developer details may quote the challenge).
func (s *Service) rejected(ctx context.Context, what string, err error) error {
	reason := "unparsable"
	var pe *protocol.Error
	if errors.As(err, &pe) {
		reason = pe.Type + ": " + pe.Details
	}
	s.log.InfoContext(ctx, "passkey answer refused", "step", what, "reason", reason)
	return passkey.ErrRejected
}

// accountPasskeys reads the account and its passkeys; an account gone since the session's read
// answers unauthenticated.
func (s *Service) accountPasskeys(ctx context.Context, accountID string) (*account.Account, []passkey.Passkey, error) {
	acct, pks, err := s.store.AccountPasskeys(ctx, accountID)
	if err != nil {
		return nil, nil, fmt.Errorf("read passkeys: %w", err)
	}
	if acct == nil || acct.Status != account.StatusActive {
		return nil, nil, account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	return acct, pks, nil
}

// List returns the principal's passkeys.
func (s *Service) List(ctx context.Context, p account.Principal) ([]passkey.Passkey, error) {
	pks, err := s.store.Passkeys(ctx, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return pks, nil
}

// Rename sets the name of one of the principal's passkeys.
func (s *Service) Rename(ctx context.Context, p account.Principal, passkeyID, name string) error {
	if !validID(passkeyID) {
		return account.FieldError(account.CodeInvalidField, "passkeyId", "not a passkey id")
	}
	if err := account.Required("name", name); err != nil {
		return err
	}
	name, err := checkName(name)
	if err != nil {
		return err
	}
	found, err := s.store.RenamePasskey(ctx, p.AccountID, passkeyID, name)
	if err != nil {
		return fmt.Errorf("rename passkey: %w", err)
	}
	if !found {
		return errNotFound
	}
	return nil
}

// Remove deletes one of the principal's passkeys, with fresh proof, and writes passkey_removed.
func (s *Service) Remove(ctx context.Context, p account.Principal, passkeyID string) error {
	if !validID(passkeyID) {
		return account.FieldError(account.CodeInvalidField, "passkeyId", "not a passkey id")
	}
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return err
	}
	ev, err := s.event(account.EventPasskeyRemoved, passkey.Passkey{ID: passkeyID}, now)
	if err != nil {
		return err
	}
	found, err := s.store.RemovePasskey(ctx, p.AccountID, passkeyID, ev)
	if err != nil {
		return fmt.Errorf("remove passkey: %w", err)
	}
	if !found {
		return errNotFound
	}
	s.log.InfoContext(ctx, "passkey removed", "account", p.AccountID, "passkey", passkeyID)
	return nil
}
