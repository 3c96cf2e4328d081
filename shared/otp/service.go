package otp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/token"
)

// smsRetryAfter is when a client may ask again after SNS failed: the challenge is withdrawn and
// its charges given back, so a retry costs nothing; 503 answers carry Retry-After (README).
const smsRetryAfter = time.Second

// conflictRetries is how often a send is tried again when a concurrent send touched the same
// items; every try re-reads, so limits hold however many run at once.
const conflictRetries = 3

// Service sends and verifies codes.
type Service struct {
	store   Store
	courier Courier
	clock   account.Clock
	rand    io.Reader
	cfg     config.Config
	log     *slog.Logger
	smsTime *latency
	mailer  Courier // email codes; nil: none are sent
}

// NewService returns a Service. rand is the source of codes, ids and tokens (crypto/rand.Reader
// in production).
func NewService(store Store, c Courier, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, courier: c, clock: clock, rand: rand, cfg: cfg, log: log,
		smsTime: &latency{initial: cfg.NoSendDelay}}
}

// SendRequest asks for a code.
type SendRequest struct {
	Phone    account.Phone // parsed by package phone
	Purpose  account.Purpose
	SourceIP string
	Lang     string // the client's language, used when no account says otherwise
	// A new number's code (phone_change_new) is asked from a session, for a phone change.
	SessionHash []byte
	ChangeID    string
}

// SendResult is the answer to every accepted send, whether or not an SMS went out.
type SendResult struct {
	ChallengeID        string `json:"challengeId"`
	ExpiresInSeconds   int    `json:"expiresInSeconds"`
	ResendAfterSeconds int    `json:"resendAfterSeconds"`
	CodeLength         int    `json:"codeLength"`
}

// Send creates a challenge for the phone and purpose and sends its code, or, where the phone's
// account state means no code may go out, sends the notice that fits or nothing at all. The
// answer is the same in every case, so it does not tell whether the number has an account.
func (s *Service) Send(ctx context.Context, req SendRequest) (SendResult, error) {
	if !req.Purpose.Valid() {
		return SendResult{}, account.FieldError(account.CodeInvalidPurpose, "purpose", "unknown purpose")
	}
	if req.Purpose == account.PurposePhoneChangeNew {
		if err := account.Required("changeId", req.ChangeID); err != nil {
			return SendResult{}, err
		}
		if len(req.SessionHash) == 0 {
			return SendResult{}, account.Errorf(account.CodeUnauthenticated, "a new number's code is asked from a signed-in device")
		}
	}
	num := req.Phone
	if !num.In(s.cfg.AllowedRegions) {
		return SendResult{}, account.FieldError(account.CodeUnsupportedRegion, "phone", "numbers from this region are not supported")
	}
	for try := 0; ; try++ {
		res, err := s.send(ctx, num, req)
		if !account.Is(err, account.CodeConflict) || try == conflictRetries {
			return res, err
		}
		if err := s.pause(ctx, time.Duration(5+try*10)*time.Millisecond); err != nil {
			return SendResult{}, err
		}
	}
}

func (s *Service) send(ctx context.Context, num account.Phone, req SendRequest) (SendResult, error) {
	now, tag := s.clock.Now(), prefixTag(s.cfg.Pepper, num.Prefix())
	st, err := s.store.SendState(ctx, StateQuery{Phone: num.E164, Purpose: req.Purpose, SessionHash: req.SessionHash, ChangeID: req.ChangeID,
		Traffic: s.pumpingWindow(tag, now), Check: []ratelimit.Counter{s.failures(num.E164, now)}})
	if err != nil {
		return SendResult{}, fmt.Errorf("read send state: %w", err)
	}
	if st.Full != nil {
		return SendResult{}, s.issueError(&ratelimit.LimitError{Counter: *st.Full}, now)
	}
	if req.Purpose == account.PurposePhoneChangeNew {
		if err := newNumberAllowed(st, now); err != nil {
			return SendResult{}, err
		}
	}
	code, err := newCode(s.rand, s.cfg.OTPLength)
	if err != nil {
		return SendResult{}, err
	}
	msg, deliver := s.message(num, req, st.Owner, code)
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return SendResult{}, fmt.Errorf("challenge id: %w", err)
	}
	chID := phoneChallengeID(id, tag, num.Region, req.Purpose)
	ch := Challenge{ID: chID, Phone: num.E164, Region: num.Region, Purpose: req.Purpose, State: StatePending,
		CodeHash: codeHash(s.cfg.Pepper, chID, code), CreatedAt: now, ExpiresAt: now.Add(s.cfg.OTPTTL)}
	if st.Owner != nil {
		ch.AccountID = st.Owner.AccountID
	}
	if st.Change != nil {
		ch.AccountID, ch.ChangeID = st.Change.AccountID, req.ChangeID
	}
	charge, err := s.counters(req, now, deliver, s.prefixCounter(tag, now, s.prefixCap(ctx, num, tag, st.Traffic)))
	if err != nil {
		return SendResult{}, err
	}
	in := Issue{Challenge: ch, Previous: st.Slot, NotBefore: now.Add(-s.cfg.OTPResendAfter),
		Charge: charge, Own: s.phoneCounters(num, now), Supersede: s.live(st.Slot, now)}
	if err := s.store.Issue(ctx, in); err != nil {
		return SendResult{}, s.issueError(err, now)
	}
	if err := s.deliver(ctx, msg, deliver); err != nil {
		s.log.ErrorContext(ctx, "sms send failed", "phone", num.Mask(), "purpose", req.Purpose, "err", err)
		if rerr := s.store.Retract(context.WithoutCancel(ctx), in); rerr != nil {
			s.log.ErrorContext(ctx, "retract challenge", "challenge", ch.ID, "err", rerr)
		}
		return SendResult{}, account.Limited(account.CodeSMSUnavailable, smsRetryAfter, "the code could not be sent; try again shortly")
	}
	s.log.InfoContext(ctx, "code requested", "phone", num.Mask(), "purpose", req.Purpose, "challenge", ch.ID, "sent", deliver)
	if deliver { // the SMS the request cost: the code, or for signup the account-exists notice
		metrics.CodeSent(ctx, s.log, req.Purpose, num.Region)
	}
	return SendResult{ChallengeID: ch.ID, ExpiresInSeconds: int(s.cfg.OTPTTL.Seconds()),
		ResendAfterSeconds: int(s.cfg.OTPResendAfter.Seconds()), CodeLength: s.cfg.OTPLength}, nil
}

// newNumberAllowed checks a new number's code: asked from a live session of the account whose
// open phone change it is for, to a number no account holds.
func newNumberAllowed(st SendState, now time.Time) error {
	switch {
	case st.Session == nil || !st.Session.Live(now):
		return account.Errorf(account.CodeUnauthenticated, "sign in again")
	case st.Change == nil || st.Change.AccountID != st.Session.AccountID || !st.Change.Open || !now.Before(st.Change.ExpiresAt):
		return account.FieldError(account.CodeNotFound, "changeId", "no open phone change with this id")
	case st.Owner != nil && st.Owner.AccountID == st.Change.AccountID:
		return account.FieldError(account.CodeInvalidPhone, "phone", "this is already the account's number")
	case st.Owner != nil:
		return account.FieldError(account.CodePhoneTaken, "phone", "this number belongs to another account")
	}
	return nil
}

// message decides what, if anything, goes to the phone: the code; for signup on a number that
// already has an account, a notice instead; for purposes that need an account the phone lacks,
// nothing.
func (s *Service) message(num account.Phone, req SendRequest, owner *Owner, code string) (courier.Message, bool) {
	lang := account.Language(req.Lang, s.cfg.DefaultLang)
	if owner != nil && owner.Lang != "" {
		lang = owner.Lang
	}
	msg := courier.NewMessage(num.E164, lang, courier.Code{Code: code, Purpose: req.Purpose, Minutes: int(s.cfg.OTPTTL.Minutes())})
	switch {
	case req.Purpose == account.PurposeSignup && owner != nil:
		return courier.NewMessage(num.E164, lang, courier.AccountExists{}), true
	case req.Purpose.NeedsAccount() && owner == nil:
		return msg, false
	}
	return msg, true
}

// deliver sends msg, or when nothing may be sent, waits about as long as sending takes, so the
// response time does not tell the two apart.
func (s *Service) deliver(ctx context.Context, msg courier.Message, send bool) error {
	if !send {
		return s.pause(ctx, s.smsTime.sample(s.rand))
	}
	start := time.Now()
	err := s.courier.Send(ctx, msg)
	if err == nil {
		s.smsTime.observe(time.Since(start))
	}
	return err
}

func (s *Service) pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counters are the limits a send charges on items of their own (the phone's are kept with its
// slot: phoneCounters): the source IP's, the prefix's (its cap
// as the pumping defence set it; it also counts the SMS when one goes out) and, only when an SMS
// goes out, one shard of the daily budget drawn at random.
func (s *Service) counters(req SendRequest, now time.Time, sms bool, prefix ratelimit.Counter) ([]ratelimit.Counter, error) {
	hour := ratelimit.Hour(now)
	prefix.Sent = sms
	cs := []ratelimit.Counter{prefix}
	if req.SourceIP != "" {
		cs = append(cs, hour.Counter("ip_hourly", "otp-ip#"+req.SourceIP, s.cfg.OTPIPHourly, account.CodeRateLimited))
	}
	if !sms {
		return cs, nil
	}
	var b [2]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return nil, fmt.Errorf("budget shard: %w", err)
	}
	draw := int(b[0])<<8 | int(b[1])
	if req.Purpose == account.PurposeSignup {
		return append(cs, ratelimit.SignupSMSBudget(now, s.cfg.SMSDailyBudget, draw)), nil
	}
	return append(cs, ratelimit.SMSBudget(now, s.cfg.SMSDailyBudget, draw)), nil
}

// clockMargin is how far apart two functions' clocks may be: a previous challenge is treated as
// alive that long past its lifetime.
const clockMargin = time.Minute

// live reports whether the slot's challenge may still be redeemed at now: sent less than its
// lifetime ago (OTP_TTL, and the clocks' margin). Only a live one needs superseding.
func (s *Service) live(sl Slot, now time.Time) bool {
	return sl.ChallengeID != "" && now.Before(sl.SentAt.Add(s.cfg.OTPTTL+clockMargin))
}

// phoneCounters are the phone's own limits, its codes per hour and per day, which the store keeps
// with its slot (Issue.Own).
func (s *Service) phoneCounters(num account.Phone, now time.Time) []ratelimit.Counter {
	return []ratelimit.Counter{
		ratelimit.Hour(now).Counter("phone_hourly", "otp-phone#"+num.E164, s.cfg.OTPPhoneHourly, account.CodeRateLimited),
		ratelimit.Day(now).Counter("phone_daily", "otp-phone#"+num.E164, s.cfg.OTPPhoneDaily, account.CodeRateLimited),
	}
}

// failures is the phone's daily count of wrong codes, across all its challenges.
func (s *Service) failures(e164 string, now time.Time) ratelimit.Counter {
	return ratelimit.Day(now).Counter("phone_failures", "otp-fail#"+e164, s.cfg.OTPPhoneFailures, account.CodeTooManyAttempts)
}

// failuresOf is the daily count of wrong codes of the phone or the address ch was sent to.
func (s *Service) failuresOf(ch Challenge, now time.Time) ratelimit.Counter {
	if ch.Email != "" {
		return s.emailFailures(ch.Email, now)
	}
	return s.failures(ch.Phone, now)
}

// destination names what a challenge's code went to, for messages.
func destination(ch Challenge) string {
	if ch.Email != "" {
		return "address"
	}
	return "number"
}

func (s *Service) issueError(err error, now time.Time) error {
	var le *ratelimit.LimitError
	var ce *CooldownError
	switch {
	case errors.As(err, &le):
		return account.Limited(le.Counter.Code, le.Counter.Ends.Sub(now), "too many codes requested; try again later")
	case errors.As(err, &ce):
		return account.Limited(account.CodeResendTooSoon, ce.SentAt.Add(s.cfg.OTPResendAfter).Sub(now), "a code was sent recently; wait before asking again")
	case account.Is(err, account.CodeConflict):
		return err
	}
	return fmt.Errorf("issue challenge: %w", err)
}

// VerifyRequest offers a code for a challenge.
type VerifyRequest struct {
	ChallengeID string
	Code        string
}

// VerifyResult carries the verification token a right code earns.
type VerifyResult struct {
	VerificationToken string `json:"verificationToken"`
	ExpiresInSeconds  int    `json:"expiresInSeconds"`
}

// Verify checks a code. The right code turns the challenge into a proof in one conditional write
// and returns its token; a wrong one costs an attempt, and the last attempt burns the challenge.
func (s *Service) Verify(ctx context.Context, req VerifyRequest) (VerifyResult, error) {
	token, _, err := s.redeem(ctx, req)
	if err != nil {
		return VerifyResult{}, err
	}
	return VerifyResult{VerificationToken: token, ExpiresInSeconds: int(s.cfg.ProofTTL.Seconds())}, nil
}

// Prove checks a code as Verify does, for a flow that spends the proof at once in its own
// transaction (binding an email: otp.CheckProof is not needed, no token leaves the service):
// it returns the challenge as the right code left it, verified, with its proof's hash.
func (s *Service) Prove(ctx context.Context, req VerifyRequest) (Challenge, error) {
	_, ch, err := s.redeem(ctx, req)
	return ch, err
}

// redeem checks a code and, when it is right, returns the verification token and the verified
// challenge.
func (s *Service) redeem(ctx context.Context, req VerifyRequest) (string, Challenge, error) {
	if req.ChallengeID == "" || len(req.ChallengeID) > 64 {
		return "", Challenge{}, account.FieldError(account.CodeChallengeNotFound, "challengeId", "no such challenge")
	}
	if !isDigits(req.Code, s.cfg.OTPLength) {
		return "", Challenge{}, account.FieldError(account.CodeInvalidField, "code", fmt.Sprintf("the code is %d digits", s.cfg.OTPLength))
	}
	now := s.clock.Now()
	token, proofHash, err := token.Prefixed(s.rand, req.ChallengeID+".")
	if err != nil {
		return "", Challenge{}, err
	}
	ch, err := s.redeemOnce(ctx, req, proofHash, now)
	var re *RedeemError
	if errors.As(err, &re) {
		return "", Challenge{}, s.refused(ctx, re.Challenge, now)
	}
	if err != nil {
		return "", Challenge{}, fmt.Errorf("redeem challenge: %w", err)
	}
	if _, _, region, purpose, ok := phoneParts(req.ChallengeID); ok { // the write returned only what the request knew
		ch.Purpose, ch.Region = purpose, region
	}
	s.log.InfoContext(ctx, "code verified", "challenge", ch.ID, "purpose", ch.Purpose)
	if ch.Region != "" {
		metrics.CodeVerified(ctx, s.log, ch.Purpose, ch.Region)
	}
	return token, ch, nil
}

// redeemOnce asks the store to redeem the challenge, counting the right code on its prefix's
// counter when it is a phone code. Verifications of one prefix's codes share that counter, so
// two in one instant may race (conflict): each try re-runs the whole conditional write.
func (s *Service) redeemOnce(ctx context.Context, req VerifyRequest, proofHash []byte, now time.Time) (Challenge, error) {
	var verified *ratelimit.Counter
	if sentAt, tag, ok := prefixOf(req.ChallengeID); ok {
		c := s.prefixCounter(tag, sentAt, 0)
		verified = &c
	}
	for try := 0; ; try++ {
		ch, err := s.store.Redeem(ctx, req.ChallengeID, codeHashes(s.cfg.Pepper, req.ChallengeID, req.Code),
			proofHash, now, now.Add(s.cfg.ProofTTL), s.cfg.OTPMaxAttempts, verified)
		if !account.Is(err, account.CodeConflict) || try == conflictRetries {
			return ch, err
		}
		if err := s.pause(ctx, time.Duration(5+try*10)*time.Millisecond); err != nil {
			return Challenge{}, err
		}
	}
}

// refused explains why a challenge could not be redeemed, counting a wrong code when that is why.
func (s *Service) refused(ctx context.Context, ch *Challenge, now time.Time) error {
	switch {
	case ch == nil || ch.Superseded || ch.CodeHash == nil && ch.State == StatePending:
		return account.FieldError(account.CodeChallengeNotFound, "challengeId", "no such challenge; request a new code")
	case ch.State == StateVerified || ch.State == StateSpent:
		return account.FieldError(account.CodeChallengeUsed, "challengeId", "this code was already used")
	case !now.Before(ch.ExpiresAt):
		return account.FieldError(account.CodeChallengeExpired, "challengeId", "the code has expired; request a new one")
	case ch.Attempts >= s.cfg.OTPMaxAttempts:
		return s.burned(*ch, now)
	}
	attempts, err := s.store.RecordFailure(ctx, *ch, s.cfg.OTPMaxAttempts, s.failuresOf(*ch, now))
	var le *ratelimit.LimitError
	switch {
	case errors.As(err, &le):
		return account.Limited(account.CodeTooManyAttempts, le.Counter.Ends.Sub(now), "too many wrong codes for this "+destination(*ch)+" today")
	case errors.As(err, new(*RedeemError)):
		// Another request changed the challenge meanwhile (a concurrent try used the last attempt).
		return s.burned(*ch, now)
	case err != nil:
		return fmt.Errorf("record failure: %w", err)
	}
	left := max(s.cfg.OTPMaxAttempts-attempts, 0)
	s.log.InfoContext(ctx, "wrong code", "challenge", ch.ID, "attempts_left", left)
	if left == 0 {
		// The rule of every attempt limit: the attempt that uses the last try is answered with the
		// limit it reached (here 429 too_many_attempts, with when to ask for a new code), as the
		// fifth wrong password is answered 423 locked; attemptsRemaining counts down to 1.
		return s.burned(*ch, now)
	}
	return &account.Error{Code: account.CodeInvalidCode, Message: "the code is not right", Field: "code", AttemptsRemaining: &left}
}

// burned answers a challenge whose wrong tries are used up: a new code can be asked for once the
// resend cooldown of the burned one has passed, or, when the phone's wrong codes for the day
// burned it, once that day is over; that is when the client may retry.
func (s *Service) burned(ch Challenge, now time.Time) error {
	retry := ch.CreatedAt.Add(s.cfg.OTPResendAfter)
	if ch.RetryAt.After(retry) {
		return account.Limited(account.CodeTooManyAttempts, ch.RetryAt.Sub(now), "too many wrong codes for this "+destination(ch)+" today")
	}
	return account.Limited(account.CodeTooManyAttempts, retry.Sub(now), "too many wrong codes; request a new one")
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// latency keeps the latest SMS publish times, so that a send that publishes nothing can take as
// long as one that does: it waits as long as one of them, drawn at random, took. Drawing from
// the times themselves matches their whole spread — the usual time and the slow tail alike — so
// neither the median nor the shape of the response times tells the two kinds of send apart;
// an average would sit above the usual time whenever a few publishes are slow.
type latency struct {
	mu      sync.Mutex
	initial time.Duration // until a publish was measured (OTP_NO_SEND_DELAY)
	recent  [latencySamples]time.Duration
	n, next int
}

// latencySamples is how many publish times are kept: enough for their spread, recent enough to
// follow SNS when it slows down.
const latencySamples = 64

func (l *latency) observe(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recent[l.next] = d
	l.next = (l.next + 1) % latencySamples
	l.n = min(l.n+1, latencySamples)
}

// sample returns one of the kept times drawn at random, or, before any, the initial stand-in
// with ±25% jitter.
func (l *latency) sample(r io.Reader) time.Duration {
	var b [2]byte
	_, _ = io.ReadFull(r, b[:])
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == 0 {
		return l.initial*3/4 + l.initial*time.Duration(b[0])/(2*255)
	}
	return l.recent[(int(b[0])<<8|int(b[1]))%l.n]
}
