package secret

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Personal is what the service knows about the user that must not be their password.
type Personal struct {
	Phone    string // E.164, e.g. +8613800138000
	Name     string
	Email    string
	Birthday string // YYYY-MM-DD, or "" when unknown
}

// Login password length, in Unicode code points of the NFKC form.
const (
	MinPasswordRunes = 8
	MaxPasswordRunes = 64
)

// How much of each personal value a login password may not contain.
const (
	phoneWindow    = 8 // consecutive digits of the national number
	minPhoneDigits = 6 // shorter national numbers are left to zxcvbn
	minEmailLocal  = 4
	minName        = 3 // the whole name, separators removed
	minNamePart    = 4 // one word of the name
)

// ContainsPersonal reports whether pw contains the user's personal data: 8 consecutive digits of
// the phone's national number (all of it when shorter), the email's local part (4+ characters),
// the name (3+ characters, or any word of it with 4+), or the birthday in a compact form
// (19900415, 900415, 04151990, 15041990, 041590, 150490). Comparison ignores case and the
// separators " .-_/". pw is compared as given; callers pass NormalizePassword(pw).
func ContainsPersonal(pw string, p Personal) bool {
	lower := strings.ToLower(pw)
	compact := stripSeparators(lower)
	for _, s := range p.forbidden() {
		if strings.Contains(lower, s) || strings.Contains(compact, s) {
			return true
		}
	}
	return false
}

// forbidden lists the lower-case strings a login password may not contain.
func (p Personal) forbidden() []string {
	var out []string
	if nsn := nationalNumber(p.Phone); len(nsn) >= minPhoneDigits {
		out = append(out, windows(nsn, min(phoneWindow, len(nsn)))...)
	}
	if local := emailLocal(p.Email); utf8.RuneCountInString(local) >= minEmailLocal {
		out = append(out, local)
		if c := stripSeparators(local); c != local && utf8.RuneCountInString(c) >= minEmailLocal {
			out = append(out, c)
		}
	}
	name := strings.ToLower(NormalizePassword(p.Name))
	if c := stripSeparators(name); utf8.RuneCountInString(c) >= minName {
		out = append(out, c)
	}
	for _, w := range nameParts(name) {
		if utf8.RuneCountInString(w) >= minNamePart {
			out = append(out, w)
		}
	}
	out = append(out, birthdayForms(p.Birthday, true)...)
	return out
}

// UserInputs returns the personal values a strength estimator should treat as known to the
// attacker: the phone in its usual forms, the name and its words, the email and its local part,
// the birthday forms and year.
func (p Personal) UserInputs() []string {
	var out []string
	add := func(s ...string) {
		for _, v := range s {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	digits := strings.TrimPrefix(p.Phone, "+")
	if nsn := nationalNumber(p.Phone); nsn != "" {
		add(digits, nsn, "0"+nsn)
		if len(nsn) > phoneWindow {
			add(nsn[len(nsn)-phoneWindow:])
		}
	}
	name := strings.ToLower(NormalizePassword(p.Name))
	add(stripSeparators(name))
	add(nameParts(name)...)
	email := strings.ToLower(strings.TrimSpace(p.Email))
	if local := emailLocal(email); local != "" {
		add(email, local)
		add(nameParts(local)...)
	}
	add(birthdayForms(p.Birthday, true)...)
	if len(p.Birthday) >= 4 && birthdayForms(p.Birthday, false) != nil {
		add(p.Birthday[:4])
	}
	return out
}

// nationalNumber returns the national significant number of an E.164 phone ("" if it is not one).
func nationalNumber(e164 string) string { return account.PhoneFromE164(e164).National }

// windows returns every substring of s of n bytes (s is ASCII digits).
func windows(s string, n int) []string {
	var out []string
	for i := 0; i+n <= len(s); i++ {
		out = append(out, s[i:i+n])
	}
	return out
}

func emailLocal(email string) string {
	local, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok {
		return ""
	}
	return local
}

// nameParts splits a name (or an email local part) into its words.
func nameParts(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return isSeparator(r) || r == '·' || r == '\'' || r == '+'
	})
}

func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' || r == '/'
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) || r == '·' {
			return -1
		}
		return r
	}, s)
}

// birthdayForms returns the compact digit forms of a YYYY-MM-DD birthday: YYMMDD, MMDDYY and
// DDMMYY, and with long too YYYYMMDD, MMDDYYYY and DDMMYYYY. It returns nil for "" or an
// invalid date.
func birthdayForms(birthday string, long bool) []string {
	t, err := time.Parse(time.DateOnly, birthday)
	if err != nil {
		return nil
	}
	yyyy, mm, dd := t.Format("2006"), t.Format("01"), t.Format("02")
	yy := yyyy[2:]
	out := []string{yy + mm + dd, mm + dd + yy, dd + mm + yy}
	if long {
		out = append(out, yyyy+mm+dd, mm+dd+yyyy, dd+mm+yyyy)
	}
	return out
}
