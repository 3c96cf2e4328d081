package secret

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

var testPerson = Personal{Phone: "+8613800138000", Name: "Zhang Wei", Email: "zhang.wei@example.com", Birthday: "1990-04-15"}

func TestCheckPaymentPassword(t *testing.T) {
	const login = "Vq7#mL2p!xR9"
	tests := []struct {
		name  string
		pin   string
		login string
		want  account.Code // "" when accepted
	}{
		{"good", "295071", login, ""},
		{"good 2", "380615", login, ""},
		{"three of a digit", "111222", login, ""},
		{"not a run", "124578", login, ""},
		{"no birthday", "295071", "", ""},
		{"ascending", "123456", login, account.CodePaymentPasswordWeak},
		{"ascending from 0", "012345", login, account.CodePaymentPasswordWeak},
		{"ascending 2", "234567", login, account.CodePaymentPasswordWeak},
		{"descending", "654321", login, account.CodePaymentPasswordWeak},
		{"descending 2", "987654", login, account.CodePaymentPasswordWeak},
		{"ascending wraps", "890123", login, account.CodePaymentPasswordWeak},
		{"descending wraps", "210987", login, account.CodePaymentPasswordWeak},
		{"four 1s", "111123", login, account.CodePaymentPasswordWeak},
		{"four 7s apart", "717477", login, account.CodePaymentPasswordWeak},
		{"all same", "000000", login, account.CodePaymentPasswordWeak},
		{"birthday YYMMDD", "900415", login, account.CodePaymentPasswordWeak},
		{"birthday MMDDYY", "041590", login, account.CodePaymentPasswordWeak},
		{"birthday DDMMYY", "150490", login, account.CodePaymentPasswordWeak},
		{"phone window", "800138", login, account.CodePaymentPasswordWeak},
		{"phone start", "138001", login, account.CodePaymentPasswordWeak},
		{"phone end", "138000", login, account.CodePaymentPasswordWeak},
		{"equal to login", "385926", "385926", account.CodePaymentPasswordWeak},
		{"letter", "12345a", login, account.CodePaymentPasswordInvalid},
		{"five digits", "12345", login, account.CodePaymentPasswordInvalid},
		{"seven digits", "2950713", login, account.CodePaymentPasswordInvalid},
		{"empty", "", login, account.CodePaymentPasswordInvalid},
		{"space", "29507 ", login, account.CodePaymentPasswordInvalid},
		{"full-width", "２９５０７１", login, account.CodePaymentPasswordInvalid},
		{"arabic-indic", "٢٩٥٠٧١", login, account.CodePaymentPasswordInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPaymentPassword(tt.pin, testPerson, tt.login)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckPaymentPassword(%q) = %v", tt.pin, err)
				}
				return
			}
			e, ok := account.As(err)
			if !ok || e.Code != tt.want || e.Field != "paymentPassword" {
				t.Fatalf("CheckPaymentPassword(%q) = %v; want %s", tt.pin, err, tt.want)
			}
			if tt.pin != "" && strings.Contains(e.Message, tt.pin) {
				t.Fatalf("the message echoes the pin: %q", e.Message)
			}
		})
	}
}

func TestCheckPaymentPasswordNoPersonal(t *testing.T) {
	// Without personal data only the structural rules apply.
	for _, pin := range []string{"900415", "800138", "295071"} {
		if err := CheckPaymentPassword(pin, Personal{}, ""); err != nil {
			t.Errorf("%s: %v", pin, err)
		}
	}
}

func TestIsRun(t *testing.T) {
	runs := 0
	for i := range 1000000 {
		s := []byte{byte('0' + i/100000), byte('0' + i/10000%10), byte('0' + i/1000%10),
			byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)}
		if isRun(string(s)) {
			runs++
		}
	}
	if runs != 20 {
		t.Fatalf("%d runs among the 10^6 codes, want 20 (10 ascending, 10 descending)", runs)
	}
}
