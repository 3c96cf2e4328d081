package account

import (
	"log/slog"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Email is a validated email address, lower case: the form it is stored, claimed and compared
// in (EMAIL#<lower>), so one address in two spellings is one address. Like Phone it formats as
// its masked form (String, GoString, LogValue), so logging one by mistake does not leak it; use
// Address where the full address is needed (storage, sending mail).
type Email struct {
	Address string // "li.wei@example.com"
}

// maxEmailLen is the longest address accepted (RFC 5321's path limit, in bytes).
const maxEmailLen = 254

// ParseEmail validates what a person typed as an email address: one bare address as net/mail
// reads it (no display name, no angle brackets, no comments), at most 254 bytes, with a dot in
// its domain; the answer is lower case. A refusal is 400 invalid_email naming field.
func ParseEmail(s, field string) (Email, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := FieldError(CodeInvalidEmail, field, "not an email address (name@example.com, at most 254 characters)")
	if s == "" {
		return Email{}, FieldError(CodeMissingField, field, field+" is required")
	}
	if len(s) > maxEmailLen || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return Email{}, bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return Email{}, bad
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return Email{}, bad
	}
	return Email{Address: s}, nil
}

// Mask returns the address for logs, events and texts: the local part's first character, then
// "***", then the domain ("l***@example.com"). The zero Email masks to "".
func (e Email) Mask() string { return MaskEmail(e.Address) }

// MaskEmail masks a stored address as Email.Mask does.
func MaskEmail(address string) string {
	at := strings.LastIndexByte(address, '@')
	if at <= 0 {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(address)
	return string(first) + "***" + address[at:]
}

// String returns the masked address, never the full one.
func (e Email) String() string { return e.Mask() }

// GoString returns the masked address, so that %#v does not print the full one either.
func (e Email) GoString() string { return e.Mask() }

// LogValue logs the masked address.
func (e Email) LogValue() slog.Value { return slog.StringValue(e.Mask()) }

// MayBindEmail refuses to bind addr (lower case) to a: an account that is gone (nil), frozen or
// closed, or whose verified email addr is already. An unverified contact address given at
// signup may be proven.
func MayBindEmail(a *Account, addr string) error {
	switch {
	case a == nil:
		return Errorf(CodeUnauthenticated, "sign in again")
	case a.Status == StatusFrozen:
		return Errorf(CodeAccountFrozen, "this account is frozen; recover it to unfreeze")
	case a.Status != StatusActive:
		return Errorf(CodeAccountClosed, "this account is closed")
	case a.Profile.EmailVerified && a.Profile.Email == addr:
		return FieldError(CodeEmailAlreadyBound, "email", "this is already the account's email address")
	}
	return nil
}
