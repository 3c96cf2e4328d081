package reset

import (
	"context"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/session"
)

// LoginRequest is "forgot my login password" with a reset_login code.
type LoginRequest struct {
	VerificationToken string
	NewPassword       string
	Device            *session.DeviceInput
	SecondFactor      *Factor
}

// ResetLogin sets a new login password for the account the reset_login token's phone belongs
// to. A risky request (new device, soon after a phone change) and any request for a frozen
// account need a second factor; with one, a frozen account is unfrozen. Three round trips:
// the proof, the account with its devices, the transaction.
func (s *Service) ResetLogin(ctx context.Context, req LoginRequest) error {
	if err := account.Required("verificationToken", req.VerificationToken, "newPassword", req.NewPassword); err != nil {
		return err
	}
	if err := req.Device.Check(); err != nil {
		return err
	}
	proof, err := s.store.Proof(ctx, req.VerificationToken)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if err := otp.CheckProof(proof, req.VerificationToken, account.PurposeResetLogin, "", now); err != nil {
		return err
	}
	st, err := s.store.Recovery(ctx, proof.AccountID)
	if err != nil {
		return err
	}
	a := st.Account
	if a.ID == "" || a.Phone != proof.Phone || a.Status == account.StatusClosed {
		// The number changed hands, or the account closed, after the code was sent.
		return otp.CheckProof(nil, "", account.PurposeResetLogin, "", now)
	}
	if err := s.lock.Check(a, now); err != nil {
		return err
	}
	frozen := a.Status == account.StatusFrozen
	proved := s.check.Of(a)
	var pk *passkey.Assertion
	if frozen || s.risky(st, req.Device, now) {
		if req.SecondFactor == nil {
			return &account.Error{Code: account.CodeSecondFactorRequired, Factors: factors(st), QuestionID: question(a),
				Message: secondFactorMessage(st)}
		}
		ok, assertion, err := s.secondFactor(ctx, proved, a, *req.SecondFactor)
		if err != nil {
			return err
		}
		if !ok {
			return s.lock.Fail(ctx, a, &account.Error{Code: account.CodeInvalidSecondFactor, Field: "secondFactor",
				Factors: factors(st), QuestionID: question(a), Message: "the second factor is not right"}, now)
		}
		pk = assertion
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
	if err := s.store.Apply(ctx, Change{Account: a, LoginHash: hash, Rehash: proved.Rehash(), Passkey: pk, Unfreeze: frozen,
		Sessions: account.SessionHashes(st.Devices), Proof: proof, Event: ev}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "login password reset", "account", a.ID, "unfrozen", frozen)
	return nil
}
