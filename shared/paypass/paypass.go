// Package paypass checks the 6-digit payment password, the second secret that every money
// movement and every sensitive change (linking a card, resetting) asks for. Wrong guesses are
// counted atomically in the account item: PAYMENT_MAX_FAILURES (5) within PAYMENT_FAILURE_WINDOW
// (24 h) lock the payment password for PAYMENT_LOCK (3 h).
package paypass

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Store is what the check needs from storage. Each method is one conditional update of the
// account item; the returned lockout is the one in force after it.
type Store interface {
	// RecordPaymentFailure adds one wrong payment password to the account's count, starting a
	// new count when the current one began at or before windowFloor, unless a lock holds.
	RecordPaymentFailure(ctx context.Context, accountID string, now, windowFloor time.Time) (account.Lockout, error)
	// LockPayment locks the payment password until until when the count has reached max and no
	// lock holds, and resets the count.
	LockPayment(ctx context.Context, accountID string, max int, until, now time.Time) (account.Lockout, error)
	// AdmitPayment admits a right payment password: it resets the count and reports true while
	// no lock holds and fewer than max failures are counted since windowFloor, and reports false
	// (writing nothing) otherwise, so a right password checked alongside wrong ones in flight gets
	// in only as one of the first max to land would.
	AdmitPayment(ctx context.Context, accountID string, max int, now, windowFloor time.Time) (bool, error)
}

// Checker checks payment passwords.
type Checker struct {
	store  Store
	hasher *secret.Hasher
	clock  account.Clock
	max    int
	window time.Duration
	lock   time.Duration
	log    *slog.Logger
}

// New returns a Checker with the payment-password limits of cfg.
func New(store Store, hasher *secret.Hasher, clock account.Clock, cfg config.Config, log *slog.Logger) *Checker {
	return &Checker{store: store, hasher: hasher, clock: clock, max: cfg.PaymentMaxFailures,
		window: cfg.PaymentWindow, lock: cfg.PaymentLock, log: log}
}

// Check verifies pin against the account's payment password, refusing it on a frozen or closed
// account and while it is locked. A wrong one answers wrong_payment_password with the attempts
// left; the one that uses up the last attempt, and every try during the lock, answer locked.
// acct must have been read in the same request (strongly consistent).
func (c *Checker) Check(ctx context.Context, acct account.Account, pin string) error {
	now := c.clock.Now()
	switch acct.Status {
	case account.StatusActive:
	case account.StatusFrozen:
		return account.Errorf(account.CodeAccountFrozen, "this account is frozen")
	default:
		return account.Errorf(account.CodeAccountClosed, "this account is closed")
	}
	if locked, left := acct.Payment.Locked(now); locked {
		return lockedError(left)
	}
	if len(pin) != secret.PaymentPasswordLen || strings.Trim(pin, "0123456789") != "" {
		return account.FieldError(account.CodePaymentPasswordInvalid, "paymentPassword", "the payment password is 6 digits")
	}
	ok, _, err := c.hasher.VerifyPeppered(acct.PaymentHash, pin)
	if err != nil {
		return fmt.Errorf("verify payment password: %w", err)
	}
	if ok {
		// Always a conditional write, even with no failure counted at the read: wrong guesses
		// checked at the same time may have filled the count since.
		admitted, err := c.store.AdmitPayment(ctx, acct.ID, c.max, now, now.Add(-c.window))
		if err != nil {
			return fmt.Errorf("admit payment password: %w", err)
		}
		if !admitted {
			return lockedError(c.lock)
		}
		return nil
	}
	return c.failed(ctx, acct.ID, now)
}

func (c *Checker) failed(ctx context.Context, accountID string, now time.Time) error {
	l, err := c.store.RecordPaymentFailure(ctx, accountID, now, now.Add(-c.window))
	if err != nil {
		return fmt.Errorf("record payment failure: %w", err)
	}
	if l.Failures >= c.max {
		if l, err = c.store.LockPayment(ctx, accountID, c.max, now.Add(c.lock), now); err != nil {
			return fmt.Errorf("lock payment password: %w", err)
		}
		c.log.InfoContext(ctx, "payment password locked", "account", accountID, "until", l.LockedUntil)
	}
	if locked, left := l.Locked(now); locked {
		return lockedError(left)
	}
	left := max(c.max-l.Failures, 0)
	return &account.Error{Code: account.CodeWrongPaymentPassword, Message: "the payment password is not right",
		Field: "paymentPassword", AttemptsRemaining: &left}
}

func lockedError(left time.Duration) error {
	return account.Limited(account.CodeLocked, left, "too many wrong payment passwords: it is locked for a while")
}

// Limits is the state of an account's payment password, as the account overview shows it.
type Limits struct {
	Locked            bool `json:"locked"`
	RetryAfterSeconds int  `json:"retryAfterSeconds,omitempty"`
	AttemptsRemaining int  `json:"attemptsRemaining"`
}

// Limits returns the payment-password state of acct now.
func (c *Checker) Limits(acct account.Account) Limits {
	now := c.clock.Now()
	if locked, left := acct.Payment.Locked(now); locked {
		return Limits{Locked: true, RetryAfterSeconds: int((left + time.Second - 1) / time.Second)}
	}
	failures := acct.Payment.Failures
	if !acct.Payment.WindowStart.After(now.Add(-c.window)) {
		failures = 0 // the count's window is over; the next failure starts a new one
	}
	return Limits{AttemptsRemaining: max(c.max-failures, 0)}
}
