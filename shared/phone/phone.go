// Package phone parses, validates and masks the phone numbers that identify accounts.
//
// Rules:
//
//   - Input is at most MaxInputLength characters, checked before anything else, and may contain
//     only digits (ASCII, full-width or Arabic-Indic), a plus sign, spaces, dashes, dots,
//     slashes, parentheses and invisible direction marks (as pasted from a contacts app).
//     Letters are refused, so vanity numbers, "tel:" URIs and extensions are refused too.
//   - A number is written either with "+" and its country code, or in national notation together
//     with a region (ISO 3166 alpha-2, any case); with a region, that region's international
//     prefix also works ("0086 …" with region "GB").
//   - A national trunk prefix typed after the country code ("+44 (0)7911 123456",
//     "+49 0151 23456789", "+7 8 912 …") is dropped the way libphonenumber drops it. In
//     countries without a trunk prefix (HK, SG, …) the extra 0 makes the number invalid.
//   - The number must be valid for libphonenumber and able to receive SMS: MOBILE or
//     FIXED_LINE_OR_MOBILE (the type of every NANP number, US and CA included). Landlines, VoIP,
//     toll-free, premium-rate, pager, shared-cost, personal and UAN numbers are refused, and so
//     are numbers outside any country (+800, +881 satellite, …).
//   - A refusal is always an *account.Error with code account.CodeInvalidPhone and Field "phone";
//     its message never repeats the input.
//
// A Number formats as its masked form (String, GoString, LogValue), so logging one by mistake
// does not leak it; use the E164 field where the full number is needed (storage, SMS sending).
package phone

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/wallet-accounts/wallet/shared/account"
)

// MaxInputLength is the longest input, in characters, that Parse looks at.
const MaxInputLength = 32

// Number is a validated, mobile-capable phone number: the domain's account.Phone, which flows
// take without linking libphonenumber.
type Number = account.Phone

// Refusal messages: short, safe to show to a client, never containing the input.
var (
	errRequired   = refuse("phone number is required")
	errTooLong    = refuse("phone number is too long")
	errCharacters = refuse("phone number may contain only digits, spaces, dashes, dots, slashes, parentheses and a leading +")
	errCountry    = refuse("phone number needs a valid country code or region")
	errTooShort   = refuse("phone number is too short")
	errInvalid    = refuse("phone number is not valid")
	errExtension  = refuse("phone number must not have an extension")
	errNotMobile  = refuse("phone number must be a mobile number")
	errNoRegion   = refuse("phone number must belong to a country")
)

func refuse(message string) *account.Error {
	return account.FieldError(account.CodeInvalidPhone, "phone", message)
}

// fail returns a fresh copy of a refusal, so callers may modify what they get.
func fail(e *account.Error) (Number, error) {
	c := *e
	return Number{}, &c
}

// Parse parses input as a phone number, in international notation or, when region is given,
// in national notation, and returns it if it is a valid number that can receive SMS. A region
// that is not two letters is ignored; with a leading "+" the region is not used. Every refusal is
// an *account.Error with code account.CodeInvalidPhone and Field "phone".
func Parse(input, region string) (Number, error) {
	if len(input) > MaxInputLength*utf8.UTFMax {
		return fail(errTooLong)
	}
	count, digits, marks := 0, false, false
	for _, r := range input {
		count++
		if count > MaxInputLength {
			return fail(errTooLong)
		}
		switch {
		case unicode.IsDigit(r):
			digits = true
		case isMark(r):
			marks = true
		case !allowed(r):
			return fail(errCharacters)
		}
	}
	if !digits {
		return fail(errRequired)
	}
	if marks { // invisible, and libphonenumber does not skip them
		input = strings.Map(func(r rune) rune {
			if isMark(r) {
				return -1
			}
			return r
		}, input)
	}
	if len(region) == 2 {
		region = strings.ToUpper(region)
	} else {
		region = "" // no libphonenumber region is longer or shorter than 2 letters
	}

	pn := &phonenumbers.PhoneNumber{}
	if err := phonenumbers.ParseToNumber(input, region, pn); err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return fail(errCountry)
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return fail(errTooShort)
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return fail(errTooLong)
		default:
			return fail(errInvalid)
		}
	}
	if pn.GetExtension() != "" {
		return fail(errExtension)
	}
	if !phonenumbers.IsValidNumber(pn) {
		switch phonenumbers.IsPossibleNumberWithReason(pn) {
		case phonenumbers.TOO_SHORT:
			return fail(errTooShort)
		case phonenumbers.TOO_LONG:
			return fail(errTooLong)
		default:
			return fail(errInvalid)
		}
	}
	switch phonenumbers.GetNumberType(pn) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return fail(errNotMobile)
	}
	n := Number{
		E164:        phonenumbers.Format(pn, phonenumbers.E164),
		Region:      phonenumbers.GetRegionCodeForNumber(pn),
		CountryCode: int(pn.GetCountryCode()),
		National:    phonenumbers.GetNationalSignificantNumber(pn),
	}
	if !isRegion(n.Region) {
		return fail(errNoRegion) // "001": international networks and satellite phones
	}
	// Defensive: libphonenumber keeps digits it does not map (other scripts) as they are.
	if !asciiDigits(n.National) || n.E164 != "+"+strconv.Itoa(n.CountryCode)+n.National {
		return fail(errInvalid)
	}
	return n, nil
}

// allowed reports whether r may appear in a phone number besides digits.
func allowed(r rune) bool {
	switch r {
	case '+', '\uFF0B', // plus, full-width plus
		' ', '\u00A0', '\u3000', // space, no-break space, ideographic space
		'-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30FC', '\uFF0D', // dashes
		'.', '\uFF0E', '/', '\uFF0F', '(', ')', '\uFF08', '\uFF09':
		return true
	}
	return false
}

// isMark reports whether r is an invisible direction mark, as copied from a contacts app.
func isMark(r rune) bool {
	return r == '\u200E' || r == '\u200F' || '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

func isRegion(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

func asciiDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
