package alert

import (
	"math/big"
	"strings"

	"golang.org/x/text/currency"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Amounts are decimal strings ("5000.00"), compared exactly (math/big), never as floats. A
// threshold and a transaction are compared only when their currencies are the same: there is
// no conversion table, and a transaction in another currency sends no SMS (it is logged).

// maxIntDigits and maxFracDigits bound an amount: 15 digits before the point (more than any
// wallet moves), 4 after (enough for every ISO 4217 minor unit).
const (
	maxIntDigits  = 15
	maxFracDigits = 4
)

// parseAmount reads a decimal amount: an optional "-", 1 to 15 digits, and optionally a point
// and 1 to 4 digits. No exponent, no grouping, no "+".
func parseAmount(s string) (*big.Rat, bool) {
	digits := strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(digits, ".")
	if !allDigits(whole) || len(whole) > maxIntDigits || hasPoint && (!allDigits(frac) || len(frac) > maxFracDigits) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// validCurrency reports whether c is an ISO 4217 currency code as the standard writes it (CNY,
// not cny): golang.org/x/text's table knows which codes exist, so XYZ is refused. It judges what
// a holder types (an alert threshold). Its table lags the standard (VES, SLE, ZWG are missing),
// so a transaction the payments system reports is only held to currencyShaped: a real payment
// in a newer currency must not be dropped.
func validCurrency(c string) bool {
	u, err := currency.ParseISO(c)
	return err == nil && u.String() == c
}

// currencyShaped reports whether c looks like an ISO 4217 code: three upper-case letters.
func currencyShaped(c string) bool {
	return len(c) == 3 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// Large reports whether a transaction of amount in currency is at or above threshold. A
// transaction in another currency than the threshold's is not compared (sameCurrency false).
func Large(threshold *account.Money, amount, currency string) (large, sameCurrency bool) {
	if threshold == nil {
		return false, true
	}
	if currency != threshold.Currency {
		return false, false
	}
	a, okA := parseAmount(amount)
	t, okT := parseAmount(threshold.Amount)
	return okA && okT && a.Cmp(t) >= 0, true
}

// FormatAmount groups the whole part of a decimal amount by thousands for a text:
// "12000.5" -> "12,000.5". Anything else is returned as it is.
func FormatAmount(s string) string {
	if _, ok := parseAmount(s); !ok {
		return s
	}
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac, hasPoint := strings.Cut(rest, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasPoint {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
