package otp

import (
	"context"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

// Email codes: the same challenges, limits, attempts, cooldown and proofs as phone codes, sent
// by email to an address the signed-in holder wants to bind (purpose email_bind). The address's
// slot and counters take the place of the phone's; the daily email budget that of the SMS
// budget.

// emailRetryAfter is when a client may ask again after SES failed (the challenge is withdrawn
// and its charges given back, as for SMS).
const emailRetryAfter = time.Second

// WithMailer makes the service send email codes through m (a courier.Mailer).
func (s *Service) WithMailer(m Courier) *Service {
	s.mailer = m
	return s
}

// EmailSendRequest asks for a code to bind Email to the signed-in account.
type EmailSendRequest struct {
	Email     account.Email // parsed by account.ParseEmail
	AccountID string        // the signed-in account asking (its session is checked by the caller)
	SourceIP  string
	Lang      string // the client's language, used when the account has none
}

// SendEmail creates an email_bind challenge for the address and emails its code. It refuses an
// account that may not change (frozen, closed) and an address that is the account's verified
// email already; it never says whether another account holds the address (that is decided when
// the code is spent, by the claim), so the answer is the same for any other address.
func (s *Service) SendEmail(ctx context.Context, req EmailSendRequest) (SendResult, error) {
	if s.mailer == nil {
		return SendResult{}, account.Errorf(account.CodeEmailUnavailable, "email is not available")
	}
	for try := 0; ; try++ {
		res, err := s.sendEmail(ctx, req)
		if !account.Is(err, account.CodeConflict) || try == conflictRetries {
			return res, err
		}
		if err := s.pause(ctx, time.Duration(5+try*10)*time.Millisecond); err != nil {
			return SendResult{}, err
		}
	}
}

func (s *Service) sendEmail(ctx context.Context, req EmailSendRequest) (SendResult, error) {
	addr := req.Email.Address
	now := s.clock.Now()
	st, err := s.store.SendState(ctx, StateQuery{Email: addr, Purpose: account.PurposeEmailBind, AccountID: req.AccountID,
		Check: []ratelimit.Counter{s.emailFailures(addr, now)}})
	if err != nil {
		return SendResult{}, fmt.Errorf("read send state: %w", err)
	}
	if err := account.MayBindEmail(st.Account, addr); err != nil {
		return SendResult{}, err
	}
	if st.Full != nil {
		return SendResult{}, s.issueError(&ratelimit.LimitError{Counter: *st.Full}, now)
	}
	code, err := newCode(s.rand, s.cfg.OTPLength)
	if err != nil {
		return SendResult{}, err
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return SendResult{}, fmt.Errorf("challenge id: %w", err)
	}
	ch := Challenge{ID: id.String(), Email: addr, Purpose: account.PurposeEmailBind, AccountID: req.AccountID, State: StatePending,
		CodeHash: codeHash(s.cfg.Pepper, id.String(), code), CreatedAt: now, ExpiresAt: now.Add(s.cfg.OTPTTL)}
	charge, err := s.emailCounters(addr, req.SourceIP, now)
	if err != nil {
		return SendResult{}, err
	}
	in := Issue{Challenge: ch, Previous: st.Slot, NotBefore: now.Add(-s.cfg.OTPResendAfter),
		Charge: charge, Supersede: s.live(st.Slot, now)}
	if err := s.store.Issue(ctx, in); err != nil {
		return SendResult{}, s.issueError(err, now)
	}
	lang := account.Language(st.Account.Lang, account.Language(req.Lang, s.cfg.DefaultLang))
	msg := courier.NewMessage(addr, lang, courier.EmailCode{Code: code, Minutes: int(s.cfg.OTPTTL.Minutes())})
	if err := s.mailer.Send(ctx, msg); err != nil {
		s.log.ErrorContext(ctx, "email send failed", "email", req.Email, "err", err)
		if rerr := s.store.Retract(context.WithoutCancel(ctx), in); rerr != nil {
			s.log.ErrorContext(ctx, "retract challenge", "challenge", ch.ID, "err", rerr)
		}
		return SendResult{}, account.Limited(account.CodeEmailUnavailable, emailRetryAfter, "the code could not be sent; try again shortly")
	}
	s.log.InfoContext(ctx, "email code requested", "email", req.Email, "account", req.AccountID, "challenge", ch.ID)
	return SendResult{ChallengeID: ch.ID, ExpiresInSeconds: int(s.cfg.OTPTTL.Seconds()),
		ResendAfterSeconds: int(s.cfg.OTPResendAfter.Seconds()), CodeLength: s.cfg.OTPLength}, nil
}

// emailCounters are the limits an email code charges: the address's hourly and daily codes, the
// source IP's code requests (shared with phone codes) and one shard of the daily email budget.
func (s *Service) emailCounters(addr, ip string, now time.Time) ([]ratelimit.Counter, error) {
	hour := ratelimit.Hour(now)
	var b [1]byte
	if _, err := s.rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("budget shard: %w", err)
	}
	cs := []ratelimit.Counter{
		hour.Counter("email_hourly", "otp-email#"+addr, s.cfg.OTPEmailHourly, account.CodeRateLimited),
		ratelimit.Day(now).Counter("email_daily", "otp-email#"+addr, s.cfg.OTPEmailDaily, account.CodeRateLimited),
		ratelimit.EmailBudget(now, s.cfg.EmailDailyBudget, int(b[0])%ratelimit.EmailBudgetShards),
	}
	if ip != "" {
		cs = append(cs, hour.Counter("ip_hourly", "otp-ip#"+ip, s.cfg.OTPIPHourly, account.CodeRateLimited))
	}
	return cs, nil
}

// emailFailures is the address's daily count of wrong codes, across all its challenges.
func (s *Service) emailFailures(addr string, now time.Time) ratelimit.Counter {
	return ratelimit.Day(now).Counter("email_failures", "otp-email-fail#"+addr, s.cfg.OTPEmailFailures, account.CodeTooManyAttempts)
}
