// Package passkey is what the flows and the table share about passkeys (WebAuthn credentials):
// a registered passkey, a verified assertion, a ceremony's purpose and spent-marker, the store
// and the errors. It links no WebAuthn code, so that a function that never verifies a passkey
// does not pay for the library's package init at its cold start; shared/passkey/ceremony runs
// the ceremonies.
package passkey

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Passkey is one registered WebAuthn credential of an account. Only the public key is stored.
type Passkey struct {
	ID                string // derived from the account and the credential id (IDFor)
	AccountID         string
	CredentialID      []byte
	PublicKey         []byte // COSE
	SignCount         uint32
	AAGUID            []byte
	Transports        []string
	AttestationFormat string
	BackupEligible    bool
	BackupState       bool
	Name              string // the holder's name for it
	CreatedAt         time.Time
	LastUsedAt        time.Time // zero until first used
}

// MaxPerAccount is how many passkeys an account may have.
const MaxPerAccount = 20

// Store is what passkeys need from storage.
type Store interface {
	// AccountPasskeys reads an account and its passkeys in one strongly consistent read; a nil
	// account when there is none.
	AccountPasskeys(ctx context.Context, accountID string) (*account.Account, []Passkey, error)
	// Passkeys lists an account's passkeys.
	Passkeys(ctx context.Context, accountID string) ([]Passkey, error)
	// AddPasskey writes the passkey, its credential-id index item, the ceremony's spent marker
	// and the event in one transaction. It fails with ErrCeremonyUsed when the marker exists and
	// ErrAlreadyRegistered when the credential is registered (to any account).
	AddPasskey(ctx context.Context, p Passkey, m Marker, ev account.Event) error
	// RenamePasskey sets a passkey's name; false when the account has no such passkey.
	RenamePasskey(ctx context.Context, accountID, passkeyID, name string) (bool, error)
	// RemovePasskey deletes a passkey and its index item with the event in one transaction;
	// false when the account has no such passkey.
	RemovePasskey(ctx context.Context, accountID, passkeyID string, ev account.Event) (bool, error)
	// PasskeyByCredential reads the passkey with this credential id in the account, and its
	// index item, in one strongly consistent read; nil unless both exist and agree.
	PasskeyByCredential(ctx context.Context, accountID string, credentialID []byte) (*Passkey, error)
	// PasskeyCloneSuspected records the clone warning on the passkey with the event, in one
	// transaction.
	PasskeyCloneSuspected(ctx context.Context, p Passkey, ev account.Event) error
}

// The answers a client can act on.
var (
	ErrInvalidCeremony   = account.Errorf(account.CodeInvalidCeremony, "the ceremony id is not valid for this request; ask for new options")
	ErrCeremonyExpired   = account.Errorf(account.CodeCeremonyExpired, "the ceremony expired; ask for new options")
	ErrCeremonyUsed      = account.Errorf(account.CodeCeremonyUsed, "the ceremony was finished already; ask for new options")
	ErrRejected          = account.FieldError(account.CodePasskeyRejected, "credential", "the passkey's answer did not verify")
	ErrUserVerification  = account.FieldError(account.CodeUserVerification, "credential", "the authenticator must verify the user (PIN or biometrics)")
	ErrAlreadyRegistered = account.FieldError(account.CodePasskeyRegistered, "credential", "this passkey is registered already")
	ErrTooMany           = account.Errorf(account.CodeTooManyPasskeys, "the account has %d passkeys, the most it may have; remove one first", MaxPerAccount)
	ErrUnknown           = account.FieldError(account.CodeUnknownPasskey, "credential", "this passkey is not registered to the account")
	ErrCloneSuspected    = account.FieldError(account.CodePasskeyCloneWarning, "credential",
		"this passkey's signature counter went backwards, so the authenticator may be a copy; it was refused and the account holder alerted")
)

// IDFor is the id of the passkey with this credential in this account: a one-way function of
// both, so the same credential registered twice gets one id (and one conditional put).
func IDFor(accountID string, credentialID []byte) string {
	return token.ScopedID("passkey-id", accountID, credentialID)
}

// Purpose is what a ceremony is for: a ceremony answered for one purpose is refused for another.
type Purpose string

// The purposes of a ceremony.
const (
	PurposeRegister Purpose = "register"       // a new passkey (FinishRegistration)
	PurposeSignIn   Purpose = "sign_in"        // discoverable sign-in: no account until the answer
	PurposeStepUp   Purpose = "step_up"        // a sign-in's step-up, bound to the account
	PurposeReauth   Purpose = "reauthenticate" // fresh proof for a session, bound to its account
	PurposeReset    Purpose = "reset"          // a risky reset's second factor, bound to the account
)

// Valid reports whether p is one of the purposes.
func (p Purpose) Valid() bool {
	switch p {
	case PurposeRegister, PurposeSignIn, PurposeStepUp, PurposeReauth, PurposeReset:
		return true
	}
	return false
}

// CeremonyTTL is how long a ceremony may be answered after its options were given.
const CeremonyTTL = 5 * time.Minute

// Marker is the spent-marker of a ceremony: the write that consumes the ceremony puts it,
// conditional on its absence, in the same transaction as its effect.
type Marker struct {
	Hash      []byte // SHA-256 of the ceremony id: the marker's key
	Purpose   Purpose
	AccountID string    // the account the ceremony proved or registered for
	ExpiresAt time.Time // the ceremony's expiry: the marker's TTL, after which the id is refused anyway
}

// Assertion is what a verified passkey assertion proved. The flow that accepts it spends Marker
// and records the passkey's use (SignCount over PrevSignCount, UsedAt) in the transaction that
// writes its effect (shared/dynamo: t.passkeyAssertion).
type Assertion struct {
	AccountID     string // the account the passkey belongs to
	PasskeyID     string
	CredentialID  []byte
	SignCount     uint32 // the authenticator's counter in this assertion
	PrevSignCount uint32 // the counter as read: the use is recorded only over it
	BackupState   bool   // the backup state this assertion reported
	UsedAt        time.Time
	Marker        Marker // the ceremony's spent-marker
}

// Answer is a passkey assertion as a request carries it: the ceremony the options opened and the
// authenticator's PublicKeyCredential JSON.
type Answer struct {
	CeremonyID string
	Credential []byte
}
