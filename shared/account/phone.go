package account

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Phone is a validated, mobile-capable phone number; package phone parses one from what a
// person typed. It formats as its masked form (String, GoString, LogValue), so logging one by
// mistake does not leak it; use E164 where the full number is needed (storage, sending SMS).
type Phone struct {
	E164        string // "+8613800138000"
	Region      string // ISO 3166 alpha-2, upper case: "CN"
	CountryCode int    // 86
	National    string // national significant number, without trunk prefix: "13800138000"
}

// Mask returns the number for logs and SMS texts: "+86 138****8000". The national number keeps
// at most its first 3 and last 4 digits, fewer when it is short, so that at least 3 digits are
// always hidden. The zero Phone masks to "".
func (n Phone) Mask() string {
	l := len(n.National)
	if l == 0 {
		return ""
	}
	tail := min(4, max(l-3, 0))
	head := min(3, max(l-3-tail, 0))
	var b strings.Builder
	b.Grow(6 + l)
	b.WriteByte('+')
	b.WriteString(strconv.Itoa(n.CountryCode))
	b.WriteByte(' ')
	b.WriteString(n.National[:head])
	b.WriteString(strings.Repeat("*", l-head-tail))
	b.WriteString(n.National[l-tail:])
	return b.String()
}

// Prefix returns the E.164 form without its last 4 digits ("+8613800138"), the key of the rate
// limit against SMS pumping. The zero Phone has the prefix "".
func (n Phone) Prefix() string {
	if len(n.E164) <= 4 {
		return ""
	}
	return n.E164[:len(n.E164)-4]
}

// In reports whether the number's region is one of regions, compared without regard to case.
func (n Phone) In(regions []string) bool {
	return n.Region != "" && slices.ContainsFunc(regions, func(r string) bool {
		return strings.EqualFold(r, n.Region)
	})
}

// String returns the masked number, never the full one: see Mask.
func (n Phone) String() string { return n.Mask() }

// GoString returns the masked number, so that %#v does not print the full one either.
func (n Phone) GoString() string { return "account.Phone(" + strconv.Quote(n.Mask()) + ")" }

// LogValue makes slog log the masked number (its JSON handler would otherwise print the fields).
func (n Phone) LogValue() slog.Value { return slog.StringValue(n.Mask()) }

// PhoneFromE164 returns the Phone of a stored E.164 number, for masking it: the country calling
// code and the national number, split without libphonenumber (Region is left empty). A string
// that is not E.164 gives the zero Phone.
func PhoneFromE164(e164 string) Phone {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || len(digits) < 4 || len(digits) > 15 || strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return Phone{}
	}
	n := countryCodeLen(digits)
	cc, _ := strconv.Atoi(digits[:n])
	return Phone{E164: e164, CountryCode: cc, National: digits[n:]}
}

// countryCodeLen returns the length of the country calling code digits start with. Calling codes
// are prefix-free: 1 and 7 have one digit, the two-digit ones are listed, every other has three
// (ITU-T E.164 assignments, as libphonenumber knows them).
func countryCodeLen(digits string) int {
	switch {
	case digits[0] == '1' || digits[0] == '7':
		return 1
	case strings.Contains(twoDigitCodes, digits[:2]+" "):
		return 2
	default:
		return 3
	}
}

// twoDigitCodes are the assigned two-digit country calling codes, each followed by a space.
const twoDigitCodes = "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
	"60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 "
