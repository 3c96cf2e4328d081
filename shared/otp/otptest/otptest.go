// Package otptest gives tests of other flows real verification tokens: it runs the real OTP
// service (send, then verify) against the real store, and reads the code at the Courier
// interface instead of from an SMS. Tests of SMS delivery itself go through moto.
package otptest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// Issuer sends and verifies codes to hand out verification tokens.
type Issuer struct {
	svc *otp.Service
	box *inbox
}

// NewIssuer returns an Issuer over store. cfg's limits are lifted so that tests can ask for as
// many tokens as they like; clock must be the one the flow under test uses.
func NewIssuer(store otp.Store, cfg config.Config, clock account.Clock) *Issuer {
	cfg.OTPResendAfter = 0
	cfg.OTPPhoneHourly, cfg.OTPPhoneDaily, cfg.OTPIPHourly, cfg.OTPPrefixHourly = 1<<20, 1<<20, 1<<20, 1<<20
	cfg.PumpingMinSends = 1 << 20 // no prefix is judged: these send many codes they never verify
	cfg.SMSDailyBudget = 1 << 30
	cfg.OTPEmailHourly, cfg.OTPEmailDaily, cfg.EmailDailyBudget = 1<<20, 1<<20, 1<<30
	box := &inbox{codes: map[string]string{}}
	svc := otp.NewService(store, box, clock, rand.Reader, cfg, slog.New(slog.DiscardHandler)).WithMailer(box)
	return &Issuer{svc: svc, box: box}
}

// Codes is the issuer's code engine, which sends email codes to its inbox too: the email
// binding of a test (email.NewService) takes it, and Code reads what it sent.
func (i *Issuer) Codes() *otp.Service { return i.svc }

// Inbox is the courier the issuer sends through (SMS and mail alike): a flow that makes its own
// code engine can send through it too, and Code reads what it sent.
func (i *Issuer) Inbox() otp.Courier { return i.box }

// Code returns, once, the last code sent to a phone (E.164) or an address.
func (i *Issuer) Code(to string) string { return i.box.take(to) }

// Token returns a verification token proving possession of phone for purpose.
func (i *Issuer) Token(t testing.TB, phone account.Phone, purpose account.Purpose) string {
	t.Helper()
	token, err := i.TokenFor(otp.SendRequest{Phone: phone, Purpose: purpose})
	if err != nil {
		t.Fatalf("otptest: %v", err)
	}
	return token
}

// TokenFor sends and verifies the code req asks for (a new number's code names the session and
// the change) and returns the token, or the error the send or the verify answered.
func (i *Issuer) TokenFor(req otp.SendRequest) (string, error) {
	ctx := context.Background()
	req.SourceIP = "192.0.2.1"
	res, err := i.svc.Send(ctx, req)
	if err != nil {
		return "", err
	}
	code := i.box.take(req.Phone.E164)
	if code == "" {
		return "", fmt.Errorf("no code was sent to %s for %s (does the purpose need an account the phone lacks?)", req.Phone, req.Purpose)
	}
	out, err := i.svc.Verify(ctx, otp.VerifyRequest{ChallengeID: res.ChallengeID, Code: code})
	if err != nil {
		return "", err
	}
	return out.VerificationToken, nil
}

// inbox is the Courier: it keeps the last code sent to each phone.
type inbox struct {
	mu    sync.Mutex
	codes map[string]string
}

var codeRE = regexp.MustCompile(`\b\d{6,10}\b`)

func (b *inbox) Send(_ context.Context, msg courier.Message) error {
	text, err := courier.Render(msg)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[msg.To] = codeRE.FindString(text)
	return nil
}

func (b *inbox) take(to string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	code := b.codes[to]
	delete(b.codes, to)
	return code
}
