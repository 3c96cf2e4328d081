package courier

import (
	"regexp"
	"strings"
	"testing"
	"text/template"

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

// alertData is data every alert template can render with.
func alertData(link string) map[string]any {
	return map[string]any{"When": "2026-11-21 18:00 UTC+08:00", "Link": link, "Platform": "iOS", "NewPhone": "+86 139****5678",
		"OldPhone": "+86 138****8000", "EffectiveAt": "2026-11-22 18:00 UTC+08:00", "ClosesOn": "2026-12-21",
		"Amount": "12,000.00", "Currency": "CNY", "Merchant": "Harbour Electronics",
		"Nighttime": true, "LargeTransaction": true, "Last4": "1111", "Citizenship": true, "IDDocument": true, "ByHolder": false, "Cards": true, "PhoneChange": false, "Frozen": false,
		"Email": "l***@example.com", "OldEmail": "o***@example.com", "Verified": false, "PerPayment": "100.00"}
}

func TestAlertsRenderInBothLanguagesWithTheirLink(t *testing.T) {
	const link = "https://wallet.example/f/TOKEN"
	noLink := map[Template]bool{TemplateAccountFrozen: true, TemplateAccountClosed: true, TemplateAccountDeleted: true,
		TemplateSupportFrozen: true, TemplateSupportClosed: true}
	for _, tpl := range Alerts {
		for _, lang := range []string{"en", "zh"} {
			with, err := Render(Message{Template: tpl, Lang: lang, Data: alertData(link)})
			if err != nil {
				t.Fatalf("%s/%s: %v", tpl, lang, err)
			}
			without, err := Render(Message{Template: tpl, Lang: lang, Data: alertData("")})
			if err != nil {
				t.Fatalf("%s/%s: %v", tpl, lang, err)
			}
			if strings.Contains(with, link) == noLink[tpl] {
				t.Errorf("%s/%s: link shown %v, want %v: %q", tpl, lang, strings.Contains(with, link), !noLink[tpl], with)
			}
			if strings.Contains(without, "https://") || strings.Contains(without, "Freeze:") || strings.Contains(without, "请冻结") {
				t.Errorf("%s/%s: a text without a link must not offer one: %q", tpl, lang, without)
			}
			if !strings.Contains(with, "2026-") {
				t.Errorf("%s/%s: says not when: %q", tpl, lang, with)
			}
			if codeLike.MatchString(with) {
				t.Errorf("%s/%s: looks like a code SMS: %q", tpl, lang, with)
			}
		}
	}
}

// codeLike is how tests and people recognise a code SMS; an alert must never look like one.
var codeLike = regexp.MustCompile(`\b\d{6} is your code|验证码\d`)

func TestAlertsNeedTheirData(t *testing.T) {
	for _, tpl := range Alerts {
		if _, err := Render(Message{Template: tpl, Lang: "en", Data: map[string]any{"Link": ""}}); err == nil {
			t.Errorf("%s rendered without its data", tpl)
		}
	}
}

func TestAlertTextsShowOnlyMaskedNumbers(t *testing.T) {
	for _, tpl := range []Template{TemplatePhoneChangeStarted, TemplatePhoneChangedOld, TemplatePhoneChangedNew, TemplatePhoneChangeCancelled} {
		text, _ := Render(Message{Template: tpl, Lang: "en", Data: alertData("")})
		if !strings.Contains(text, "****") || regexp.MustCompile(`\d{7}`).MatchString(text) {
			t.Errorf("%s: %q", tpl, text)
		}
	}
}

// TestRenderIsTextTemplate checks the courier's small executor against text/template's on every
// text, in both languages, with and without a link.
func TestRenderIsTextTemplate(t *testing.T) {
	fm := template.FuncMap{}
	for name, f := range funcs {
		fm[name] = f
	}
	ref := template.Must(template.New("").Funcs(fm).Option("missingkey=error").Parse(texts))
	code := map[string]any{"Code": "042917", "Purpose": account.PurposeResetLogin, "Minutes": 5}
	cases := []Message{{Template: TemplateCode, Data: code}, {Template: TemplateAccountExists}}
	for _, tpl := range Alerts {
		cases = append(cases, Message{Template: tpl, Data: alertData("https://wallet.example/f/T")},
			Message{Template: tpl, Data: alertData("")})
	}
	for _, m := range cases {
		for _, lang := range []string{"en", "zh"} {
			m.Lang = lang
			got, err := Render(m)
			if err != nil {
				t.Fatalf("%s.%s: %v", m.Template, lang, err)
			}
			var want strings.Builder
			if err := ref.ExecuteTemplate(&want, string(m.Template)+"."+lang, m.Data); err != nil {
				t.Fatalf("%s.%s: text/template: %v", m.Template, lang, err)
			}
			if got != want.String() {
				t.Errorf("%s.%s:\n got %q\nwant %q", m.Template, lang, got, want.String())
			}
		}
	}
}

// everyText is one Text of every template, as its callers build them.
var everyText = []Text{
	Code{Code: "042917", Purpose: account.PurposeSignup, Minutes: 5},
	AccountExists{},
	NewDeviceLogin{When: "2026-11-21 18:00 UTC+08:00", Platform: "iOS"},
	DeviceSecretReused{When: "2026-11-21 18:00 UTC+08:00", Platform: "iOS"},
	PasswordReset{When: "2026-11-21 18:00 UTC+08:00"},
	PasswordChanged{When: "2026-11-21 18:00 UTC+08:00"},
	PaymentPasswordChanged{When: "2026-11-21 18:00 UTC+08:00"},
	SecurityAnswersChanged{When: "2026-11-21 18:00 UTC+08:00"},
	PaymentPasswordReset{When: "2026-11-21 18:00 UTC+08:00"},
	PhoneChangeStarted{NewPhone: "+86 139****5678", EffectiveAt: "2026-11-22 18:00 UTC+08:00"},
	PhoneChangedOld{When: "2026-11-21 18:00 UTC+08:00", NewPhone: "+86 139****5678"},
	PhoneChangedNew{When: "2026-11-21 18:00 UTC+08:00", OldPhone: "+86 138****8000"},
	PhoneChangeCancelled{When: "2026-11-21 18:00 UTC+08:00", NewPhone: "+86 139****5678"},
	AccountFrozen{When: "2026-11-21 18:00 UTC+08:00"},
	InactivityWarning{ClosesOn: "2026-12-21"},
	AccountClosed{When: "2026-11-21 18:00 UTC+08:00"},
	PasskeyAdded{When: "2026-11-21 18:00 UTC+08:00"},
	PasskeyRemoved{When: "2026-11-21 18:00 UTC+08:00"},
	PasskeyClone{When: "2026-11-21 18:00 UTC+08:00"},
	LargeTransaction{When: "2026-11-21 18:00 UTC+08:00", Amount: "12,000.00", Currency: "CNY", Merchant: "Harbour Electronics"},
	ProtectionWeakened{When: "2026-11-21 18:00 UTC+08:00", Nighttime: true, LargeTransaction: true},
	BankCardUnlinked{When: "2026-11-21 18:00 UTC+08:00", Last4: "1111"},
	IdentityDetailsSet{When: "2026-11-21 18:00 UTC+08:00", Citizenship: true, IDDocument: true},
	DeletionRequested{EffectiveAt: "2026-11-28 18:00 UTC+08:00"},
	DeletionCancelled{When: "2026-11-21 18:00 UTC+08:00", Reason: "cards_linked"},
	AccountDeleted{When: "2026-11-21 18:00 UTC+08:00"},
	EmailChanged{When: "2026-11-21 18:00 UTC+08:00", Email: "l***@example.com"},
	EmailRemoved{When: "2026-11-21 18:00 UTC+08:00", OldEmail: "l***@example.com"},
	SupportFrozen{When: "2026-11-21 18:00 UTC+08:00"}, AccountUnfrozen{When: "2026-11-21 18:00 UTC+08:00"}, SupportClosed{When: "2026-11-21 18:00 UTC+08:00"},
	IdentityVerified{When: "2026-11-21 18:00 UTC+08:00", Verified: true}, IdentityRejected{When: "2026-11-21 18:00 UTC+08:00"},
	PasswordFreeEnabled{When: "2026-11-21 18:00 UTC+08:00", PerPayment: "100.00", Currency: "CNY"},
}

// TestEveryTextRenders: each template's Text gives its text all the data it names (the executor
// fails on a missing field), renders as text/template does, and every template has a Text.
func TestEveryTextRenders(t *testing.T) {
	fm := template.FuncMap{}
	for name, f := range funcs {
		fm[name] = f
	}
	ref := template.Must(template.New("").Funcs(fm).Option("missingkey=error").Parse(texts))
	seen := map[Template]bool{}
	for _, tx := range everyText {
		for _, lang := range []string{"en", "zh"} {
			for _, m := range []Message{NewMessage("+8613800138000", lang, tx), NewMessage("+8613800138000", lang, tx).WithLink("https://wallet.example/f/T")} {
				got, err := Render(m)
				if err != nil {
					t.Fatalf("%T.%s: %v", tx, lang, err)
				}
				var want strings.Builder
				if err := ref.ExecuteTemplate(&want, string(m.Template)+"."+lang, m.Data); err != nil || got != want.String() {
					t.Errorf("%T.%s:\n got %q\nwant %q (%v)", tx, lang, got, want.String(), err)
				}
			}
		}
		seen[NewMessage("", "", tx).Template] = true
	}
	for _, tpl := range append([]Template{TemplateCode, TemplateAccountExists}, Alerts...) {
		if !seen[tpl] {
			t.Errorf("no Text renders %s", tpl)
		}
	}
}

func TestWithLinkLeavesTheMessageAlone(t *testing.T) {
	m := NewMessage("+8613800138000", "en", PasswordReset{When: "2026-11-21 18:00 UTC+08:00"})
	linked := m.WithLink("https://wallet.example/f/T")
	if m.Data["Link"] != "" || linked.Data["Link"] != "https://wallet.example/f/T" {
		t.Errorf("WithLink: %v, then %v", m.Data, linked.Data)
	}
}

// TestProtectionWeakenedNamesWhatWasWeakened: the text names the settings weakened, and only
// those, in both languages.
func TestProtectionWeakenedNamesWhatWasWeakened(t *testing.T) {
	for _, tc := range []struct {
		night, large bool
		en, zh       string
	}{
		{true, false, "Wallet: nighttime protection weakened at T.", "于T关闭或缩短了夜间保护。"},
		{false, true, "Wallet: large-payment alert weakened at T.", "于T关闭或调高了大额交易提醒。"},
		{true, true, "Wallet: nighttime protection and large-payment alert weakened at T.", "于T关闭或缩短了夜间保护，并关闭或调高了大额交易提醒。"},
	} {
		text := ProtectionWeakened{When: "T", Nighttime: tc.night, LargeTransaction: tc.large}
		for lang, want := range map[string]string{"en": tc.en, "zh": tc.zh} {
			if got, err := Render(NewMessage("", lang, text)); err != nil || !strings.Contains(got, want) {
				t.Errorf("%+v %s: %q %v, want it to contain %q", text, lang, got, err, want)
			}
		}
	}
}
