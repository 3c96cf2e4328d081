package reset

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
)

// AlternativeRequest is "I can't receive SMS": the ID number, two of the three security
// answers and a linked bank card number, all of which must match.
type AlternativeRequest struct {
	Phone          account.Phone
	IDNumber       string
	Answers        []factor.Answer
	BankCardNumber string
	NewPassword    string
}

// ResetLoginWithoutSMS sets a new login password on identity checks alone. Any failure answers
// the same recovery_failed, whichever part was wrong and whether or not the number has an
// account, and counts toward a lock like sign-in's.
func (s *Service) ResetLoginWithoutSMS(ctx context.Context, req AlternativeRequest) error {
	if err := account.Required("idNumber", req.IDNumber, "bankCardNumber", req.BankCardNumber, "newPassword", req.NewPassword); err != nil {
		return err
	}
	if err := factor.CheckAnswerShape(req.Answers); err != nil {
		return err
	}
	now := s.clock.Now()
	owner, err := s.store.PhoneOwner(ctx, req.Phone.E164)
	if err != nil {
		return err
	}
	refusal := &account.Error{Code: account.CodeRecoveryFailed, Message: "the details do not match our records"}
	if owner == "" {
		return s.unknownPhone(ctx, req, refusal, now)
	}
	st, err := s.store.Recovery(ctx, owner)
	if err != nil {
		return err
	}
	a := st.Account
	if err := s.lock.Check(a, now); err != nil {
		return err
	}
	proved := s.check.Of(a)
	if !identityOK(proved, st.Cards, req) {
		return s.lock.Fail(ctx, a, refusal, now)
	}
	if a.Status != account.StatusActive {
		return account.Errorf(account.CodeAccountFrozen, "a frozen account is unfrozen through the reset with a code and a second factor")
	}
	if err := s.policy(req.NewPassword, personal(a)); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(req.NewPassword)
	if err != nil {
		return err
	}
	ev, err := s.event(account.EventPasswordReset, now)
	if err != nil {
		return err
	}
	ev.Details = map[string]string{account.DetailMethod: "identity"}
	if err := s.store.Apply(ctx, Change{Account: a, LoginHash: hash, Rehash: proved.Rehash(), Sessions: account.SessionHashes(st.Devices),
		Event: ev}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "login password reset without sms", "account", a.ID)
	return nil
}

// unknownPhone answers a phone without an account as a wrong attempt for one with an account is
// answered: one read of its lockout, the same checks, the same count, the same lock.
func (s *Service) unknownPhone(ctx context.Context, req AlternativeRequest, refusal *account.Error, now time.Time) error {
	return s.unknownAttempt(ctx, req.Phone.E164, refusal, now, func() { identityOK(s.check.Of(account.Account{}), nil, req) })
}

// unknownAttempt answers a recovery attempt for a number without an account (e164) as a wrong
// one for an account is answered: its lockout read and checked, work (the same hashing the
// account's check does) done, the failure counted and locked on the number's own counter.
func (s *Service) unknownAttempt(ctx context.Context, e164 string, refusal *account.Error, now time.Time, work func()) error {
	l, err := s.store.UnknownRecovery(ctx, e164)
	if err != nil {
		return err
	}
	pseudo := account.Account{ID: e164, Recovery: l}
	if err := s.lock.Check(pseudo, now); err != nil {
		return err
	}
	work()
	return s.unknown.Fail(ctx, pseudo, refusal, now)
}

// identityOK checks every part, always all of them, so the time taken does not tell which part
// failed.
func identityOK(p *factor.Proof, cards []factor.Card, req AlternativeRequest) bool {
	id := p.IDNumber(req.IDNumber)
	answers := p.Answers(req.Answers)
	card := p.Card(cards, req.BankCardNumber)
	return id && answers && card
}
