// Package factor checks the proofs of identity the recovery flows accept besides a code: the
// login and payment passwords, security answers, the ID number and a linked card. Every check
// takes the same time whether or not the account has the factor on file, and failures count
// toward the account's recovery lock, which ends a guessing run after a few tries.
package factor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/metrics"
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
	keys   secret.Keyring
}

// NewChecker returns a Checker; keys is the pepper keyring the hasher was made with.
func NewChecker(hasher *secret.Hasher, keys secret.Keyring) Checker {
	return Checker{hasher: hasher, keys: keys}
}

// Card is a linked card as a proof needs it: its id and the keyed hash of its number.
type Card struct {
	ID   string
	Hash []byte
}

// Proof checks the factors of one attempt against one account (the zero Account for a phone
// without one) and keeps what matched under a previous pepper, hashed again under the current
// one, for the flow's write to store (see account.Rehash).
type Proof struct {
	c      Checker
	a      account.Account
	rehash account.Rehash
}

// Of starts a proof against a.
func (c Checker) Of(a account.Account) *Proof { return &Proof{c: c, a: a} }

// Rehash is what the matched factors need stored under the current pepper. A flow stores it only
// when the whole proof was accepted.
func (p *Proof) Rehash() account.Rehash { return p.rehash }

// Password checks the login password (argon2id without pepper: nothing to rehash here; a stronger
// cost is the sign-in's business).
func (p *Proof) Password(pw string) bool {
	if p.a.LoginHash == "" {
		p.c.hasher.VerifyDummy(pw)
		return false
	}
	ok, _, err := p.c.hasher.Verify(p.a.LoginHash, pw)
	return err == nil && ok
}

// PaymentPassword checks the 6-digit payment password.
func (p *Proof) PaymentPassword(pin string) bool {
	if p.a.PaymentHash == "" {
		p.c.hasher.VerifyDummy(pin)
		return false
	}
	ok, rehash := p.peppered(p.a.PaymentHash, pin)
	if h := p.again(pin, rehash); h != "" {
		p.rehash.PaymentHash = h
	}
	return ok
}

// Answer checks the answer to one of the account's questions.
func (p *Proof) Answer(questionID, answer string) bool {
	for _, ans := range p.a.Answers {
		if ans.QuestionID == questionID {
			norm := secret.NormalizeAnswer(answer)
			ok, rehash := p.peppered(ans.Hash, norm)
			if h := p.again(norm, rehash); h != "" {
				if p.rehash.Answers == nil {
					p.rehash.Answers = map[string]string{}
				}
				p.rehash.Answers[questionID] = h
			}
			return ok
		}
	}
	p.c.hasher.VerifyDummy(answer) // an unknown question costs what a wrong answer costs
	return false
}

// Answers checks two or three answers to distinct questions; all must be right. It checks every
// one, so the time taken does not tell which was wrong.
func (p *Proof) Answers(answers []Answer) bool {
	ok := len(answers) >= 2
	for _, ans := range answers {
		ok = p.Answer(ans.QuestionID, ans.Answer) && ok
	}
	return ok
}

// IDNumber checks the ID document number against the one on file.
func (p *Proof) IDNumber(id string) bool {
	norm := secret.NormalizeIDNumber(id)
	ok, stale := p.c.keys.Match(p.a.Profile.IDHash, secret.DomainIDNumber, norm)
	if ok && stale {
		p.rehash.IDHash = p.c.keys.Fingerprint(secret.DomainIDNumber, norm)
	}
	return ok && p.a.Profile.RealNameVerified()
}

// Card checks a typed card number against the account's linked cards, every one of them.
func (p *Proof) Card(cards []Card, number string) bool {
	digits, err := secret.CheckCardNumber(number)
	found := false
	for _, c := range cards {
		ok, stale := p.c.keys.Match(c.Hash, secret.DomainCard, digits)
		if ok && stale {
			if p.rehash.Cards == nil {
				p.rehash.Cards = map[string][]byte{}
			}
			p.rehash.Cards[c.ID] = p.c.keys.Fingerprint(secret.DomainCard, digits)
		}
		found = ok || found
	}
	return err == nil && found
}

// peppered verifies a peppered hash; rehash says it matched under a previous pepper.
func (p *Proof) peppered(encoded, secretValue string) (ok, rehash bool) {
	ok, rehash, err := p.c.hasher.VerifyPeppered(encoded, secretValue)
	return err == nil && ok, err == nil && ok && rehash
}

// again hashes a secret that verified and asked for it under the current pepper, or returns "".
// On a failure to hash, the old hash stays (it still verifies) and the next use tries again.
func (p *Proof) again(secretValue string, rehash bool) string {
	if !rehash {
		return ""
	}
	h, err := p.c.hasher.HashPeppered(secretValue)
	if err != nil {
		return ""
	}
	return h
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
	log    *slog.Logger // the locks metric
}

// NewLock returns the recovery lock, as strict as sign-in's. log takes the locks metric.
func NewLock(store LockStore, cfg config.Config, log *slog.Logger) Lock {
	return Lock{store: store, policy: session.LockPolicy{MaxFailures: cfg.LoginMaxFailures, Base: cfg.LoginLock,
		Cap: cfg.LoginLockMax, Decay: 24 * time.Hour}, log: log}
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
	metrics.Locked(ctx, l.log, metrics.LockRecovery)
	return account.Limited(account.CodeLocked, until.Sub(now), "too many failed attempts; try again later")
}

// MaxFailures is how many failures start a lock.
func (l Lock) MaxFailures() int { return l.policy.MaxFailures }
