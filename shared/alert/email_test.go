package alert_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/ses"
)

// withMail gives the harness's service the email notices, through moto's SES.
func (h *harness) withMail(t *testing.T) {
	t.Helper()
	stacktest.VerifySender(t, h.Cfg.EmailFrom)
	h.svc.WithMailer(ses.New(stacktest.SESClient(t), h.Cfg.EmailFrom))
}

// emailEvent returns the account's stored event of type kind, as the stream delivers it.
func (h *harness) emailEvent(t *testing.T, a flowtest.Account, kind string) account.Event {
	t.Helper()
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == kind {
			d := map[string]string{}
			for k, v := range it["details"].(map[string]any) {
				d[k] = v.(string)
			}
			return account.Event{ID: strings.TrimPrefix(it["SK"].(string), "EVENT#"), Type: kind, At: h.Clock.Now(), Details: d}
		}
	}
	t.Fatalf("no %s event", kind)
	return account.Event{}
}

// TestEmailChangeTextsThePhoneAndMailsTheOldAddress: email_changed texts the phone (the new
// address masked, a freeze link) and, when it replaced a verified address, emails that address
// (its notice, a freeze link, the new address masked); delivered twice, each goes out once.
// email_removed does the same for the removed address.
func TestEmailChangeTextsThePhoneAndMailsTheOldAddress(t *testing.T) {
	h := newHarness(t, nil)
	h.withMail(t)
	a := h.SignUp(t)
	old, next := flowtest.NewEmail(t), flowtest.NewEmail(t)
	h.BindEmail(t, a, old)
	h.Clock.Advance(time.Minute)
	h.BindEmail(t, a, next)
	var changed account.Event
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventEmailChanged && it["details"].(map[string]any)[account.DetailOldEmail] != nil {
			changed = account.Event{ID: strings.TrimPrefix(it["SK"].(string), "EVENT#"), Type: account.EventEmailChanged, At: h.Clock.Now(),
				Details: map[string]string{account.DetailEmail: account.MaskEmail(next), account.DetailOldEmail: account.MaskEmail(old)}}
		}
	}
	if changed.ID == "" {
		t.Fatal("no email_changed event with the old address")
	}
	h.deliver(t, a.ID, changed)
	h.deliver(t, a.ID, changed)
	texts := h.sent.to(a.Phone.E164)
	if len(texts) != 1 || !strings.Contains(texts[0], account.MaskEmail(next)) || !linkRE.MatchString(texts[0]) || strings.Contains(texts[0], next) {
		t.Fatalf("SMS %q", texts)
	}
	mails := stacktest.EmailTo(t, old)
	if len(mails) != 1 { // flowtest's codes go to the issuer's inbox, not SES
		t.Fatalf("%d emails to the old address, want one notice", len(mails))
	}
	notice := mails[0]
	if !strings.Contains(notice.Body, account.MaskEmail(next)) || !linkRE.MatchString(notice.Body) || strings.Contains(notice.Body, next) {
		t.Fatalf("notice %q", notice.Body)
	}

	if err := email.NewService(h.Store, h.Issuer.Codes(), h.Clock, rand.Reader, h.Cfg, h.Log).
		Remove(context.Background(), account.Principal{AccountID: a.ID, FreshAt: h.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	removed := h.emailEvent(t, a, account.EventEmailRemoved)
	h.deliver(t, a.ID, removed)
	if texts := h.sent.to(a.Phone.E164); len(texts) != 2 || !strings.Contains(texts[1], "was removed") {
		t.Fatalf("SMS %q", texts)
	}
	if mails := stacktest.EmailTo(t, next); len(mails) != 1 || !strings.Contains(mails[0].Body, "removed from your Wallet account") {
		t.Fatalf("emails to the removed address: %d", len(mails))
	}
}

// TestAFirstEmailMailsNobody: binding the first address texts the phone only (there is no old
// address to tell).
func TestAFirstEmailMailsNobody(t *testing.T) {
	h := newHarness(t, nil)
	h.withMail(t)
	a := h.SignUp(t)
	addr := flowtest.NewEmail(t)
	h.BindEmail(t, a, addr)
	h.deliver(t, a.ID, h.emailEvent(t, a, account.EventEmailChanged))
	if len(h.sent.to(a.Phone.E164)) != 1 || len(stacktest.EmailTo(t, addr)) != 0 {
		t.Fatalf("SMS %d, emails %d", len(h.sent.to(a.Phone.E164)), len(stacktest.EmailTo(t, addr)))
	}
}
