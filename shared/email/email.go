// Package email binds an email address to a signed-in account, proven by a code sent to it, and
// removes it. The code is an OTP challenge of purpose email_bind (package otp: the one code
// engine, with its TTL, attempts, cooldown and limits); the address is claimed (EMAIL#<lower>,
// unique) only when its code is spent, in the one transaction that spends the proof, takes the
// claim, releases the address it replaces, sets the account's email and writes email_changed.
// Until then the old address stays bound and signs in. A verified address signs in like the
// phone (package session) and locks a lost phone's account (package reset).
package email

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// Store is what binding needs from storage. The dynamo package implements it.
type Store interface {
	// BindState reads the account and the challenge in one round trip; either is nil when absent.
	BindState(ctx context.Context, accountID, challengeID string) (*account.Account, *otp.Challenge, error)
	// Account reads an account, strongly consistent; nil when absent.
	Account(ctx context.Context, id string) (*account.Account, error)
	// Bind writes a Binding in one transaction. It fails with account.CodeEmailTaken when another
	// account holds the address, account.ErrStale when the account changed since it was read,
	// account.ErrInvalidToken when the proof was spent meanwhile.
	Bind(ctx context.Context, b Binding) error
	// Unbind writes a Removal in one transaction; account.ErrStale when the account changed.
	Unbind(ctx context.Context, r Removal) error
}

// Binding is one address bound by its code.
type Binding struct {
	Account  account.Account // as read: the write is conditional on its version and on its being active
	Email    string          // the new address, lower case
	Proof    otp.Challenge   // the verified challenge, spent
	Replaced string          // the verified address it replaces: its claim released, and told by email; "" when none
	Event    account.Event   // email_changed
	Now      time.Time
}

// Removal is the account's email removed.
type Removal struct {
	Account  account.Account // as read (version)
	Replaced string          // the verified address removed (its claim released, told by email); "" for an unverified one
	Event    account.Event   // email_removed
	Now      time.Time
}

// Codes is the code engine (package otp).
type Codes interface {
	SendEmail(ctx context.Context, req otp.EmailSendRequest) (otp.SendResult, error)
	Prove(ctx context.Context, req otp.VerifyRequest) (otp.Challenge, error)
}

// Service binds and removes email addresses.
type Service struct {
	store  Store
	codes  Codes
	clock  account.Clock
	rand   io.Reader
	window time.Duration // RECENT_AUTH_WINDOW
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, codes Codes, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, codes: codes, clock: clock, rand: rand, window: cfg.RecentAuthWindow, log: log}
}

// StartRequest asks for a code to bind an address.
type StartRequest struct {
	Email    string // as typed
	SourceIP string
	Lang     string
}

// Start sends a code to the new address (POST /v1/account/email): fresh proof needed. The
// answer is the same whether or not another account holds the address.
func (s *Service) Start(ctx context.Context, p account.Principal, req StartRequest) (otp.SendResult, error) {
	if err := p.RequireFresh(s.clock.Now(), s.window); err != nil {
		return otp.SendResult{}, err
	}
	addr, err := account.ParseEmail(req.Email, "email")
	if err != nil {
		return otp.SendResult{}, err
	}
	return s.codes.SendEmail(ctx, otp.EmailSendRequest{Email: addr, AccountID: p.AccountID, SourceIP: req.SourceIP, Lang: req.Lang})
}

// VerifyRequest offers the code of a challenge Start made.
type VerifyRequest struct {
	ChallengeID string
	Code        string
}

// Result is the account's email after a change.
type Result struct {
	Email         string `json:"email"` // the holder's own address, in full
	EmailVerified bool   `json:"emailVerified"`
}

// bindRetries is how often a binding that lost a race with another change of the account reads
// the account again.
const bindRetries = 3

// Verify spends the code and binds its address (POST /v1/account/email/verify): the session
// must be the account's that asked for the code. Another account holding the address answers
// 409 email_taken; of two accounts racing for one address exactly one gets it.
func (s *Service) Verify(ctx context.Context, p account.Principal, req VerifyRequest) (Result, error) {
	a, ch, err := s.store.BindState(ctx, p.AccountID, req.ChallengeID)
	if err != nil {
		return Result{}, fmt.Errorf("bind state: %w", err)
	}
	if ch == nil || ch.Purpose != account.PurposeEmailBind || ch.AccountID != p.AccountID || ch.Email == "" {
		return Result{}, account.FieldError(account.CodeChallengeNotFound, "challengeId", "no such challenge; request a new code")
	}
	if err := account.MayBindEmail(a, ch.Email); err != nil {
		return Result{}, err
	}
	proof, err := s.prove(ctx, *ch, req)
	if err != nil {
		return Result{}, err
	}
	for try := 0; ; try++ {
		err := s.bind(ctx, *a, proof)
		if !errors.Is(err, account.ErrStale) {
			return Result{Email: proof.Email, EmailVerified: true}, err
		}
		if try == bindRetries {
			return Result{}, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
		}
		if a, err = s.store.Account(ctx, p.AccountID); err != nil {
			return Result{}, fmt.Errorf("read account: %w", err)
		}
		if err := account.MayBindEmail(a, proof.Email); err != nil {
			return Result{}, err
		}
	}
}

// prove checks the request's code for ch (read as the account's email_bind challenge), which
// then becomes the proof the binding spends. A challenge this account proved already, whose
// binding did not happen (its transaction failed after the code was checked), is that proof
// while it lasts: the request that retries the binding is not refused as a second use of the
// code.
func (s *Service) prove(ctx context.Context, ch otp.Challenge, req VerifyRequest) (otp.Challenge, error) {
	if ch.State == otp.StateVerified && len(ch.ProofHash) > 0 && s.clock.Now().Before(ch.ExpiresAt) {
		return ch, nil
	}
	return s.codes.Prove(ctx, otp.VerifyRequest{ChallengeID: req.ChallengeID, Code: req.Code})
}

// bind writes the binding of proof's address to a, as read.
func (s *Service) bind(ctx context.Context, a account.Account, proof otp.Challenge) error {
	now := s.clock.Now()
	details := map[string]string{account.DetailEmail: account.MaskEmail(proof.Email)}
	replaced := verified(a)
	if replaced != "" {
		details[account.DetailOldEmail] = account.MaskEmail(replaced)
	}
	ev, err := s.event(account.EventEmailChanged, now, details)
	if err != nil {
		return err
	}
	err = s.store.Bind(ctx, Binding{Account: a, Email: proof.Email, Proof: proof, Replaced: replaced, Event: ev, Now: now})
	if err == nil {
		s.log.InfoContext(ctx, "email bound", "account", a.ID, "email", account.Email{Address: proof.Email}, "replaced", replaced != "")
	}
	return err
}

// Remove removes the account's email (DELETE /v1/account/email): fresh proof needed. A verified
// address's claim is released (it no longer signs in) and it is told by email; the phone gets
// the email_removed alert.
func (s *Service) Remove(ctx context.Context, p account.Principal) error {
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return err
	}
	for try := 0; ; try++ {
		a, err := s.store.Account(ctx, p.AccountID)
		if err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		if err := removable(a); err != nil {
			return err
		}
		ev, err := s.event(account.EventEmailRemoved, now, map[string]string{account.DetailOldEmail: account.MaskEmail(a.Profile.Email)})
		if err != nil {
			return err
		}
		err = s.store.Unbind(ctx, Removal{Account: *a, Replaced: verified(*a), Event: ev, Now: now})
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "email removed", "account", a.ID, "was_verified", a.Profile.EmailVerified)
			return nil
		case !errors.Is(err, account.ErrStale):
			return err
		case try == bindRetries:
			return account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
		}
	}
}

// removable refuses an account that is gone, frozen or closed, or has no email.
func removable(a *account.Account) error {
	if err := account.MayBindEmail(a, ""); err != nil {
		return err
	}
	if a.Profile.Email == "" {
		return account.Errorf(account.CodeNoEmail, "the account has no email address")
	}
	return nil
}

// verified is the account's verified email, or "".
func verified(a account.Account) string {
	if a.Profile.EmailVerified {
		return a.Profile.Email
	}
	return ""
}

// event returns a security event of type kind at now with details.
func (s *Service) event(kind string, now time.Time, details map[string]string) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: kind, At: now, Details: details}, nil
}
