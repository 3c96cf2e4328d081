package alert

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Deliver sends the SMS of one security event of an account, each at most once however often
// the event is delivered. An event whose account (or phone change) no longer exists is logged
// and dropped: retrying cannot help it. An error means at least one SMS did not go out and the
// event must be delivered again; the SMS that did go out are not sent again then.
func (s *Service) Deliver(ctx context.Context, accountID string, ev account.Event) error {
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", ev.Type, err)
	}
	if a == nil {
		s.log.WarnContext(ctx, "alert dropped: no such account", "account", accountID, "event", ev.ID, "type", ev.Type)
		return nil
	}
	var nums *Numbers
	if needsNumbers(ev.Type) {
		if nums, err = s.store.PhoneChangeNumbers(ctx, ev.Details[account.DetailChangeID]); err != nil {
			return fmt.Errorf("deliver %s: %w", ev.Type, err)
		}
		if nums == nil {
			s.log.WarnContext(ctx, "alert dropped: no such phone change", "account", accountID, "event", ev.ID, "type", ev.Type)
			return nil
		}
	}
	msgs := s.plan(*a, ev, nums)
	if needsReplacedEmail(ev.Type) {
		replaced, err := s.store.ReplacedEmail(ctx, accountID, ev.ID)
		if err != nil {
			return fmt.Errorf("deliver %s: %w", ev.Type, err)
		}
		msgs = append(msgs, s.planNotice(*a, ev, replaced)...)
	}
	return s.sendAll(ctx, *a, ev, msgs)
}

// sendAll sends each message, and tells which failed.
func (s *Service) sendAll(ctx context.Context, a account.Account, ev account.Event, msgs []message) error {
	if len(msgs) == 0 {
		s.log.DebugContext(ctx, "event sends no SMS", "account", a.ID, "event", ev.ID, "type", ev.Type)
		return nil
	}
	var errs []error
	for _, m := range msgs {
		if m.msg.To == "" { // no number to tell: no retry can help
			s.log.WarnContext(ctx, "alert dropped: no number", "account", a.ID, "event", ev.ID, "type", ev.Type, "role", m.role)
			continue
		}
		if err := s.send(ctx, a, ev, m); err != nil {
			errs = append(errs, fmt.Errorf("%s alert %s to %s: %w", ev.Type, ev.ID, m.role, err))
		}
	}
	return errors.Join(errs...)
}

// send sends one message: claim, publish, mark sent; or, when the publish fails, release.
func (s *Service) send(ctx context.Context, a account.Account, ev account.Event, m message) error {
	c, token, err := s.claim(ctx, a.ID, ev.ID, m)
	if err != nil {
		return err
	}
	msg := m.msg
	if token != "" {
		msg = msg.WithLink(s.linkBase + token)
	}
	publish, err := s.publisher(msg, m.mail)
	if err != nil {
		return err
	}
	if ok, err := s.take(ctx, c, ev); !ok {
		return err
	}
	if err := publish(ctx); err != nil {
		if rerr := s.store.ReleaseAlert(context.WithoutCancel(ctx), c); rerr != nil {
			s.log.WarnContext(ctx, "release alert claim", "account", a.ID, "event", ev.ID, "err", rerr)
		}
		return err
	}
	// The SMS is out: a failure to mark it is logged, not retried, so that it is not sent again.
	if err := s.store.AlertSent(context.WithoutCancel(ctx), c, s.clock.Now()); err != nil {
		s.log.WarnContext(ctx, "mark alert sent", "account", a.ID, "event", ev.ID, "err", err)
	}
	s.log.InfoContext(ctx, "alert sent", "account", a.ID, "event", ev.ID, "type", ev.Type, "role", m.role,
		"to", recipient(msg.To, m.mail), "link", token != "")
	metrics.AlertSent(ctx, s.log, channel(m.mail))
	return nil
}

// publisher renders msg and returns what sends it: an SMS, or with mail an email.
func (s *Service) publisher(msg courier.Message, mail bool) (func(context.Context) error, error) {
	if !mail {
		text, err := courier.Render(msg)
		return func(ctx context.Context) error { return s.sender.SendSMS(ctx, msg.To, text) }, err
	}
	if s.mailer == nil {
		return nil, errors.New("no mailer: the email notice cannot be sent")
	}
	subject, body, err := courier.RenderMail(msg)
	return func(ctx context.Context) error { return s.mailer.SendEmail(ctx, msg.To, subject, body) }, err
}

// channel names how an alert went out, for the alerts metric.
func channel(mail bool) string {
	if mail {
		return metrics.ChannelEmail
	}
	return metrics.ChannelSMS
}

// recipient is an SMS's number or an email's address, masked, for the log.
func recipient(to string, mail bool) any {
	if mail {
		return account.Email{Address: to}
	}
	return account.PhoneFromE164(to)
}

// take stores the claim; ok is false when the SMS must not be sent now: it was sent already
// (err nil), or another delivery holds it, or the day's budget is spent, or storage failed.
func (s *Service) take(ctx context.Context, c Claim, ev account.Event) (ok bool, err error) {
	err = s.store.ClaimAlert(ctx, c)
	var limit *ratelimit.LimitError
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrSent):
		s.log.InfoContext(ctx, "alert already sent", "account", c.AccountID, "event", ev.ID, "type", ev.Type, "role", c.Role)
		return false, nil
	case errors.As(err, &limit):
		what := "alert held: the daily SMS budget is spent"
		if limit.Counter.Code == account.CodeEmailBudgetExhausted {
			what = "alert held: the daily email budget is spent"
		}
		s.log.ErrorContext(ctx, what, "code", limit.Counter.Code, "account", c.AccountID, "event", ev.ID, "type", ev.Type)
	}
	return false, fmt.Errorf("claim: %w", err)
}

// claim prepares the claim of one message, with a new freeze token when it carries a link; it
// returns the token itself, which only the SMS text may hold.
func (s *Service) claim(ctx context.Context, accountID, alertID string, m message) (Claim, string, error) {
	now := s.clock.Now()
	id := make([]byte, 16)
	if _, err := s.rand.Read(id); err != nil {
		return Claim{}, "", fmt.Errorf("claim id: %w", err)
	}
	c := Claim{AccountID: accountID, AlertID: alertID, Role: m.role, ClaimID: hex.EncodeToString(id), Now: now,
		LeaseUntil: lease(ctx, now), ExpiresAt: now.Add(s.markerTTL), Budget: ratelimit.SMSBudget(now, s.budget, int(id[0]))}
	if m.mail {
		c.Budget = ratelimit.EmailBudget(now, s.mailBudget, int(id[0])%ratelimit.EmailBudgetShards)
	}
	if !m.link {
		return c, "", nil
	}
	link, hash, err := token.NewFreeze(s.rand)
	if err != nil {
		return Claim{}, "", err
	}
	c.Token = &freeze.Token{Hash: hash, AccountID: accountID, ExpiresAt: now.Add(s.tokenTTL)}
	return c, link, nil
}

// lease is when a claim taken now is abandoned if still unsent: just after the invocation's
// deadline, when Lambda has certainly stopped its holder (the time left is measured on the
// wall clock and added to the service's clock).
func lease(ctx context.Context, now time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return now.Add(time.Until(d) + time.Second)
	}
	return now.Add(defaultLease)
}
