package reset

import (
	"context"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// PaymentRequest resets the payment password from a signed-in device.
type PaymentRequest struct {
	VerificationToken  string
	IDNumber           string
	NewPaymentPassword string
}

// ResetPayment sets a new payment password: a session, a reset_payment code for the account's
// phone, and the ID number when the account has one on file. Every other session ends.
func (s *Service) ResetPayment(ctx context.Context, p account.Principal, req PaymentRequest) error {
	if err := account.Required("verificationToken", req.VerificationToken, "newPaymentPassword", req.NewPaymentPassword); err != nil {
		return err
	}
	proof, err := s.store.Proof(ctx, req.VerificationToken)
	if err != nil {
		return err
	}
	st, err := s.store.Recovery(ctx, p.AccountID)
	if err != nil {
		return err
	}
	a, now := st.Account, s.clock.Now()
	if err := otp.CheckProof(proof, req.VerificationToken, account.PurposeResetPayment, a.Phone, now); err != nil {
		return err
	}
	if a.Status != account.StatusActive {
		return account.Errorf(account.CodeAccountFrozen, "the account is frozen")
	}
	if err := s.lock.Check(a, now); err != nil {
		return err
	}
	proved := s.check.Of(a)
	if a.Profile.RealNameVerified() && !proved.IDNumber(req.IDNumber) {
		return s.lock.Fail(ctx, a, &account.Error{Code: account.CodeInvalidSecondFactor, Field: "idNumber",
			Factors: []string{FactorIDNumber}, Message: "the ID number on file is needed and does not match"}, now)
	}
	if err := secret.CheckPaymentPassword(req.NewPaymentPassword, personal(a), ""); err != nil {
		return err
	}
	hash, err := s.hasher.HashPeppered(req.NewPaymentPassword)
	if err != nil {
		return err
	}
	ev, err := s.event(account.EventPaymentPasswordReset, now)
	if err != nil {
		return err
	}
	if err := s.store.Apply(ctx, Change{Account: a, PaymentHash: hash, Rehash: proved.Rehash(), KeepSession: p.SessionHash,
		Sessions: account.SessionHashes(st.Devices), Proof: proof, Event: ev}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "payment password reset", "account", a.ID)
	return nil
}

// VerifyRequest checks the payment password before money moves.
type VerifyRequest struct {
	PaymentPassword   string
	VerificationToken string
}

// VerifyPayment checks the payment password of the signed-in account: 5 wrong in 24 hours lock
// it for 3 hours. Inside the account's nighttime-protection window it also needs a
// login_step_up code for the account's phone. One session read, then at most two round trips.
func (s *Service) VerifyPayment(ctx context.Context, p account.Principal, req VerifyRequest) error {
	if err := account.Required("paymentPassword", req.PaymentPassword); err != nil {
		return err
	}
	a, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return err
	}
	if a == nil {
		return account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	now := s.clock.Now()
	if s.nighttime(*a, now) {
		if req.VerificationToken == "" {
			return &account.Error{Code: account.CodeStepUpRequired, Purpose: string(account.PurposeLoginStepUp),
				Message: "nighttime protection is on: confirm with a code sent to your phone"}
		}
		proof, err := s.store.Proof(ctx, req.VerificationToken)
		if err != nil {
			return err
		}
		if err := otp.CheckProof(proof, req.VerificationToken, account.PurposeLoginStepUp, a.Phone, now); err != nil {
			return err
		}
	}
	return s.payments.Check(ctx, *a, req.PaymentPassword)
}
