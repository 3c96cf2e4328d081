package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/token"
)

// SignInRequest is a sign-in as the handler hands it over.
type SignInRequest struct {
	Phone             account.Phone // parsed by package phone
	Password          string
	Device            DeviceInput
	VerificationToken string // a login_step_up token, when the client was told to get one
	SourceIP          string
}

// SignInResult is what a successful sign-in answers.
type SignInResult struct {
	SessionToken string    `json:"sessionToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// maxPasswordBytes bounds what is fed to argon2id; no valid login password is near it.
const maxPasswordBytes = 1024

// signInRetries is how often a sign-in that lost a race re-reads and tries again.
const signInRetries = 3

// SignIn checks the phone and password (and, on a new device, a login_step_up proof) and opens a
// session for the device. Three round trips when it succeeds: the phone's claim, one batch read,
// one transaction. A number without an account costs the same reads and an argon2id run, and is
// answered exactly like a wrong password.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (SignInResult, error) {
	if err := checkSignIn(req); err != nil {
		return SignInResult{}, err
	}
	owner, err := s.store.PhoneOwner(ctx, req.Phone.E164)
	if err != nil {
		return SignInResult{}, fmt.Errorf("sign in: %w", err)
	}
	now := s.clock.Now()
	ip := s.ipCounter(req.SourceIP, now)
	if owner == "" {
		return SignInResult{}, s.unknown(ctx, req, ip, now)
	}
	subj := Subject{AccountID: owner}
	verified := "" // the hash the password was last verified against
	for try := 0; ; try++ {
		st, err := s.store.SignInState(ctx, StateQuery{Subject: subj, DeviceID: req.Device.ID, ProofToken: req.VerificationToken, IP: ip})
		if err != nil {
			return SignInResult{}, fmt.Errorf("sign in: %w", err)
		}
		if st.Account == nil { // the account went away after its claim was read
			return SignInResult{}, s.unknown(ctx, req, ip, now)
		}
		if err := s.admit(ctx, subj, st, ip, now); err != nil {
			return SignInResult{}, err
		}
		if st.Account.LoginHash != verified {
			ok, _, err := s.hasher.Verify(st.Account.LoginHash, req.Password)
			if err != nil {
				return SignInResult{}, fmt.Errorf("verify login password: %w", err)
			}
			if !ok {
				return SignInResult{}, s.failed(ctx, subj, ip, now)
			}
			verified = st.Account.LoginHash
		}
		w, token, err := s.build(st, req, now)
		if err != nil {
			return SignInResult{}, err
		}
		err = s.store.SignIn(ctx, w)
		switch {
		case errors.Is(err, account.ErrStale) && try < signInRetries:
			continue
		case errors.Is(err, account.ErrStale):
			return SignInResult{}, account.Errorf(account.CodeConflict, "the account changed during sign-in; try again")
		case err != nil:
			return SignInResult{}, err
		}
		s.log.InfoContext(ctx, "signed in", "account", w.Account.ID, "device", w.Device.ID, "new_device", w.Previous == nil)
		return SignInResult{SessionToken: token, ExpiresAt: w.Session.ExpiresAt.UTC().Truncate(time.Second)}, nil
	}
}

func checkSignIn(req SignInRequest) error {
	switch {
	case req.Password == "":
		return account.FieldError(account.CodeMissingField, "password", "password is required")
	case len(req.Password) > maxPasswordBytes:
		return account.FieldError(account.CodeInvalidField, "password", "password is too long")
	}
	return req.Device.Check()
}

// admit refuses, before any password is checked, a source IP over its failure limit and a
// subject under a lock: during a lock even the right password is refused.
func (s *Service) admit(ctx context.Context, subj Subject, st State, ip *ratelimit.Counter, now time.Time) error {
	if ip != nil && st.IPFailures >= ip.Max {
		return account.Limited(account.CodeRateLimited, ip.Ends.Sub(now), "too many failed sign-ins from this network; try again later")
	}
	if locked, left := st.Lockout.Locked(now); locked {
		return lockedError(left)
	}
	if st.Lockout.Failures >= s.lock.MaxFailures {
		// The count is full but the request that filled it has not locked yet: lock now. A
		// right password that lost the race to the last failure (its write is conditional on
		// fewer failures) comes back here and is answered as every other late guess is.
		return s.lockout(ctx, subj, st.Lockout, now)
	}
	return nil
}

// unknown answers a sign-in for a number without an account as a wrong password is answered,
// after the same kind of reads, an argon2id run against a dummy hash, and the same failure
// counting (on the number's own counter, which locks like an account).
func (s *Service) unknown(ctx context.Context, req SignInRequest, ip *ratelimit.Counter, now time.Time) error {
	subj := Subject{Phone: req.Phone.E164}
	st, err := s.store.SignInState(ctx, StateQuery{Subject: subj, DeviceID: req.Device.ID, ProofToken: req.VerificationToken, IP: ip})
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if err := s.admit(ctx, subj, st, ip, now); err != nil {
		return err
	}
	s.hasher.VerifyDummy(req.Password)
	return s.failed(ctx, subj, ip, now)
}

// failed counts a wrong password against the subject and the source IP, and locks the subject
// when its count reaches the limit. Counting is an atomic add, so parallel guesses all count.
func (s *Service) failed(ctx context.Context, subj Subject, ip *ratelimit.Counter, now time.Time) error {
	l, err := s.store.RecordLoginFailure(ctx, subj, now)
	if err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	if ip != nil {
		if err := s.store.CountIPFailure(ctx, *ip); err != nil {
			s.log.WarnContext(ctx, "count sign-in failure by IP", "err", err)
		}
	}
	if locked, left := l.Locked(now); locked {
		return lockedError(left)
	}
	if l.Failures >= s.lock.MaxFailures {
		return s.lockout(ctx, subj, l, now)
	}
	return account.Errorf(account.CodeInvalidCredentials, "the phone number or the password is not right")
}

// lockout locks the subject, whose count has reached the limit, and answers locked. Another
// request may have locked it first, or a success reset the count: then it answers as a wrong
// password is.
func (s *Service) lockout(ctx context.Context, subj Subject, l account.Lockout, now time.Time) error {
	level, until := s.lock.Next(l, now)
	l, err := s.store.LockLogin(ctx, subj, s.lock.MaxFailures, level, until, now)
	if err != nil {
		return fmt.Errorf("lock sign-in: %w", err)
	}
	if locked, left := l.Locked(now); locked {
		s.log.InfoContext(ctx, "sign-in locked", "account", subj.AccountID, "level", l.Level, "until", l.LockedUntil)
		return lockedError(left)
	}
	return account.Errorf(account.CodeInvalidCredentials, "the phone number or the password is not right")
}

func lockedError(left time.Duration) error {
	return account.Limited(account.CodeLocked, left, "too many wrong passwords: sign-in is locked for a while")
}

// build decides what a sign-in with the right password writes, or why it is refused.
func (s *Service) build(st State, req SignInRequest, now time.Time) (Write, string, error) {
	acct := *st.Account
	switch acct.Status {
	case account.StatusActive:
	case account.StatusFrozen:
		return Write{}, "", account.Errorf(account.CodeAccountFrozen, "this account is frozen; recover it to unfreeze")
	default:
		return Write{}, "", account.Errorf(account.CodeAccountClosed, "this account is closed")
	}
	known := st.Device != nil
	var proof *otp.Challenge
	if stepUpNeeded(acct, known, now) {
		if req.VerificationToken == "" {
			return Write{}, "", &account.Error{Code: account.CodeStepUpRequired, Purpose: string(account.PurposeLoginStepUp),
				Message: "this sign-in needs a code sent to the account's phone"}
		}
		if err := otp.CheckProof(st.Proof, req.VerificationToken, account.PurposeLoginStepUp, acct.Phone, now); err != nil {
			return Write{}, "", err
		}
		proof = st.Proof
	}
	token, hash, err := token.New(s.rand)
	if err != nil {
		return Write{}, "", err
	}
	dev := req.Device.Device(now)
	dev.SessionHash = hash
	w := Write{Account: acct, Session: s.policy.Start(acct.ID, dev.ID, hash, now), Device: dev, Previous: st.Device,
		Proof: proof, Touch: !sameDay(acct.LastActiveAt, now), MaxFailures: s.lock.MaxFailures, Now: now}
	if known {
		w.Device.FirstSeen = st.Device.FirstSeen
	} else {
		id, err := ulid.New(ulid.Timestamp(now), s.rand)
		if err != nil {
			return Write{}, "", fmt.Errorf("event id: %w", err)
		}
		// The device name is the client's free text: it stays out of the alert SMS.
		w.Event = &account.Event{ID: id.String(), Type: account.EventNewDeviceLogin, At: now,
			Details: map[string]string{account.DetailPlatform: dev.Platform}}
	}
	return w, token, nil
}

// ipCounter is the source IP's failure counter for the clock hour of now; nil without an IP.
func (s *Service) ipCounter(ip string, now time.Time) *ratelimit.Counter {
	if ip == "" {
		return nil
	}
	c := ratelimit.Hour(now).Counter("signin_ip_hourly", "signin-ip#"+ip, s.ipMax, account.CodeRateLimited)
	return &c
}
