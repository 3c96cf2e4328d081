package reset

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/freeze"
)

// LockRequest is "my phone was stolen": the account's phone, the login password, and the ID
// number on file or the answer to one security question. No SMS, no session, any device.
type LockRequest struct {
	Phone         account.Phone
	Email         account.Email // instead of Phone: the account's verified email address
	LoginPassword string
	IDNumber      string
	Answer        *factor.Answer
}

// Freezer freezes an account whose holder the caller proved (package freeze).
type Freezer interface {
	Freeze(ctx context.Context, req freeze.Request) (freeze.Result, error)
}

// WithFreezer lets the service lock accounts (the lost-phone lock).
func (s *Service) WithFreezer(f Freezer) *Service {
	s.freezer = f
	return s
}

// Lock freezes the account of a lost phone at once: every session ends and sign-in, payments and
// changes stop until a recovery. Anything wrong — a part, or a number without an account —
// answers the same recovery_failed, counted toward the recovery lock of the account or of the
// number, after the same reads and the same hashing work.
func (s *Service) Lock(ctx context.Context, req LockRequest) (freeze.Result, error) {
	if err := req.Check(); err != nil {
		return freeze.Result{}, err
	}
	now := s.clock.Now()
	owner, err := s.lockOwner(ctx, req)
	if err != nil {
		return freeze.Result{}, err
	}
	refusal := &account.Error{Code: account.CodeRecoveryFailed, Message: "the details do not match our records"}
	if owner == "" {
		return freeze.Result{}, s.unknownLock(ctx, req, refusal, now)
	}
	st, err := s.store.Recovery(ctx, owner)
	if err != nil {
		return freeze.Result{}, err
	}
	a := st.Account
	if req.Email.Address != "" && (!a.Profile.EmailVerified || a.Profile.Email != req.Email.Address) {
		return freeze.Result{}, s.unknownLock(ctx, req, refusal, now) // the address left the account after its claim was read
	}
	if err := s.lock.Check(a, now); err != nil {
		return freeze.Result{}, err
	}
	if !lockProofOK(s.check.Of(a), req) {
		return freeze.Result{}, s.lock.Fail(ctx, a, refusal, now)
	}
	if s.freezer == nil {
		return freeze.Result{}, account.Errorf(account.CodeUnavailable, "locking is not available")
	}
	// The freeze writes on the state just read: the lock is three round trips, not four.
	res, err := s.freezer.Freeze(ctx, freeze.Request{ProvenAccount: a.ID, Known: &freeze.State{Account: &a, Devices: st.Devices}})
	if err == nil {
		s.log.InfoContext(ctx, "account locked from another device", "account", a.ID)
	}
	return res, err
}

// lockOwner is the account the request's phone, or verified email, belongs to; "" for none.
func (s *Service) lockOwner(ctx context.Context, req LockRequest) (string, error) {
	if req.Email.Address != "" {
		return s.store.EmailOwner(ctx, req.Email.Address)
	}
	return s.store.PhoneOwner(ctx, req.Phone.E164)
}

// Check wants the phone's login password and exactly one of the ID number and an answer.
func (req LockRequest) Check() error {
	if err := account.Required("loginPassword", req.LoginPassword); err != nil {
		return err
	}
	if (req.IDNumber == "") == (req.Answer == nil) {
		return account.FieldError(account.CodeMissingField, "idNumber", "give the ID number or the answer to one security question")
	}
	if req.Answer != nil && (req.Answer.QuestionID == "" || req.Answer.Answer == "") {
		return account.FieldError(account.CodeInvalidQuestions, "securityAnswer", "give a question and its answer")
	}
	return nil
}

// lockProofOK checks the password and the factor, both every time, so the time taken does not
// tell which was wrong.
func lockProofOK(p *factor.Proof, req LockRequest) bool {
	ok := p.Password(req.LoginPassword)
	if req.Answer != nil {
		return p.Answer(req.Answer.QuestionID, req.Answer.Answer) && ok
	}
	return p.IDNumber(req.IDNumber) && ok
}

// unknownLock answers a number without an account as a wrong attempt for one with an account is
// answered (unknownAttempt).
func (s *Service) unknownLock(ctx context.Context, req LockRequest, refusal *account.Error, now time.Time) error {
	id := req.Phone.E164
	if req.Email.Address != "" {
		id = req.Email.Address // counted as a number without an account is: an address has an @, a number never
	}
	return s.unknownAttempt(ctx, id, refusal, now, func() { lockProofOK(s.check.Of(account.Account{}), req) })
}
