package courier

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

func TestRenderEveryPurposeInBothLanguages(t *testing.T) {
	for _, p := range account.Purposes {
		for _, lang := range []string{"en", "zh"} {
			text, err := Render(Message{Template: TemplateCode, Lang: lang,
				Data: map[string]any{"Code": "042917", "Purpose": p, "Minutes": 5}})
			if err != nil {
				t.Fatalf("%s/%s: %v", p, lang, err)
			}
			if !strings.Contains(text, "042917") || !strings.Contains(text, "5") {
				t.Errorf("%s/%s: code or minutes missing: %q", p, lang, text)
			}
			if _, ok := purposeText[string(p)]; !ok {
				t.Errorf("no purpose text for %s", p)
			}
		}
	}
}

func TestRenderTellsStaffNeverAsk(t *testing.T) {
	en, _ := Render(Message{Template: TemplateCode, Lang: "en", Data: map[string]any{"Code": "1", "Purpose": account.PurposeSignup, "Minutes": 5}})
	zh, _ := Render(Message{Template: TemplateCode, Lang: "zh", Data: map[string]any{"Code": "1", "Purpose": account.PurposeSignup, "Minutes": 5}})
	if !strings.Contains(en, "never ask") || !strings.Contains(zh, "不会向您索要") {
		t.Errorf("texts must say staff never ask for the code: %q / %q", en, zh)
	}
}

func TestRenderMissingDataFails(t *testing.T) {
	if _, err := Render(Message{Template: TemplateCode, Lang: "en", Data: map[string]any{}}); err == nil {
		t.Fatal("rendering a code without its data must fail, not send a broken SMS")
	}
	if _, err := Render(Message{Template: "nope"}); err == nil {
		t.Fatal("unknown template must fail")
	}
}

func TestAccountExistsHasNoCode(t *testing.T) {
	for _, lang := range []string{"en", "zh", "fr"} {
		text, err := Render(Message{Template: TemplateAccountExists, Lang: lang})
		if err != nil || strings.ContainsAny(text, "0123456789") {
			t.Errorf("%s: %q %v", lang, text, err)
		}
	}
}
