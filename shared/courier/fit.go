package courier

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Some values a text shows were chosen by others — a merchant's name by the payments system, an
// email address by the holder — and could be as long as they like. A text shows them cut to a
// bound, so that every text keeps within its parts (TestEveryTextFitsItsParts); an English one
// shows them only in GSM-7, since one character outside it would send the whole text as UCS-2,
// at 70 characters a part instead of 160.
const (
	maxMerchant = 20 // characters of a merchant's name a text shows
	maxEmail    = 30 // characters of a masked email address a text shows
)

// merchantEN is a merchant's name for an English text: "" when it is not written in GSM-7 (the
// text then names no merchant: a name in Chinese would triple its parts, and "?"s say nothing),
// else at most maxMerchant septets.
func merchantEN(v any) string {
	s := strings.ReplaceAll(fmt.Sprint(v), "…", "...") // how the payments topic's names are cut
	if _, ok := gsmUnits(s); !ok {
		return ""
	}
	return cutEnd(s, maxMerchant, "...", septets)
}

// merchantZH is a merchant's name for a Chinese text: at most maxMerchant UTF-16 units.
func merchantZH(v any) string { return cutEnd(fmt.Sprint(v), maxMerchant, "…", utf16Units) }

// emailEN is a masked email address for an English text: a character outside GSM-7 as "?" (an
// address has no other spelling), at most maxEmail septets, cut in the domain's front so that
// its end, which people recognise, stays.
func emailEN(v any) string {
	s := strings.Map(func(r rune) rune {
		if _, ok := gsmUnits(string(r)); !ok {
			return '?'
		}
		return r
	}, fmt.Sprint(v))
	return cutDomain(s, maxEmail, "...", septets)
}

// emailZH is a masked email address for a Chinese text: at most maxEmail UTF-16 units.
func emailZH(v any) string { return cutDomain(fmt.Sprint(v), maxEmail, "…", utf16Units) }

// septets and utf16Units measure a character in GSM-7 (1 or 2) and in UCS-2 (1 or 2).
func septets(r rune) int {
	if strings.ContainsRune(gsmExtension, r) {
		return 2
	}
	return 1
}

func utf16Units(r rune) int { return max(utf16.RuneLen(r), 1) }

// length is s measured by unit.
func length(s string, unit func(rune) int) int {
	n := 0
	for _, r := range s {
		n += unit(r)
	}
	return n
}

// cutEnd returns s, or when it is longer than limit its longest head that fits with ellipsis
// after it.
func cutEnd(s string, limit int, ellipsis string, unit func(rune) int) string {
	if length(s, unit) <= limit {
		return s
	}
	room := limit - length(ellipsis, unit)
	end := 0
	for i, r := range s {
		if room -= unit(r); room < 0 {
			break
		}
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimSpace(s[:end]) + ellipsis
}

// cutDomain returns a masked address, or when it is longer than limit its local part and "@",
// ellipsis, and the longest tail of its domain that fits.
func cutDomain(s string, limit int, ellipsis string, unit func(rune) int) string {
	if length(s, unit) <= limit {
		return s
	}
	at := strings.LastIndexByte(s, '@')
	head := s[:at+1]
	room := limit - length(head, unit) - length(ellipsis, unit)
	start := len(s)
	for room > 0 && start > at+1 {
		r, size := utf8.DecodeLastRuneInString(s[:start])
		if room -= unit(r); room < 0 {
			break
		}
		start -= size
	}
	return head + ellipsis + s[start:]
}
