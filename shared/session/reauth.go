package session

import (
	"context"
	"fmt"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

// Reauthenticate proves the principal's holder again, with the login password or a passkey of
// the account (pk not nil), and opens the recent-authentication window for the session
// (account.Principal.RequireFresh). A wrong password counts toward the sign-in lock, as at
// sign-in, so a stolen session cannot be used to guess the password; it answers wrong_password
// (403: the session itself is still good), and the one that fills the count answers locked.
func (s *Service) Reauthenticate(ctx context.Context, p account.Principal, password string, pk *passkey.Answer) error {
	if pk != nil {
		return s.reauthWithPasskey(ctx, p, *pk)
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	acct, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return fmt.Errorf("reauthenticate: %w", err)
	}
	if acct == nil || acct.Status != account.StatusActive {
		return unauthenticated() // a frozen or closed account has no live session
	}
	now, subj := s.clock.Now(), Subject{AccountID: acct.ID}
	if err := s.admit(ctx, subj, State{Account: acct, Lockout: acct.Login}, nil, now); err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(acct.LoginHash, password)
	if err != nil {
		return fmt.Errorf("verify login password: %w", err)
	}
	if !ok {
		err := s.failed(ctx, subj, nil, now)
		if account.Is(err, account.CodeInvalidCredentials) {
			return account.FieldError(account.CodeWrongPassword, "password", "the password is not right")
		}
		return err
	}
	if err := s.store.Refresh(ctx, p.SessionHash, now, nil); err != nil {
		return fmt.Errorf("reauthenticate: %w", err)
	}
	s.log.InfoContext(ctx, "reauthenticated", "account", acct.ID)
	return nil
}

// reauthWithPasskey refreshes the session with a passkey of its account: the ceremony is spent
// and the use recorded in the same write.
func (s *Service) reauthWithPasskey(ctx context.Context, p account.Principal, ans passkey.Answer) error {
	a, err := s.prove(ctx, ans, p.AccountID)
	if err != nil {
		return err
	}
	if err := s.store.Refresh(ctx, p.SessionHash, a.UsedAt, &a); err != nil {
		return fmt.Errorf("reauthenticate: %w", err)
	}
	s.log.InfoContext(ctx, "reauthenticated with a passkey", "account", p.AccountID)
	return nil
}
