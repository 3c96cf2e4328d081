package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

// PasskeySignInRequest is a sign-in with a passkey alone: the answer to a discoverable
// ceremony, and the device it signs in on.
type PasskeySignInRequest struct {
	Passkey passkey.Answer
	Device  DeviceInput
}

// SignInWithPasskey signs in with a passkey alone: it is phishing-resistant and multi-factor by
// itself (something held, unlocked by the user), so no password and no code are asked, in the
// nighttime window too. The device is enrolled as after a step-up (and announced unless its
// secret proves it). A frozen or closed account, or one whose sign-in is locked, is refused as
// at a password sign-in. The ceremony is spent and the passkey's use recorded in the sign-in's
// transaction. Three round trips: the credential's index, one batch read, one transaction.
func (s *Service) SignInWithPasskey(ctx context.Context, req PasskeySignInRequest) (SignInResult, error) {
	if err := req.Device.Check(); err != nil {
		return SignInResult{}, err
	}
	proven := false
	for try := 0; ; try++ {
		a, err := s.prove(ctx, req.Passkey, "")
		if err != nil {
			return SignInResult{}, err
		}
		now := s.clock.Now()
		st, err := s.store.SignInState(ctx, StateQuery{Subject: Subject{AccountID: a.AccountID}, DeviceID: req.Device.ID})
		if err != nil {
			return SignInResult{}, fmt.Errorf("passkey sign-in: %w", err)
		}
		if st.Account == nil {
			return SignInResult{}, passkey.ErrUnknown // the account went away after the passkey's index was read
		}
		if err := st.Account.Usable(); err != nil {
			return SignInResult{}, err
		}
		if locked, left := st.Lockout.Locked(now); locked {
			return SignInResult{}, lockedError(left)
		}
		known, err := s.proveDevice(ctx, &st, SignInRequest{Device: req.Device}, proven, now)
		if errors.Is(err, account.ErrStale) && try < signInRetries {
			continue
		}
		if err != nil {
			return SignInResult{}, err
		}
		proven = proven || known
		w, token, secret, err := s.open(Write{Passkey: &a}, st, req.Device, known, now)
		if err != nil {
			return SignInResult{}, err
		}
		res, err := s.finish(ctx, w, token, secret, "signed in with a passkey")
		if errors.Is(err, account.ErrStale) && try < signInRetries {
			continue
		}
		return res, err
	}
}
