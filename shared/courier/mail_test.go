package courier

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// everyMail is one Text of every mail template, as its callers build them.
var everyMail = []Text{
	EmailCode{Code: "042917", Minutes: 5},
	EmailReplaced{When: "2026-11-21 18:00 UTC+08:00", NewEmail: "n***@example.com"},
	EmailDropped{When: "2026-11-21 18:00 UTC+08:00"},
}

// TestEveryMailRendersInBothLanguages: each mail template has a subject and a body in en and zh,
// renders from its typed Text, and every mail template has one.
func TestEveryMailRendersInBothLanguages(t *testing.T) {
	seen := map[Template]bool{}
	for _, tx := range everyMail {
		for _, lang := range []string{"en", "zh"} {
			subject, body, err := RenderMail(NewMessage("li.wei@example.com", lang, tx))
			if err != nil {
				t.Fatalf("%T.%s: %v", tx, lang, err)
			}
			if subject == "" || strings.Contains(subject, "\n") || body == "" {
				t.Errorf("%T.%s: subject %q body %q", tx, lang, subject, body)
			}
			if lang == "zh" && !regexp.MustCompile(`\p{Han}`).MatchString(body+subject) {
				t.Errorf("%T.zh is not Chinese: %q", tx, body)
			}
		}
		seen[NewMessage("", "", tx).Template] = true
	}
	for _, tpl := range Mails {
		if !seen[tpl] {
			t.Errorf("no Text renders %s", tpl)
		}
	}
}

// TestEmailCodeSaysWhatItIsFor: the code mail carries the code, its lifetime, that staff never
// ask for it, and what to do when it was not asked for.
func TestEmailCodeSaysWhatItIsFor(t *testing.T) {
	_, body, err := RenderMail(NewMessage("li.wei@example.com", "en", EmailCode{Code: "042917", Minutes: 5}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"042917", "5 minutes", "never ask", "ignore this email"} {
		if !strings.Contains(body, want) {
			t.Errorf("code mail lacks %q: %q", want, body)
		}
	}
}

// TestNoticesCarryTheirLinkAndNoFullAddress: the notices to a replaced or removed address offer
// the freeze link once it is given, none before, and name the new address only masked.
func TestNoticesCarryTheirLinkAndNoFullAddress(t *testing.T) {
	const link = "https://wallet.example/f/TOKEN"
	for _, tx := range everyMail[1:] {
		for _, lang := range []string{"en", "zh"} {
			m := NewMessage("old@example.com", lang, tx)
			_, without, err := RenderMail(m)
			if err != nil {
				t.Fatal(err)
			}
			_, with, err := RenderMail(m.WithLink(link))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(without, "https://") || !strings.Contains(with, link) {
				t.Errorf("%T.%s: without %q, with %q", tx, lang, without, with)
			}
			if codeLike.MatchString(with) || regexp.MustCompile(`[a-z]{2,}@`).MatchString(with) {
				t.Errorf("%T.%s: a code or a full address: %q", tx, lang, with)
			}
		}
	}
}

// TestMailNeedsItsData: a mail template rendered without its data fails, and an SMS template
// is no mail.
func TestMailNeedsItsData(t *testing.T) {
	for _, tpl := range Mails {
		if _, _, err := RenderMail(Message{Template: tpl, Lang: "en", Data: map[string]any{"Link": ""}}); err == nil {
			t.Errorf("%s rendered without its data", tpl)
		}
	}
	if _, _, err := RenderMail(NewMessage("a@example.com", "en", PasswordReset{When: "now"})); err == nil {
		t.Error("an SMS template rendered as mail")
	}
}

type mailRecorder struct{ to, subject, body string }

func (r *mailRecorder) SendEmail(_ context.Context, to, subject, body string) error {
	r.to, r.subject, r.body = to, subject, body
	return nil
}

func TestMailerSendsSubjectAndBody(t *testing.T) {
	r := &mailRecorder{}
	if err := NewMailer(r).Send(context.Background(), NewMessage("li.wei@example.com", "zh", EmailCode{Code: "042917", Minutes: 5})); err != nil {
		t.Fatal(err)
	}
	if r.to != "li.wei@example.com" || !strings.Contains(r.subject, "验证码") || !strings.Contains(r.body, "042917") {
		t.Fatalf("sent %+v", r)
	}
}
