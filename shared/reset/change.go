package reset

import (
	"context"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// ChangeLoginRequest is a signed-in holder's new login password, with the current one.
type ChangeLoginRequest struct {
	CurrentPassword string
	NewPassword     string
}

// ChangeLogin sets a new login password for the session's holder: a session with fresh proof
// (RECENT_AUTH_WINDOW), the current password (a wrong one counts toward the recovery lock and
// answers wrong_password with the attempts left), and a new one under the signup policy. It
// keeps this session and ends every other, and writes password_changed, which alerts the holder
// with a freeze link, in the same transaction. Unlike a reset it leaves the identity path of a
// phone change open: the holder proved the password, not only the phone.
func (s *Service) ChangeLogin(ctx context.Context, p account.Principal, req ChangeLoginRequest) error {
	if err := account.Required("currentPassword", req.CurrentPassword, "newPassword", req.NewPassword); err != nil {
		return err
	}
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.cfg.RecentAuthWindow); err != nil {
		return err
	}
	st, err := s.store.Recovery(ctx, p.AccountID)
	if err != nil {
		return err
	}
	a := st.Account
	if a.ID == "" || a.Status != account.StatusActive {
		return account.Errorf(account.CodeUnauthenticated, "sign in first: the session is missing, expired or ended")
	}
	if err := s.lock.Check(a, now); err != nil {
		return err
	}
	if !s.check.Of(a).Password(req.CurrentPassword) {
		return s.lock.Fail(ctx, a, &account.Error{Code: account.CodeWrongPassword, Field: "currentPassword",
			Message: "the current password is not right"}, now)
	}
	if req.NewPassword == req.CurrentPassword {
		return account.FieldError(account.CodeInvalidField, "newPassword", "the new password is the current one")
	}
	if err := s.policy(req.NewPassword, personal(a)); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(req.NewPassword)
	if err != nil {
		return err
	}
	return s.applyChange(ctx, Change{Account: a, LoginHash: hash, KeepSession: p.SessionHash,
		Sessions: account.SessionHashes(st.Devices)}, account.EventPasswordChanged)
}

// ChangePaymentRequest is a signed-in holder's new payment password, with the current one.
type ChangePaymentRequest struct {
	CurrentPaymentPassword string
	NewPaymentPassword     string
}

// ChangePayment sets a new payment password for the session's holder: fresh proof, the current
// payment password under its lock (its admission goes into the change's transaction, so a right
// one checked alongside wrong ones gets in only as one of the first five would), and a new one
// under the payment-password policy. Sessions stay; payment_password_changed texts the holder.
func (s *Service) ChangePayment(ctx context.Context, p account.Principal, req ChangePaymentRequest) error {
	if err := account.Required("currentPaymentPassword", req.CurrentPaymentPassword, "newPaymentPassword", req.NewPaymentPassword); err != nil {
		return err
	}
	a, admission, err := s.admitCurrentPayment(ctx, p, req.CurrentPaymentPassword)
	if err != nil {
		return err
	}
	if req.NewPaymentPassword == req.CurrentPaymentPassword {
		return account.FieldError(account.CodeInvalidField, "newPaymentPassword", "the new payment password is the current one")
	}
	if err := secret.CheckPaymentPassword(req.NewPaymentPassword, personal(a), ""); err != nil {
		return err
	}
	hash, err := s.hasher.HashPeppered(req.NewPaymentPassword)
	if err != nil {
		return err
	}
	return s.applyChange(ctx, Change{Account: a, PaymentHash: hash, Admission: &admission}, account.EventPaymentPasswordChanged)
}

// ChangeAnswersRequest is a signed-in holder's three new security answers, with the payment
// password that allows the change.
type ChangeAnswersRequest struct {
	PaymentPassword string
	Answers         []factor.Answer
}

// ChangeAnswers replaces the security answers: fresh proof, the payment password under its lock,
// and three answers to distinct questions of the catalogue under the signup rules (none may be
// the login or payment password, nor hold the phone number). security_answers_changed texts the
// holder.
func (s *Service) ChangeAnswers(ctx context.Context, p account.Principal, req ChangeAnswersRequest) error {
	if err := account.Required("paymentPassword", req.PaymentPassword); err != nil {
		return err
	}
	ids := make([]string, len(req.Answers))
	for i, ans := range req.Answers {
		ids[i] = ans.QuestionID
	}
	if err := secret.CheckQuestions(ids); err != nil {
		return err
	}
	a, admission, err := s.admitCurrentPayment(ctx, p, req.PaymentPassword)
	if err != nil {
		return err
	}
	answers, err := s.hashAnswers(a, req)
	if err != nil {
		return err
	}
	return s.applyChange(ctx, Change{Account: a, Answers: answers, Admission: &admission}, account.EventSecurityAnswersChanged)
}

// hashAnswers checks each answer as signup does and hashes it under the pepper. An answer may not
// be the login password either: it is checked against the login hash (one argon2id run each).
func (s *Service) hashAnswers(a account.Account, req ChangeAnswersRequest) ([]account.Answer, error) {
	var out []account.Answer
	for _, ans := range req.Answers {
		norm, err := secret.CheckAnswer(ans.Answer)
		if err != nil {
			return nil, err
		}
		if err := secret.CheckAnswerApart(norm, personal(a), "", req.PaymentPassword); err != nil {
			return nil, err
		}
		if s.check.Of(a).Password(norm) {
			return nil, secret.CheckAnswerApart(norm, personal(a), norm, "") // the same refusal as signup's
		}
		h, err := s.hasher.HashPeppered(norm)
		if err != nil {
			return nil, err
		}
		out = append(out, account.Answer{QuestionID: ans.QuestionID, Hash: h})
	}
	return out, nil
}

// admitCurrentPayment reads the principal's account, wants fresh proof, and verifies the
// current payment password under its lock, returning its admission for the change's write.
func (s *Service) admitCurrentPayment(ctx context.Context, p account.Principal, pin string) (account.Account, paypass.Admission, error) {
	if err := p.RequireFresh(s.clock.Now(), s.cfg.RecentAuthWindow); err != nil {
		return account.Account{}, paypass.Admission{}, err
	}
	acct, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return account.Account{}, paypass.Admission{}, err
	}
	if acct == nil {
		return account.Account{}, paypass.Admission{}, account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	admission, err := s.payments.Verify(ctx, *acct, pin)
	return *acct, admission, err
}

// applyChange writes a change by the signed-in holder with its event (kind), keeping every
// session.
func (s *Service) applyChange(ctx context.Context, c Change, kind string) error {
	ev, err := s.event(kind, s.clock.Now())
	if err != nil {
		return err
	}
	c.Changed, c.Event = true, ev
	if err := s.store.Apply(ctx, c); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "secret changed", "account", c.Account.ID, "event", kind)
	return nil
}
