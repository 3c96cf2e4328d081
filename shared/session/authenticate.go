package session

import (
	"context"
	"fmt"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Authenticate returns who a bearer session token belongs to. It costs one strongly consistent
// read; a session that is due to slide (at most once a day) costs one more write. A token that is
// malformed, unknown, expired or ended answers unauthenticated: a session is valid exactly while
// its item exists and has not expired, so ending one takes effect at once.
func (s *Service) Authenticate(ctx context.Context, bearer string) (account.Principal, error) {
	if !token.WellFormed(bearer) {
		return account.Principal{}, unauthenticated()
	}
	hash := token.Hash(bearer)
	ses, err := s.store.Session(ctx, hash)
	if err != nil {
		return account.Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	now := s.clock.Now()
	if ses == nil || !ses.Live(now) {
		return account.Principal{}, unauthenticated()
	}
	if next, due := s.policy.Slide(*ses, now); due {
		// The request is authenticated by the read; a failed slide only means it is tried again.
		if err := s.store.SlideSession(ctx, *ses, next, now); err != nil {
			s.log.WarnContext(ctx, "slide session", "account", ses.AccountID, "err", err)
		}
	}
	return account.Principal{AccountID: ses.AccountID, DeviceID: ses.DeviceID, SessionHash: hash, FreshAt: ses.FreshAt}, nil
}

// SignOut ends the principal's session and clears it from its device.
func (s *Service) SignOut(ctx context.Context, p account.Principal) error {
	if err := s.store.EndSession(ctx, Session{Hash: p.SessionHash, AccountID: p.AccountID, DeviceID: p.DeviceID}); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	s.log.InfoContext(ctx, "signed out", "account", p.AccountID)
	return nil
}
