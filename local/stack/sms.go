package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/moto"
	"github.com/wallet-accounts/wallet/shared/phone"
)

// smsPrinter prints each SMS moto records, once, with the number masked.
type smsPrinter struct {
	motoURL string
	out     io.Writer
	log     *slog.Logger
	client  *http.Client

	mu   sync.Mutex
	seen map[string]bool
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

// poll prints the SMS not printed yet.
func (p *smsPrinter) poll(ctx context.Context) error {
	all, err := moto.SentSMS(ctx, p.client, p.motoURL)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range all {
		if p.seen[m.MessageID] {
			continue
		}
		p.seen[m.MessageID] = true
		fmt.Fprintf(p.out, "SMS to %s: %s\n", maskPhone(m.To), m.Text)
	}
	return nil
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
