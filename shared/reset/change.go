package reset

import (
	"context"

	"github.com/wallet-accounts/wallet/shared/account"
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
	ev, err := s.event(account.EventPasswordChanged, now)
	if err != nil {
		return err
	}
	if err := s.store.Apply(ctx, Change{Account: a, LoginHash: hash, Changed: true, KeepSession: p.SessionHash,
		Sessions: account.SessionHashes(st.Devices), Event: ev}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "login password changed", "account", a.ID)
	return nil
}
