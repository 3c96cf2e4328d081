package secret

import (
	"crypto/subtle"
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
)

// PaymentPasswordLen is the number of digits in a payment password.
const PaymentPasswordLen = 6

// maxSameDigit is how many times one digit may appear in a payment password.
const maxSameDigit = 3

const fieldPaymentPassword = "paymentPassword"

// CheckPaymentPassword checks a new payment password. It must be exactly six
// ASCII digits (payment_password_invalid) and is refused as payment_password_weak when it is:
//   - a run of consecutive digits, ascending or descending, including runs that wrap past 9 or 0
//     (123456, 987654, 890123, 210987): a keypad pattern either way, and refusing the wrapping
//     ones costs 10 of the 10^6 codes;
//   - any digit more than three times (111123);
//   - the birthday as YYMMDD, MMDDYY or DDMMYY;
//   - six consecutive digits of the phone's national number;
//   - equal to loginPassword (skipped when loginPassword is "").
//
// The message says which rule failed and never repeats the digits.
func CheckPaymentPassword(pin string, p Personal, loginPassword string) error {
	if len(pin) != PaymentPasswordLen || strings.Trim(pin, "0123456789") != "" {
		return account.FieldError(account.CodePaymentPasswordInvalid, fieldPaymentPassword,
			"payment password must be exactly 6 digits")
	}
	weak := func(why string) error {
		return account.FieldError(account.CodePaymentPasswordWeak, fieldPaymentPassword,
			"payment password must not "+why)
	}
	if isRun(pin) {
		return weak("be a sequence of consecutive digits")
	}
	var count [10]int
	for i := range len(pin) {
		if count[pin[i]-'0']++; count[pin[i]-'0'] > maxSameDigit {
			return weak("use any digit more than 3 times")
		}
	}
	for _, f := range birthdayForms(p.Birthday, false) {
		if pin == f {
			return weak("be your date of birth")
		}
	}
	if nsn := nationalNumber(p.Phone); len(nsn) >= PaymentPasswordLen {
		for _, w := range windows(nsn, PaymentPasswordLen) {
			if pin == w {
				return weak("be part of your phone number")
			}
		}
	}
	if loginPassword != "" && subtle.ConstantTimeCompare([]byte(pin), []byte(loginPassword)) == 1 {
		return weak("be the same as your login password")
	}
	return nil
}

// isRun reports whether each digit of s is one more, or each one less, than the one before,
// modulo 10.
func isRun(s string) bool {
	up, down := true, true
	for i := 1; i < len(s); i++ {
		d := (int(s[i]) - int(s[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}
