package courier

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// The longest values the texts are shown with, as the code that fills them makes them:
const (
	// worstWhen is shared/alert's timeLayout: every zone's offset is written ±hh:mm.
	worstWhen = "2026-11-21 18:00 UTC+08:00"
	// worstPhone is a masked number of E.164's most digits (15): "+", the country code, a space,
	// the national number with its middle starred (account.Phone.Mask): 17 characters.
	worstPhone = "+62 812******6789"
	// worstAmount is an amount under 100 million with cents, grouped (alert.FormatAmount): 13
	// characters. The payments topic accepts 15 digits before the point; a payment of 100
	// million or more would make the English text two parts.
	worstAmount = "12,000,000.00"
	// worstLink is FREEZE_LINK_BASE's default and a freeze token: 47 characters.
	worstLink = "https://wallet.example/f/7n42DGM5Tflk9n8mt7Fhc7"
	// worstCode is OTP_LENGTH's most digits (10); worstMinutes assumes OTP_TTL under 100 minutes.
	worstCode    = "1234567890"
	worstMinutes = 99
)

// worstMerchants are names the payments topic (alert.ParseTransaction: 40 characters, cut with
// "…") and the payment API (80 characters, as sent) pass on: the texts cut them (fit.go).
var worstMerchants = []string{
	"Harbour Electronics",
	strings.Repeat("Harbour Electronics ", 2)[:39] + "…",
	strings.Repeat("Harbour Electronics ", 4),
	strings.Repeat("[{~}]|^€\\", 9),
	strings.Repeat("港湾电子商城有限公司", 4)[:39*3] + "…",
	strings.Repeat("😀", 40),
}

// worstEmails are masked addresses (account.MaskEmail) up to the 254 bytes an address may have,
// in ASCII and not: the texts cut them (fit.go).
var worstEmails = []string{
	"l***@example.com",
	"l***@mail.example-university.edu.cn",
	"l***@" + strings.Repeat("sub.", 60) + "example.com",
	"李***@例子.广告.中国",
}

// worstTexts are every SMS template's Text with the worst values, every variant of its
// conditional parts included.
func worstTexts() []Text {
	w := worstWhen
	texts := []Text{AccountExists{},
		NewDeviceLogin{When: w, Platform: "HarmonyOS"}, NewDeviceLogin{When: w},
		DeviceSecretReused{When: w, Platform: "HarmonyOS"}, DeviceSecretReused{When: w},
		PasswordReset{When: w}, PasswordChanged{When: w}, PaymentPasswordChanged{When: w},
		SecurityAnswersChanged{When: w}, PaymentPasswordReset{When: w},
		PhoneChangeStarted{NewPhone: worstPhone, EffectiveAt: w},
		PhoneChangedOld{When: w, NewPhone: worstPhone}, PhoneChangedNew{When: w, OldPhone: worstPhone},
		PhoneChangeCancelled{When: w, NewPhone: worstPhone}, PhoneChangeCancelled{When: w},
		AccountFrozen{When: w}, InactivityWarning{ClosesOn: "2026-12-21"}, AccountClosed{When: w},
		PasskeyAdded{When: w}, PasskeyRemoved{When: w}, PasskeyClone{When: w},
		BankCardUnlinked{When: w, Last4: "1111"},
		DeletionRequested{EffectiveAt: w}, AccountDeleted{When: w},
		SupportFrozen{When: w}, AccountUnfrozen{When: w}, SupportClosed{When: w},
		IdentityVerified{When: w, Verified: true}, IdentityVerified{When: w}, IdentityRejected{When: w},
		PasswordFreeEnabled{When: w, PerPayment: worstAmount, Currency: "CNY"},
	}
	for _, p := range account.Purposes {
		texts = append(texts, Code{Code: worstCode, Purpose: p, Minutes: worstMinutes})
	}
	for _, m := range worstMerchants {
		texts = append(texts, LargeTransaction{When: w, Amount: worstAmount, Currency: "CNY", Merchant: m})
	}
	for _, e := range worstEmails {
		texts = append(texts, EmailChanged{When: w, Email: e}, EmailRemoved{When: w, OldEmail: e})
	}
	for _, b := range [][2]bool{{true, false}, {false, true}, {true, true}} {
		texts = append(texts, ProtectionWeakened{When: w, Nighttime: b[0], LargeTransaction: b[1]},
			IdentityDetailsSet{When: w, Citizenship: b[0], IDDocument: b[1]})
	}
	for _, r := range []string{account.DeletionCancelledByHolder, string(account.CodeCardsLinked), string(account.CodePhoneChangePending),
		string(account.CodeAccountFrozen), string(account.CodeAccountFlagged)} {
		texts = append(texts, DeletionCancelled{When: w, Reason: r})
	}
	return texts
}

// TestEveryTextFitsItsParts: every SMS template, in both languages, with and without its freeze
// link, with the longest values it is shown with, is one GSM-7 part in English and at most two
// parts in Chinese (SMS is paid per part). It logs the longest text of each language.
func TestEveryTextFitsItsParts(t *testing.T) {
	seen, longest := map[Template]bool{}, map[string]int{}
	for _, tx := range worstTexts() {
		for _, lang := range []string{"en", "zh"} {
			msg := NewMessage("+8613800138000", lang, tx)
			for _, m := range []Message{msg, msg.WithLink(worstLink)} {
				text, err := Render(m)
				if err != nil {
					t.Fatalf("%T.%s: %v", tx, lang, err)
				}
				parts, enc := Parts(text)
				n, _ := SMSLength(text)
				longest[lang] = max(longest[lang], n)
				if lang == "en" && (parts != 1 || enc != EncodingGSM7) || lang == "zh" && parts > 2 {
					t.Errorf("%s.%s is %d %s parts (%d long): %q", m.Template, lang, parts, enc, n, text)
				}
			}
		}
		seen[NewMessage("", "", tx).Template] = true
	}
	for _, tpl := range append([]Template{TemplateCode, TemplateAccountExists}, Alerts...) {
		if !seen[tpl] {
			t.Errorf("%s is not measured", tpl)
		}
	}
	t.Logf("longest texts: English %d GSM-7 characters (of 160), Chinese %d UCS-2 units (of 134)", longest["en"], longest["zh"])
}
