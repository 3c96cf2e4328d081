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
	"github.com/wallet-accounts/wallet/shared/metrics"
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
	// AdmitPayment writes an Admission in one conditional update, or answers its Refusal of the
	// payment-password lockout as it stood.
	AdmitPayment(ctx context.Context, a Admission) error
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

// Verify checks pin against the account's payment password, refusing it on a frozen or closed
// account and while it is locked. A wrong one answers wrong_payment_password with the attempts
// left; the one that uses up the last attempt, and every try during the lock, answer locked. A
// right one is returned as the Admission the caller must write. acct must have been read in the
// same request (strongly consistent).
func (c *Checker) Verify(ctx context.Context, acct account.Account, pin string) (Admission, error) {
	now := c.clock.Now()
	switch acct.Status {
	case account.StatusActive:
	case account.StatusFrozen:
		return Admission{}, account.Errorf(account.CodeAccountFrozen, "this account is frozen")
	default:
		return Admission{}, account.Errorf(account.CodeAccountClosed, "this account is closed")
	}
	if locked, left := acct.Payment.Locked(now); locked {
		return Admission{}, lockedError(left)
	}
	if len(pin) != secret.PaymentPasswordLen || strings.Trim(pin, "0123456789") != "" {
		return Admission{}, account.FieldError(account.CodePaymentPasswordInvalid, "paymentPassword", "the payment password is 6 digits")
	}
	ok, rehash, err := c.hasher.VerifyPeppered(acct.PaymentHash, pin)
	if err != nil {
		return Admission{}, fmt.Errorf("verify payment password: %w", err)
	}
	if !ok {
		return Admission{}, c.failed(ctx, acct.ID, now)
	}
	a := Admission{AccountID: acct.ID, Max: c.max, Now: now, Floor: now.Add(-c.window), Lock: c.lock}
	if rehash {
		if a.Rehash, err = c.hasher.HashPeppered(pin); err != nil {
			return Admission{}, fmt.Errorf("rehash payment password: %w", err)
		}
		a.OldHash = acct.PaymentHash
	}
	return a, nil
}

// Admission is a right payment password not yet admitted. It gets in through one conditional
// write, even with no failure counted at the read, since wrong guesses checked at the same time
// may have filled the count meanwhile: the write resets the count while no lock holds and fewer
// than Max failures are counted since Floor, and otherwise fails with Refusal (locked). So a
// right password checked alongside wrong ones gets in only as one of the first Max to land would.
// A flow that writes anyway puts the admission in its own transaction; Check writes it alone.
//
// A password that verified under a previous pepper (or weaker argon2id parameters) is hashed
// again: the admission stores Rehash in place of OldHash, only while OldHash is still the stored
// hash, so it can never undo a reset that landed meanwhile (that answers a conflict).
type Admission struct {
	AccountID  string
	Max        int
	Now, Floor time.Time
	Lock       time.Duration // PAYMENT_LOCK, which the wrong guess that filled the count is setting
	Rehash     string        // the payment password's new hash, or ""
	OldHash    string        // the hash it replaces
}

// Refusal is the answer when the admission's condition failed, given the lockout as it stood:
// locked for the time left, or, when the count filled but its lock is not written yet, for the
// whole lock the guess that filled it is setting.
func (a Admission) Refusal(l account.Lockout) error {
	if locked, left := l.Locked(a.Now); locked {
		return lockedError(left)
	}
	return lockedError(a.Lock)
}

// Check verifies pin as Verify does and admits it with a write of its own.
func (c *Checker) Check(ctx context.Context, acct account.Account, pin string) error {
	a, err := c.Verify(ctx, acct, pin)
	if err != nil {
		return err
	}
	return c.store.AdmitPayment(ctx, a)
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
		metrics.Locked(ctx, c.log, metrics.LockPayment)
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
