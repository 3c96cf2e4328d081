package secret

import (
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Card number length in digits (ISO/IEC 7812 PANs in use).
const (
	MinCardDigits = 13
	MaxCardDigits = 19
)

// CheckCardNumber returns the digits of a bank card number typed with or without spaces and
// dashes, or invalid_card_number when it is not 13 to 19 digits or fails the Luhn check. The
// error never repeats the number.
func CheckCardNumber(s string) (digits string, err error) {
	invalid := account.FieldError(account.CodeInvalidCardNumber, "cardNumber", "not a valid card number")
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(d) < MinCardDigits || len(d) > MaxCardDigits || strings.Trim(d, "0123456789") != "" {
		return "", invalid
	}
	if !Luhn(d) {
		return "", invalid
	}
	return d, nil
}

// Last4 returns the last four digits of a card (or ID) number, all of it when shorter.
func Last4(digits string) string {
	if len(digits) <= 4 {
		return digits
	}
	return digits[len(digits)-4:]
}

// Luhn reports whether the ASCII digits s pass the Luhn (mod 10) check.
func Luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
