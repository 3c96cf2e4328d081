// Package profile is what a holder tells about themselves: the rules of each field, shared by
// signup (the optional profile) and the signed-in holder's edits (GET/PATCH /v1/account/profile).
package profile

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// The longest value of each free-text field, in characters.
const (
	MaxRealName   = 100
	MaxAddress    = 200
	MaxOccupation = 100
	MaxIDNumber   = 32
)

var (
	genders = map[string]bool{"female": true, "male": true, "other": true, "undisclosed": true}
	idTypes = map[string]bool{"passport": true, "national_id": true, "drivers_licence": true}
)

// Text checks a free-text field: at most max characters, no control characters. It returns the
// value trimmed. Field names the request field, as the client spells it.
func Text(field, value string, max int) (string, error) {
	if utf8.RuneCountInString(value) > max || strings.ContainsFunc(value, isControl) {
		return "", account.FieldError(account.CodeInvalidField, field, "too long or contains control characters")
	}
	return strings.TrimSpace(value), nil
}

// Gender checks a gender: "" (not told) or one of the catalogue's.
func Gender(field, value string) error {
	if value != "" && !genders[value] {
		return account.FieldError(account.CodeInvalidField, field, "gender is female, male, other or undisclosed")
	}
	return nil
}

// DateOfBirth checks a birth date: "" or YYYY-MM-DD, from 1900 up to now.
func DateOfBirth(field, value string, now time.Time) error {
	if value == "" {
		return nil
	}
	dob, err := time.Parse(time.DateOnly, value)
	if err != nil || dob.Year() < 1900 || dob.After(now) {
		return account.FieldError(account.CodeInvalidField, field, "dateOfBirth is YYYY-MM-DD")
	}
	return nil
}

// Citizenship checks an ISO 3166 region code and returns it upper-cased ("" stays "").
func Citizenship(field, value string) (string, error) {
	c := strings.ToUpper(value)
	if c != "" && (len(c) != 2 || strings.ContainsFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' })) {
		return "", account.FieldError(account.CodeInvalidField, field, "citizenship is an ISO 3166 region code")
	}
	return c, nil
}

// IDDocument checks an ID document's type and number, which go together (both or neither), and
// returns the number normalised for hashing. prefix is the fields' common prefix ("profile." at
// signup, "" in a PATCH).
func IDDocument(prefix, idType, number string) (string, error) {
	if utf8.RuneCountInString(number) > MaxIDNumber || strings.ContainsFunc(number, isControl) {
		return "", account.FieldError(account.CodeInvalidField, prefix+"idNumber", "too long or contains control characters")
	}
	id := secret.NormalizeIDNumber(number)
	if (id == "") != (idType == "") {
		return "", account.FieldError(account.CodeInvalidField, prefix+"idNumber", "idType and idNumber go together")
	}
	if idType != "" && (!idTypes[idType] || len(id) < 5) {
		return "", account.FieldError(account.CodeInvalidField, prefix+"idType", "idType is passport, national_id or drivers_licence, with its number")
	}
	return id, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
