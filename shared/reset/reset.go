// Package reset recovers a forgotten login password (by code, with a second factor when the
// request is risky, or without SMS through identity checks) and resets the payment password.
//
// Every successful reset is one transaction: the new hash, every other session ended, failure
// counters cleared, the event, and the spent proof. Forgetting a password must never lock a
// person out of their money, and must never let a thief in.
package reset

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// recentPhoneChange is how long after a phone change a login reset counts as risky.
const recentPhoneChange = 30 * 24 * time.Hour

// Factors a client may offer as the second factor of a risky login reset.
const (
	FactorSecurityAnswer = "security_answer"
	FactorIDNumber       = "id_number"
	FactorPasskey        = "passkey"
)

// Store is what recovery needs from storage.
type Store interface {
	// Proof reads the challenge a verification token names (nil when none).
	Proof(ctx context.Context, token string) (*otp.Challenge, error)
	// PhoneOwner returns the account a phone belongs to, or "".
	PhoneOwner(ctx context.Context, e164 string) (string, error)
	// EmailOwner returns the account a verified email address belongs to, or "".
	EmailOwner(ctx context.Context, lower string) (string, error)
	// Recovery reads the account with its devices and the keyed hashes of its cards, in one read.
	Recovery(ctx context.Context, accountID string) (State, error)
	// Apply writes a reset in one transaction, conditional on the account's version.
	Apply(ctx context.Context, c Change) error
	factor.LockStore
	// Account reads the account, strongly consistent (nil when there is none).
	Account(ctx context.Context, id string) (*account.Account, error)
	// UnknownRecovery reads the recovery lockout of a phone without an account, and
	// UnknownRecoveryFailure and LockUnknownRecovery are RecoveryFailure and LockRecovery for
	// it: such a phone is answered, read, counted and locked as a known one is.
	UnknownRecovery(ctx context.Context, e164 string) (account.Lockout, error)
	UnknownRecoveryFailure(ctx context.Context, e164 string, now time.Time) (int, error)
	LockUnknownRecovery(ctx context.Context, e164 string, max, level int, until, now time.Time) error
}

// State is an account as recovery sees it.
type State struct {
	Account  account.Account
	Devices  []account.Device
	Cards    []factor.Card // the linked cards' ids and keyed hashes
	Passkeys int           // how many passkeys the account has
}

// Change is one reset.
type Change struct {
	Account     account.Account    // as read: the write is conditional on its Version
	LoginHash   string             // new login hash, or "" to keep
	PaymentHash string             // new payment hash, or "" to keep
	Rehash      account.Rehash     // the proof's factors under the current pepper (on the same condition)
	Passkey     *passkey.Assertion // the passkey that was the second factor: its ceremony spent, its use recorded
	Unfreeze    bool
	Answers     []account.Answer   // new security answers, or nil to keep
	Admission   *paypass.Admission // the payment password that allowed the change, admitted in the same write
	Changed     bool               // a change by the signed-in holder, not a reset: passwordResetAt stays as it was
	KeepSession []byte             // the session that asked (payment reset), kept; every other one ends
	Sessions    [][]byte           // every session of the account, as read
	Proof       *otp.Challenge
	Event       account.Event
}

// Service recovers passwords.
type Service struct {
	store    Store
	hasher   *secret.Hasher
	check    factor.Checker
	lock     factor.Lock
	policy   func(string, secret.Personal) error
	clock    account.Clock
	rand     io.Reader
	cfg      config.Config
	log      *slog.Logger
	risky    func(State, *session.DeviceInput, time.Time) bool
	creds    session.Credentials
	passkeys Passkeys // nil: no passkey is accepted
	freezer  Freezer  // nil: no lost-phone lock
	// payments checks payment passwords with their lock.
	payments *paypass.Checker
	// nighttime reports whether the account's nighttime protection holds at a time; payment
	// verification inside it needs a login_step_up code.
	nighttime func(account.Account, time.Time) bool
	// unknown is the recovery lock of phones without an account; its "account id" is the phone.
	unknown factor.Lock
}

// NewService returns a Service. policy judges new login passwords (strength.CheckLoginPassword).
func NewService(store Store, payments *paypass.Checker, hasher *secret.Hasher, policy func(string, secret.Personal) error,
	clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	s := &Service{store: store, hasher: hasher, check: factor.NewChecker(hasher, cfg.Pepper), lock: factor.NewLock(store, cfg, log),
		policy: policy, clock: clock, rand: rand, cfg: cfg, log: log, payments: payments,
		nighttime: func(account.Account, time.Time) bool { return false }}
	s.risky = s.isRisky
	s.creds = session.NewCredentials(cfg.Pepper, rand)
	s.unknown = factor.NewLock(unknownLock{store: store, clock: clock}, cfg, log)
	return s
}

// WithNighttime sets how the service tells whether an account's nighttime protection holds
// (the account's alert settings); until it is set, payment verification never asks for a code.
func (s *Service) WithNighttime(inWindow func(account.Account, time.Time) bool) *Service {
	s.nighttime = inWindow
	return s
}

// Factor is a second factor, or a part of the no-SMS recovery.
type Factor struct {
	QuestionID string
	Answer     string
	IDNumber   string
	Passkey    *passkey.Answer // a passkey of the account
}

// Passkeys verifies passkey answers (package passkey).
type Passkeys interface {
	Prove(ctx context.Context, ans passkey.Answer, accountID string) (passkey.Assertion, error)
}

// WithPasskeys makes a passkey of the account acceptable as a risky login reset's second factor.
func (s *Service) WithPasskeys(p Passkeys) *Service {
	s.passkeys = p
	return s
}

// isRisky reports whether a login reset needs a second factor: from a device not proven by its
// device secret (a device id alone proves nothing), or soon after a phone change.
func (s *Service) isRisky(st State, dev *session.DeviceInput, now time.Time) bool {
	if !st.Account.PhoneChangedAt.IsZero() && now.Sub(st.Account.PhoneChangedAt) < recentPhoneChange {
		return true
	}
	if dev == nil {
		return true
	}
	for _, d := range st.Devices {
		if d.ID == dev.ID {
			return s.creds.Check(st.Account.ID, &d, dev.Secret, now) != session.Proven
		}
	}
	return true
}

// question is the security question a risky reset asks: always the same one for an account,
// so that after a wrong answer the same question is asked again.
func question(a account.Account) string {
	if len(a.Answers) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(a.ID))
	return a.Answers[h.Sum32()%uint32(len(a.Answers))].QuestionID
}

// factors lists the second factors an account can offer: the ID number only when one is on file,
// a passkey only when it has one.
func factors(st State) []string {
	out := []string{FactorSecurityAnswer}
	if st.Account.Profile.RealNameVerified() {
		out = append(out, FactorIDNumber)
	}
	if st.Passkeys > 0 {
		out = append(out, FactorPasskey)
	}
	return out
}

// secondFactorMessage names only the factors this account can use.
func secondFactorMessage(st State) string {
	names := map[string]string{FactorIDNumber: "your ID number", FactorPasskey: "a passkey"}
	msg := "this reset needs a second factor: the answer to the security question"
	for _, f := range factors(st)[1:] {
		msg += ", or " + names[f]
	}
	return msg
}

// secondFactor checks one factor — the answer to the asked question, the ID number on file, or a
// passkey of the account — and returns the passkey's assertion when one proved it. A passkey that
// is not the account's or does not verify is a wrong factor; a spent or expired ceremony is
// answered as it is.
func (s *Service) secondFactor(ctx context.Context, p *factor.Proof, a account.Account, f Factor) (bool, *passkey.Assertion, error) {
	switch {
	case f.Passkey != nil:
		if s.passkeys == nil {
			return false, nil, nil
		}
		pa, err := s.passkeys.Prove(ctx, *f.Passkey, a.ID)
		switch {
		case err == nil:
			return true, &pa, nil
		case account.Is(err, account.CodeUnknownPasskey), account.Is(err, account.CodePasskeyRejected), account.Is(err, account.CodeUserVerification):
			return false, nil, nil
		}
		return false, nil, err
	case f.IDNumber != "":
		return p.IDNumber(f.IDNumber), nil, nil
	case f.QuestionID != "":
		return f.QuestionID == question(a) && p.Answer(f.QuestionID, f.Answer), nil, nil
	}
	return false, nil, nil
}

func (s *Service) event(kind string, now time.Time) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: kind, At: now}, nil
}

func personal(a account.Account) secret.Personal {
	return secret.Personal{Phone: a.Phone, Name: a.Profile.RealName, Email: a.Profile.Email, Birthday: a.Profile.DateOfBirth}
}

// unknownLock is factor.LockStore over the lockouts of phones without an account: the id it is
// given is the phone.
type unknownLock struct {
	store Store
	clock account.Clock
}

func (u unknownLock) RecoveryFailure(ctx context.Context, e164 string) (int, error) {
	return u.store.UnknownRecoveryFailure(ctx, e164, u.clock.Now())
}

func (u unknownLock) LockRecovery(ctx context.Context, e164 string, max, level int, until, now time.Time) error {
	return u.store.LockUnknownRecovery(ctx, e164, max, level, until, now)
}
