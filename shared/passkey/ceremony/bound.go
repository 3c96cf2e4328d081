package ceremony

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wallet-accounts/wallet/shared/passkey"
)

// Bound assertions: a challenge derived from what the assertion approves (a payment's id,
// amount, currency and payee, with a random nonce the approver stores), so that the holder's
// signature over it can approve nothing else (PSD2's dynamic linking). There is no ceremony id
// and no spent-marker: the approver keeps the binding, and its own single-use state (a payment's
// pending status) is what a second use meets.

// domainBound is the MAC domain of a bound challenge.
const domainBound = "passkey-bound-challenge"

// BoundKeyID is the id of the pepper key new bound challenges are derived under; the approver
// stores it with the binding to derive the same challenge at verification.
func (s *Service) BoundKeyID() string { return s.keys.Current().ID }

// BoundOptions are the assertion options of the challenge of binding under key keyID: any
// passkey of the relying party may answer (the verification checks it is the account's), user
// verification required; as JSON (a PublicKeyCredentialRequestOptions), so that the approver
// passes them on without linking the WebAuthn library. passkey.ErrRejected when the key was retired.
func (s *Service) BoundOptions(keyID string, binding []byte) (json.RawMessage, error) {
	key, ok := s.keys.Key(keyID)
	if !ok {
		return nil, passkey.ErrRejected
	}
	a, _, err := s.wa.BeginDiscoverableLogin(webauthn.WithChallenge(key.MAC(domainBound, string(binding))))
	if err != nil {
		return nil, fmt.Errorf("bound options: %w", err)
	}
	b, err := json.Marshal(a.Response)
	if err != nil {
		return nil, fmt.Errorf("bound options: %w", err)
	}
	return b, nil
}

// CredentialID reads the credential id of an assertion (the PublicKeyCredential's JSON), so the
// caller can read the passkey with whatever else it reads; passkey.ErrRejected when it does not parse.
func (*Service) CredentialID(credential []byte) ([]byte, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return nil, passkey.ErrRejected
	}
	return parsed.RawID, nil
}

// VerifyBound verifies credential, an assertion over the challenge of binding under key keyID,
// made by pk, the account's passkey with that credential the caller read (nil when the account
// has none: passkey.ErrUnknown). Like VerifyAssertion it writes nothing when the answer verifies: the
// caller records the use (passkey.Assertion, without a passkey.Marker) in the transaction that approves.
func (s *Service) VerifyBound(ctx context.Context, keyID string, binding, credential []byte, accountID string, pk *passkey.Passkey) (passkey.Assertion, error) {
	key, ok := s.keys.Key(keyID)
	if !ok {
		return passkey.Assertion{}, passkey.ErrRejected // the key was retired: the approval is older than any rotation allows
	}
	parsed, err := s.parseVerified(ctx, credential)
	if err != nil {
		return passkey.Assertion{}, err
	}
	if pk == nil || pk.AccountID != accountID {
		return passkey.Assertion{}, passkey.ErrUnknown
	}
	sd := webauthn.SessionData{Challenge: base64.RawURLEncoding.EncodeToString(key.MAC(domainBound, string(binding))),
		RelyingPartyID: s.wa.Config.RPID, UserVerification: protocol.VerificationRequired, UserID: []byte(accountID)}
	cred, err := s.wa.ValidateLogin(user{id: accountID, creds: []webauthn.Credential{asCredential(*pk)}}, sd, parsed)
	if err != nil {
		return passkey.Assertion{}, s.rejected(ctx, "verify bound assertion", err)
	}
	now := s.clock.Now()
	if cred.Authenticator.CloneWarning {
		return passkey.Assertion{}, s.cloneSuspected(ctx, *pk, now)
	}
	return passkey.Assertion{AccountID: accountID, PasskeyID: pk.ID, CredentialID: pk.CredentialID, SignCount: cred.Authenticator.SignCount,
		PrevSignCount: pk.SignCount, BackupState: cred.Flags.BackupState, UsedAt: now}, nil
}
