package secret

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// FuzzPaymentPasswordPolicy: whatever the pin and the person's data, CheckPaymentPassword
// accepts exactly six ASCII digits that are no run, no digit four times, not the birthday and
// not in the phone, or refuses with a payment-password *account.Error on the paymentPassword
// field whose message never repeats the pin.
func FuzzPaymentPasswordPolicy(f *testing.F) {
	for _, s := range []struct{ pin, phone, birthday, login string }{
		{"295071", "+8613800138000", "1990-04-15", ""},
		{"123456", "", "", ""},
		{"900415", "+8613800138000", "1990-04-15", ""},
		{"138000", "+8613800138000", "", ""},
		{"111222", "", "", ""},
		{"295071", "", "", "295071"},
		{"２９５０７１", "", "2000-02-29", ""},
		{"29507", "+86", "not a date", "x"},
	} {
		f.Add(s.pin, s.phone, s.birthday, s.login)
	}
	f.Fuzz(func(t *testing.T, pin, phone, birthday, login string) {
		err := CheckPaymentPassword(pin, Personal{Phone: phone, Birthday: birthday, Name: "Zhang Wei"}, login)
		if err == nil {
			if len(pin) != PaymentPasswordLen || strings.Trim(pin, "0123456789") != "" {
				t.Fatalf("accepted %q, which is not six ASCII digits", pin)
			}
			for _, d := range "0123456789" {
				if strings.Count(pin, string(d)) > 3 {
					t.Fatalf("accepted %q, which repeats %c", pin, d)
				}
			}
			return
		}
		e, ok := account.As(err)
		if !ok || e.Field != fieldPaymentPassword || (e.Code != account.CodePaymentPasswordInvalid && e.Code != account.CodePaymentPasswordWeak) {
			t.Fatalf("CheckPaymentPassword(%q) = %v; want a payment-password *account.Error", pin, err)
		}
		if len(pin) >= 4 && strings.Contains(e.Message, pin) {
			t.Fatalf("the refusal repeats the pin: %q", e.Message)
		}
	})
}

// FuzzCheckCardNumber: a number is accepted only as MinCardDigits to MaxCardDigits Luhn-valid
// digits (spaces and dashes dropped), else refused with invalid_card_number; never a panic.
func FuzzCheckCardNumber(f *testing.F) {
	for _, s := range []string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1112", "", "0000000000000", "４１１１１１１１１１１１１１１１", "41111111111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, number string) {
		digits, err := CheckCardNumber(number)
		if err != nil {
			if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidCardNumber {
				t.Fatalf("CheckCardNumber(%q) = %v", number, err)
			}
			return
		}
		if len(digits) < MinCardDigits || len(digits) > MaxCardDigits || strings.Trim(digits, "0123456789") != "" || !luhnValid(digits) {
			t.Fatalf("CheckCardNumber(%q) accepted %q", number, digits)
		}
		if l := Last4(digits); len(l) != 4 || !strings.HasSuffix(digits, l) {
			t.Fatalf("Last4(%q) = %q", digits, l)
		}
	})
}

// FuzzCheckAnswer: an answer is accepted in its normal form (NFKC, trimmed, inner spaces single)
// or refused with invalid_security_questions; normalising is idempotent.
func FuzzCheckAnswer(f *testing.F) {
	for _, s := range []string{"Riverside Primary", "  Mochi  the  cat ", "", "ﬁrst", "月光", strings.Repeat("a", 65), "\u00a0\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		norm, err := CheckAnswer(answer)
		if err != nil {
			if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidQuestions {
				t.Fatalf("CheckAnswer(%q) = %v", answer, err)
			}
			return
		}
		if norm == "" || NormalizeAnswer(norm) != norm {
			t.Fatalf("CheckAnswer(%q) = %q, not a fixed point of NormalizeAnswer", answer, norm)
		}
	})
}

// luhnValid is the fuzz target's oracle: a Luhn check written apart from Luhn on purpose, so that
// a mistake in one is caught by the other.
func luhnValid(digits string) bool {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
