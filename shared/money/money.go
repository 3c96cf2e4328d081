// Package money reads and writes amounts of money exactly: a decimal string in an ISO 4217
// currency ("128.50" CNY) is held as an integer count of the currency's minor unit (12850 fen),
// never as a float. An amount with more decimals than its currency has is refused, not rounded.
package money

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Amount is a positive amount in minor units of Currency.
type Amount struct {
	Minor    int64
	Currency string
}

// maxWholeDigits bounds the whole part: 15 digits, more than any wallet moves, and far inside
// int64 once scaled by a currency's minor unit.
const maxWholeDigits = 15

// The reasons an amount is refused; callers turn them into their own field errors.
var (
	ErrCurrency = errors.New("not an ISO 4217 currency code")
	ErrAmount   = errors.New("not a decimal amount")
	ErrDecimals = errors.New("more decimals than the currency has")
	ErrNotPos   = errors.New("not above zero")
)

// Decimals reports how many decimals currency c has (2 for CNY and USD, 0 for JPY), and whether
// c is an ISO 4217 code as the standard writes it (upper case).
func Decimals(c string) (int, bool) {
	u, err := currency.ParseISO(c)
	if err != nil || u.String() != c {
		return 0, false
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, true
}

// Parse reads s, a decimal amount ("1000", "99.9", "0.01") in currency c: 1 to 15 digits, then
// optionally a point and at most as many digits as c has decimals. No sign, exponent or grouping.
func Parse(s, c string) (Amount, error) {
	scale, ok := Decimals(c)
	if !ok {
		return Amount{}, ErrCurrency
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !digits(whole) || len(whole) > maxWholeDigits || hasPoint && !digits(frac) {
		return Amount{}, ErrAmount
	}
	if len(frac) > scale {
		return Amount{}, ErrDecimals
	}
	frac += strings.Repeat("0", scale-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return Amount{}, ErrAmount
	}
	if n == 0 {
		return Amount{}, ErrNotPos
	}
	return Amount{Minor: n, Currency: c}, nil
}

func digits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// String writes the amount as its currency writes it: "128.50", "1000" for JPY.
func (a Amount) String() string { return Format(a.Minor, a.Currency) }

// Format writes minor units of currency c as a decimal string with c's decimals.
func Format(minor int64, c string) string {
	scale, _ := Decimals(c)
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if scale == 0 {
		return sign + s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return sign + s[:len(s)-scale] + "." + s[len(s)-scale:]
}
