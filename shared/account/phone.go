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
