package payment

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Shown is the payment as the holder was shown it: the confirmation states it, and is refused
// for an authorization of another amount, currency or payee.
type Shown struct {
	Amount   string
	Currency string
	PayeeID  string
}

// ConfirmRequest is the holder's confirmation of a pending authorization: the payment password
// (with a login_step_up verification token for a step_up_required one), or a passkey assertion
// over the authorization's bound challenge.
type ConfirmRequest struct {
	SessionToken      string
	AuthorizationID   string
	Shown             Shown
	PaymentPassword   string
	VerificationToken string
	Passkey           []byte // the PublicKeyCredential's JSON
}

// Confirm approves a pending authorization for its holder: one read (session, authorization,
// account, proof and passkey, together), then one transaction; a wrong payment password costs
// its failure's write instead. A confirmation is single use: the write is conditional on the
// authorization still pending and within its deadline.
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (Answer, error) {
	if err := checkConfirm(req); err != nil {
		return Answer{}, err
	}
	var credID []byte
	if len(req.Passkey) > 0 {
		var err error
		if credID, err = s.passkeys.CredentialID(req.Passkey); err != nil {
			return Answer{}, err
		}
	}
	st, err := s.store.ConfirmationState(ctx, token.Hash(req.SessionToken), req.AuthorizationID, req.VerificationToken, credID)
	if err != nil {
		return Answer{}, err
	}
	now := s.clock.Now()
	if st.Session == nil || !st.Session.Live(now) || st.Account == nil {
		return Answer{}, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	a := st.Authz
	if a == nil || a.AccountID != st.Session.AccountID {
		return Answer{}, account.Errorf(account.CodeNotFound, "no such payment authorization")
	}
	if err := checkPending(*a, req.Shown, now); err != nil {
		return Answer{}, err
	}
	c := Confirmation{Authz: *a, Now: now}
	if err := s.prove(ctx, st, req, &c); err != nil {
		return Answer{}, err
	}
	if atOrOver(st.Account.Alerts.LargeTransaction, a.Amount) {
		if c.Event, err = s.largeEvent(*a, now); err != nil {
			return Answer{}, err
		}
	}
	if err := s.store.Approve(ctx, c); err != nil {
		return Answer{}, err
	}
	s.log.InfoContext(ctx, "payment confirmed", "account", a.AccountID, "authorization", a.ID, "passkey", c.Passkey != nil)
	a.Status = StatusApproved
	return s.answer(*a)
}

// prove checks the holder's factor and puts what proves it in c.
func (s *Service) prove(ctx context.Context, st ConfirmState, req ConfirmRequest, c *Confirmation) error {
	acct := *st.Account
	if len(req.Passkey) > 0 {
		if err := acct.Usable(); err != nil {
			return err
		}
		asr, err := s.passkeys.VerifyBound(ctx, c.Authz.KeyID, binding(c.Authz), req.Passkey, acct.ID, st.Passkey)
		if err != nil {
			return err
		}
		c.Passkey = &asr
		return nil
	}
	if c.Authz.Decision == StepUpRequired {
		if req.VerificationToken == "" {
			return &account.Error{Code: account.CodeStepUpRequired, Purpose: string(account.PurposeLoginStepUp),
				Message: "nighttime protection is on: confirm with a passkey, or with a code sent to your phone and the payment password"}
		}
		if err := otp.CheckProof(st.Proof, req.VerificationToken, account.PurposeLoginStepUp, acct.Phone, c.Now); err != nil {
			return err
		}
		c.Proof = st.Proof
	}
	ad, err := s.payments.Verify(ctx, acct, req.PaymentPassword)
	if err != nil {
		return err
	}
	c.Admission = &ad
	return nil
}

// checkConfirm refuses a malformed confirmation: it carries a well-formed session token, what the
// holder was shown, and exactly one factor.
func checkConfirm(req ConfirmRequest) error {
	if !token.WellFormed(req.SessionToken) {
		return account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	if _, ok := splitID(req.AuthorizationID); !ok {
		return account.Errorf(account.CodeNotFound, "no such payment authorization")
	}
	if err := account.Required("payment.amount", req.Shown.Amount, "payment.currency", req.Shown.Currency, "payment.payeeId", req.Shown.PayeeID); err != nil {
		return err
	}
	switch {
	case req.PaymentPassword == "" && len(req.Passkey) == 0:
		return account.FieldError(account.CodeMissingField, "paymentPassword", "give paymentPassword or passkey")
	case req.PaymentPassword != "" && len(req.Passkey) > 0:
		return account.FieldError(account.CodeInvalidField, "passkey", "give paymentPassword or passkey, not both")
	}
	return nil
}

// checkPending refuses a confirmation of an authorization that is not pending, is past its
// deadline, or is not the payment the holder was shown.
func checkPending(a Authorization, shown Shown, now time.Time) error {
	switch {
	case a.Status != StatusPending:
		return account.Errorf(account.CodeAuthorizationDone, "this payment is %s already", a.Status)
	case !now.Before(a.ConfirmBy):
		return account.Errorf(account.CodeAuthorizationExpired, "this payment waited too long for its confirmation; pay again")
	case !matches(a, shown):
		return errMismatch
	}
	return nil
}

// errMismatch answers a confirmation of another payment than the one it names.
var errMismatch = account.Errorf(account.CodePaymentMismatch, "this confirmation is for another amount, currency or payee")

func matches(a Authorization, shown Shown) bool {
	amt, err := money.Parse(shown.Amount, shown.Currency)
	return err == nil && amt == a.Amount && shown.PayeeID == a.Payee.ID
}
