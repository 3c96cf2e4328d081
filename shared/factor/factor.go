// Package factor checks the proofs of identity the recovery flows accept besides a code: the
// login and payment passwords, security answers, the ID number and a linked card. Every check
// takes the same time whether or not the account has the factor on file, and failures count
// toward the account's recovery lock, which ends a guessing run after a few tries.
package factor

import (
	"context"
	"fmt"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// Answer is the answer to one security question.
type Answer struct {
	QuestionID string
	Answer     string
}

// Checker checks factors against an account.
type Checker struct {
	hasher *secret.Hasher
	pepper []byte
}

// NewChecker returns a Checker.
func NewChecker(hasher *secret.Hasher, pepper []byte) Checker {
	return Checker{hasher: hasher, pepper: pepper}
}

// Password checks the login password.
func (c Checker) Password(a account.Account, pw string) bool {
	if a.LoginHash == "" {
		c.hasher.VerifyDummy(pw)
		return false
	}
	ok, _, err := c.hasher.Verify(a.LoginHash, pw)
	return err == nil && ok
}

// PaymentPassword checks the 6-digit payment password.
func (c Checker) PaymentPassword(a account.Account, pin string) bool {
	if a.PaymentHash == "" {
		c.hasher.VerifyDummy(pin)
		return false
	}
	ok, _, err := c.hasher.VerifyPeppered(a.PaymentHash, pin)
	return err == nil && ok
}

// Answer checks the answer to one of the account's questions.
func (c Checker) Answer(a account.Account, questionID, answer string) bool {
	for _, ans := range a.Answers {
		if ans.QuestionID == questionID {
			ok, _, err := c.hasher.VerifyPeppered(ans.Hash, secret.NormalizeAnswer(answer))
			return err == nil && ok
		}
	}
	c.hasher.VerifyDummy(answer) // an unknown question costs what a wrong answer costs
	return false
}

// Answers checks two or three answers to distinct questions; all must be right. It checks every
// one, so the time taken does not tell which was wrong.
func (c Checker) Answers(a account.Account, answers []Answer) bool {
	ok := len(answers) >= 2
	for _, ans := range answers {
		ok = c.Answer(a, ans.QuestionID, ans.Answer) && ok
	}
	return ok
}

// IDNumber checks the ID document number against the one on file.
func (c Checker) IDNumber(a account.Account, id string) bool {
	typed := secret.KeyedHash(c.pepper, secret.DomainIDNumber, secret.NormalizeIDNumber(id))
	return a.Profile.RealNameVerified() && secret.Equal(typed, a.Profile.IDHash)
}

// Card checks a typed card number against the keyed hashes of the linked cards.
func (c Checker) Card(cards [][]byte, number string) bool {
	digits, err := secret.CheckCardNumber(number)
	typed := secret.KeyedHash(c.pepper, secret.DomainCard, digits)
	found := false
	for _, h := range cards {
		found = secret.Equal(h, typed) || found
	}
	return err == nil && found
}

// CheckAnswerShape wants two or three answers to distinct questions.
func CheckAnswerShape(answers []Answer) error {
	if len(answers) < 2 || len(answers) > 3 {
		return account.FieldError(account.CodeInvalidQuestions, "securityAnswers", "answer two or three of your security questions")
	}
	seen := map[string]bool{}
	for _, a := range answers {
		if a.QuestionID == "" || a.Answer == "" || seen[a.QuestionID] {
			return account.FieldError(account.CodeInvalidQuestions, "securityAnswers", "answer two or three different security questions")
		}
		seen[a.QuestionID] = true
	}
	return nil
}

// LockStore counts recovery failures.
type LockStore interface {
	// RecoveryFailure counts one failure atomically and returns the count.
	RecoveryFailure(ctx context.Context, accountID string) (int, error)
	// LockRecovery locks recovery until until, resetting the count, if it is still at max or above.
	LockRecovery(ctx context.Context, accountID string, max, level int, until, now time.Time) error
}

// Lock is the recovery lock: failures of any recovery factor count toward it.
type Lock struct {
	store  LockStore
	policy session.LockPolicy
}

// NewLock returns the recovery lock, as strict as sign-in's.
func NewLock(store LockStore, cfg config.Config) Lock {
	return Lock{store: store, policy: session.LockPolicy{MaxFailures: cfg.LoginMaxFailures, Base: cfg.LoginLock,
		Cap: cfg.LoginLockMax, Decay: 24 * time.Hour}}
}

// Check refuses while the account's recovery is locked.
func (l Lock) Check(a account.Account, now time.Time) error {
	if ok, left := a.Recovery.Locked(now); ok {
		return account.Limited(account.CodeLocked, left, "too many failed attempts; try again later")
	}
	return nil
}

// Fail counts a failure and returns what the client gets: refusal with the attempts left, or
// the lock when this failure starts one.
func (l Lock) Fail(ctx context.Context, a account.Account, refusal *account.Error, now time.Time) error {
	n, err := l.store.RecoveryFailure(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("count recovery failure: %w", err)
	}
	if n < l.policy.MaxFailures {
		left := l.policy.MaxFailures - n
		refusal.AttemptsRemaining = &left
		return refusal
	}
	level, until := l.policy.Next(a.Recovery, now)
	if err := l.store.LockRecovery(ctx, a.ID, l.policy.MaxFailures, level, until, now); err != nil {
		return fmt.Errorf("lock recovery: %w", err)
	}
	return account.Limited(account.CodeLocked, until.Sub(now), "too many failed attempts; try again later")
}

// MaxFailures is how many failures start a lock.
func (l Lock) MaxFailures() int { return l.policy.MaxFailures }
