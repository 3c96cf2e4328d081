package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/console"
	"github.com/wallet-accounts/wallet/local/internal/moto"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/phone"
)

// smsPrinter prints each SMS and each email moto records, once, with the number or address
// masked, and keeps them for the console's inbox with the time it first saw each.
type smsPrinter struct {
	motoURL string
	out     io.Writer
	log     *slog.Logger
	client  *http.Client

	mu    sync.Mutex
	seen  map[string]bool
	inbox []console.Message // oldest first
}

func newSMSPrinter(motoURL string, out io.Writer, log *slog.Logger) *smsPrinter {
	return &smsPrinter{motoURL: motoURL, out: out, log: log, client: &http.Client{Timeout: 5 * time.Second},
		seen: map[string]bool{}}
}

// run polls until ctx ends.
func (p *smsPrinter) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.poll(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("read SMS from moto", "err", err)
			}
		}
	}
}

// poll prints the SMS and email not printed yet.
func (p *smsPrinter) poll(ctx context.Context) error {
	all, err := moto.SentSMS(ctx, p.client, p.motoURL)
	if err != nil {
		return err
	}
	mails, err := moto.SentEmail(ctx, p.client, p.motoURL)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addSMS(all)
	p.addEmail(mails)
	return nil
}

// addEmail prints and keeps the emails not seen yet: subject, then body.
func (p *smsPrinter) addEmail(all []moto.Email) {
	for _, m := range all {
		if p.seen["email:"+m.MessageID] {
			continue
		}
		p.seen["email:"+m.MessageID] = true
		masked := account.MaskEmail(strings.ToLower(m.To()))
		fmt.Fprintf(p.out, "Email to %s: %s\n  %s\n", masked, m.Subject, strings.ReplaceAll(strings.TrimSpace(m.Body), "\n", "\n  "))
		p.inbox = append(p.inbox, console.Message{ID: m.MessageID, Channel: "email", To: m.To(), ToMasked: masked,
			Subject: m.Subject, Text: m.Body, At: time.Now().UTC()})
	}
}

// addSMS prints and keeps the SMS not seen yet.
func (p *smsPrinter) addSMS(all []moto.SMS) {
	for _, m := range all {
		if p.seen[m.MessageID] {
			continue
		}
		p.seen[m.MessageID] = true
		masked := maskPhone(m.To)
		fmt.Fprintf(p.out, "SMS to %s: %s\n", masked, m.Text)
		p.inbox = append(p.inbox, console.Message{ID: m.MessageID, Channel: "sms", To: m.To, ToMasked: masked,
			Text: m.Text, At: time.Now().UTC()})
	}
}

// messages reads moto once more and returns every SMS sent so far, oldest first: the console's
// inbox, which so shows an SMS as soon as the request that sent it has been answered.
func (p *smsPrinter) messages(ctx context.Context) ([]console.Message, error) {
	err := p.poll(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.inbox), err
}

// maskPhone masks an E.164 number as the functions' logs do ("+86 138****8000"); a number
// libphonenumber refuses keeps only its last 4 digits.
func maskPhone(e164 string) string {
	if n, err := phone.Parse(e164, ""); err == nil {
		return n.Mask()
	}
	digits := strings.TrimPrefix(e164, "+")
	if len(digits) <= 4 {
		return "+" + strings.Repeat("*", len(digits))
	}
	return "+" + strings.Repeat("*", len(digits)-4) + digits[len(digits)-4:]
}
