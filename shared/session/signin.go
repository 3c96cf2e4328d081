package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/token"
)

// SignInRequest is a sign-in as the handler hands it over.
type SignInRequest struct {
	Phone             account.Phone // parsed by package phone
	Email             account.Email // or instead, a verified email address (account.ParseEmail)
	Password          string
	Device            DeviceInput     // with its secret, when the device has one
	VerificationToken string          // a login_step_up token, when the client was told to get one
	Passkey           *passkey.Answer // or, instead, a passkey of the account as the step-up
	SourceIP          string
}

// SignInResult is what a successful sign-in answers: the session, and the device's next secret,
// which replaces the one it sent.
type SignInResult struct {
	SessionToken string    `json:"sessionToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
	DeviceSecret string    `json:"deviceSecret"`
}

// maxPasswordBytes bounds what is fed to argon2id; no valid login password is near it.
const maxPasswordBytes = 1024

// signInRetries is how often a sign-in that lost a race re-reads and tries again.
const signInRetries = 3

// SignIn checks the phone and password (and, on a device not proven by its secret, a
// login_step_up proof) and opens a session for the device, which gets its next secret. Three
// round trips when it succeeds: the phone's claim, one batch read, one transaction. A number
// without an account costs the same reads and an argon2id run, and is answered exactly like a
// wrong password. A replaced device secret presented again revokes the device (see
// Credentials), after which the request is a new device's.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (SignInResult, error) {
	res, err := s.signIn(ctx, req)
	metrics.SignIn(ctx, s.log, signInOutcome(err))
	return res, err
}

// signInOutcome names what a sign-in's answer was, for the sign-in metric.
func signInOutcome(err error) string {
	e, isAccount := account.As(err)
	switch {
	case err == nil:
		return metrics.SignInSuccess
	case !isAccount || e == nil || e.Code == account.CodeInternal || e.Code == account.CodeUnavailable:
		return metrics.SignInFailed
	case e.Code == account.CodeInvalidCredentials:
		return metrics.SignInWrongPassword
	case e.Code == account.CodeLocked:
		return metrics.SignInLocked
	case e.Code == account.CodeStepUpRequired:
		return metrics.SignInStepUp
	}
	return metrics.SignInRefused
}

func (s *Service) signIn(ctx context.Context, req SignInRequest) (SignInResult, error) {
	if err := checkSignIn(req); err != nil {
		return SignInResult{}, err
	}
	owner, err := s.owner(ctx, req)
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
	proven := false
	for try := 0; ; try++ {
		st, err := s.store.SignInState(ctx, StateQuery{Subject: subj, DeviceID: req.Device.ID, ProofToken: req.VerificationToken, IP: ip})
		if err != nil {
			return SignInResult{}, fmt.Errorf("sign in: %w", err)
		}
		if st.Account == nil || !signsIn(*st.Account, req) { // the account, or its email, went away after its claim was read
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
		known, err := s.proveDevice(ctx, &st, req, proven, now)
		if errors.Is(err, account.ErrStale) && try < signInRetries {
			continue // the device changed since the read: read again
		}
		if err != nil {
			return SignInResult{}, err
		}
		proven = proven || known
		w, token, secret, err := s.build(ctx, st, req, known, now)
		if err != nil {
			return SignInResult{}, err
		}
		res, err := s.finish(ctx, w, token, secret, "signed in")
		if errors.Is(err, account.ErrStale) && try < signInRetries {
			continue
		}
		return res, err
	}
}

// finish writes a sign-in and answers it. A lost race comes back as account.ErrStale, for the
// caller to read again while it may, and as a conflict when it may not.
func (s *Service) finish(ctx context.Context, w Write, token, secret, what string) (SignInResult, error) {
	if err := s.store.SignIn(ctx, w); err != nil {
		if errors.Is(err, account.ErrStale) {
			return SignInResult{}, errors.Join(account.ErrStale,
				account.Errorf(account.CodeConflict, "the account changed during sign-in; try again"))
		}
		return SignInResult{}, err
	}
	s.log.InfoContext(ctx, what, "account", w.Account.ID, "proven_device", w.Event == nil)
	return SignInResult{SessionToken: token, ExpiresAt: w.Session.ExpiresAt.UTC().Truncate(time.Second), DeviceSecret: secret}, nil
}

// owner is the account the request's phone, or verified email, belongs to; "" for none.
func (s *Service) owner(ctx context.Context, req SignInRequest) (string, error) {
	if req.Email.Address != "" {
		return s.store.EmailOwner(ctx, req.Email.Address)
	}
	return s.store.PhoneOwner(ctx, req.Phone.E164)
}

// signsIn reports whether a, found by the request's claim, still has its email verified as the
// request's (a sign-in by phone always does): a claim read just before the address was removed
// or replaced signs nothing in.
func signsIn(a account.Account, req SignInRequest) bool {
	return req.Email.Address == "" || a.Profile.EmailVerified && a.Profile.Email == req.Email.Address
}

// subjectOf is what a sign-in for no account counts against: the number or the address.
func subjectOf(req SignInRequest) Subject {
	if req.Email.Address != "" {
		return Subject{Email: req.Email.Address}
	}
	return Subject{Phone: req.Phone.E164}
}

func checkSignIn(req SignInRequest) error {
	if err := checkPassword(req.Password); err != nil {
		return err
	}
	return req.Device.Check()
}

// checkPassword refuses a login password that is missing or too long to hash.
func checkPassword(pw string) error {
	switch {
	case pw == "":
		return account.FieldError(account.CodeMissingField, "password", "password is required")
	case len(pw) > maxPasswordBytes:
		return account.FieldError(account.CodeInvalidField, "password", "password is too long")
	}
	return nil
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
	subj := subjectOf(req)
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
	return invalidCredentials()
}

// invalidCredentials answers a wrong password, and a phone or email without an account, alike.
func invalidCredentials() error {
	return account.Errorf(account.CodeInvalidCredentials, "the phone number (or email) or the password is not right")
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
		metrics.Locked(ctx, s.log, metrics.LockLogin)
		return lockedError(left)
	}
	return invalidCredentials()
}

func lockedError(left time.Duration) error {
	return account.Limited(account.CodeLocked, left, "too many wrong passwords: sign-in is locked for a while")
}

// proveDevice tells whether the request's device secret proves the device as read. A replaced
// secret presented again revokes the device, and st then holds it as revoked: the request goes on
// as a new device's. Not when this request proved the device on an earlier read, or the secret
// was replaced within ReplaceGrace: then a sign-in from the same device won a race (a conflict,
// not a theft).
func (s *Service) proveDevice(ctx context.Context, st *State, req SignInRequest, provenBefore bool, now time.Time) (bool, error) {
	switch s.creds.Check(st.Account.ID, st.Device, req.Device.Secret, now) {
	case Proven:
		return true, nil
	case Raced:
		return false, account.Errorf(account.CodeConflict, "another sign-in from this device went first and replaced its secret")
	case Reused:
		if provenBefore {
			return false, account.Errorf(account.CodeConflict, "another sign-in from this device went first and replaced its secret")
		}
		ev, err := s.event(account.EventDeviceSecretReused, now, map[string]string{account.DetailPlatform: st.Device.Platform})
		if err != nil {
			return false, err
		}
		if err := s.store.RevokeDevice(ctx, st.Account.ID, *st.Device, ev); err != nil {
			return false, err
		}
		s.log.WarnContext(ctx, "replaced device secret presented: device revoked", "account", st.Account.ID)
		revoked := *st.Device
		revoked.SessionHash, revoked.SecretHash, revoked.RetiredSecrets = nil, nil, nil
		st.Device = &revoked
	}
	return false, nil
}

// build decides what a sign-in with the right password writes, or why it is refused. known says
// the device proved itself with its secret; a device that did not is a new one, however it names
// itself, and steps up with a login_step_up code or a passkey of the account.
func (s *Service) build(ctx context.Context, st State, req SignInRequest, known bool, now time.Time) (Write, string, string, error) {
	if err := st.Account.Usable(); err != nil {
		return Write{}, "", "", err
	}
	var w Write
	if stepUpNeeded(*st.Account, known, now) {
		if err := s.stepUp(ctx, st, req, &w, now); err != nil {
			return Write{}, "", "", err
		}
	}
	return s.open(w, st, req.Device, known, now)
}

// stepUp checks the step-up a sign-in brought — a passkey of the account, or a login_step_up
// proof — into w, or asks for one.
func (s *Service) stepUp(ctx context.Context, st State, req SignInRequest, w *Write, now time.Time) error {
	acct := *st.Account
	switch {
	case req.Passkey != nil:
		a, err := s.prove(ctx, *req.Passkey, acct.ID)
		if err != nil {
			return err
		}
		w.Passkey = &a
	case req.VerificationToken == "":
		return &account.Error{Code: account.CodeStepUpRequired, Purpose: string(account.PurposeLoginStepUp),
			Message: "this sign-in needs a code sent to the account's phone, or a passkey of the account"}
	default:
		if err := otp.CheckProof(st.Proof, req.VerificationToken, account.PurposeLoginStepUp, acct.Phone, now); err != nil {
			return err
		}
		w.Proof = st.Proof
	}
	return nil
}

// open completes w with the new session and the device that holds it, which gets its next secret
// (an unproven device is enrolled, and its sign-in announced).
func (s *Service) open(w Write, st State, in DeviceInput, known bool, now time.Time) (Write, string, string, error) {
	acct := *st.Account
	token, hash, err := token.New(s.rand)
	if err != nil {
		return Write{}, "", "", err
	}
	dev, secret, err := s.enrol(acct.ID, st.Device, in, known, now)
	if err != nil {
		return Write{}, "", "", err
	}
	dev.SessionHash = hash
	w.Account, w.Session, w.Device, w.Previous = acct, s.policy.Start(acct.ID, dev.ID, hash, now), dev, st.Device
	w.Touch, w.MaxFailures, w.Now = !sameDay(acct.LastActiveAt, now), s.lock.MaxFailures, now
	if !known {
		// The device name is the client's free text: it stays out of the alert SMS.
		ev, err := s.event(account.EventNewDeviceLogin, now, map[string]string{account.DetailPlatform: dev.Platform})
		if err != nil {
			return Write{}, "", "", err
		}
		w.Event = &ev
	}
	return w, token, secret, nil
}

// enrol returns the device record a sign-in writes and the device's next secret: a proven device
// keeps its history and rotates its secret; any other is enrolled afresh (the secret it had, if
// the id was known, joins the replaced ones, so its holder is caught if it comes back).
func (s *Service) enrol(accountID string, prev *account.Device, in DeviceInput, known bool, now time.Time) (account.Device, string, error) {
	dev := in.Device(now)
	dev.EnrolledAt = now
	if prev != nil {
		dev.SecretHash, dev.RetiredSecrets = prev.SecretHash, prev.RetiredSecrets
	}
	if known {
		dev.FirstSeen, dev.EnrolledAt = prev.FirstSeen, prev.EnrolledAt
	}
	secret, err := s.creds.Enrol(accountID, &dev)
	return dev, secret, err
}

// event returns a security event of type kind at now with details.
func (s *Service) event(kind string, now time.Time, details map[string]string) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: kind, At: now, Details: details}, nil
}

// ipCounter is the source IP's failure counter for the clock hour of now; nil without an IP.
func (s *Service) ipCounter(ip string, now time.Time) *ratelimit.Counter {
	if ip == "" {
		return nil
	}
	c := ratelimit.Hour(now).Counter("signin_ip_hourly", "signin-ip#"+ip, s.ipMax, account.CodeRateLimited)
	return &c
}
