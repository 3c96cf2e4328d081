package secret

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// withCheckDigit appends the Luhn check digit to prefix.
func withCheckDigit(prefix string) string {
	for d := '0'; d <= '9'; d++ {
		if Luhn(prefix + string(d)) {
			return prefix + string(d)
		}
	}
	panic("unreachable")
}

func TestCheckCardNumber(t *testing.T) {
	nineteen := withCheckDigit("621234567890123456")
	thirteen := withCheckDigit("422222222222")
	tests := []struct {
		in, want string
	}{
		{"4111111111111111", "4111111111111111"},
		{"4111 1111 1111 1111", "4111111111111111"},
		{"4111-1111-1111-1111", "4111111111111111"},
		{" 4111 1111-1111 1111 ", "4111111111111111"},
		{"378282246310005", "378282246310005"}, // Amex, 15
		{"6011111111111117", "6011111111111117"},
		{"5555 5555 5555 4444", "5555555555554444"},
		{thirteen, thirteen},
		{nineteen, nineteen},
		{"4111111111111112", ""},                    // Luhn
		{"4111 1111 1111 1121", ""},                 // Luhn (swapped digits)
		{"411111111111", ""},                        // 12 digits
		{withCheckDigit("4111111111111111111"), ""}, // 20 digits
		{"4111a11111111111", ""},
		{"4111.1111.1111.1111", ""},
		{"４１１１１１１１１１１１１１１１", ""}, // full-width digits
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		got, err := CheckCardNumber(tt.in)
		if tt.want == "" {
			e, ok := account.As(err)
			if !ok || e.Code != account.CodeInvalidCardNumber || e.Field != "cardNumber" || got != "" {
				t.Errorf("CheckCardNumber(%q) = %q, %v; want invalid_card_number", tt.in, got, err)
				continue
			}
			if d := strings.Trim(tt.in, " "); len(d) >= 4 && strings.Contains(e.Message, d[len(d)-4:]) {
				t.Errorf("the message must not echo the number: %q", e.Message)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckCardNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLast4(t *testing.T) {
	for in, want := range map[string]string{"4111111111111111": "1111", "378282246310005": "0005", "123": "123", "": ""} {
		if got := Last4(in); got != want {
			t.Errorf("Last4(%q) = %q, want %q", in, got, want)
		}
	}
}
