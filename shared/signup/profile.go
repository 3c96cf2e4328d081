package signup

import (
	"github.com/wallet-accounts/wallet/shared/secret"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
)

// ProfileInput is the optional profile given at signup.
type ProfileInput struct {
	RealName    string
	Gender      string
	DateOfBirth string
	Citizenship string
	IDType      string
	IDNumber    string
	Address     string
	Occupation  string
	Email       string
}

var (
	genders = map[string]bool{"female": true, "male": true, "other": true, "undisclosed": true}
	idTypes = map[string]bool{"passport": true, "national_id": true, "drivers_licence": true}
)

// parse checks the profile and returns it with the ID number apart (it is stored only hashed).
func (p *ProfileInput) parse() (account.Profile, string, error) {
	if p == nil {
		return account.Profile{}, "", nil
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"profile.realName", p.RealName, 100}, {"profile.address", p.Address, 200}, {"profile.occupation", p.Occupation, 100},
		{"profile.email", p.Email, 254}, {"profile.idNumber", p.IDNumber, 32}} {
		if utf8.RuneCountInString(f.value) > f.max || strings.ContainsFunc(f.value, isControl) {
			return account.Profile{}, "", account.FieldError(account.CodeInvalidField, f.name, "too long or contains control characters")
		}
	}
	out := account.Profile{RealName: strings.TrimSpace(p.RealName), Gender: p.Gender, DateOfBirth: p.DateOfBirth,
		Citizenship: strings.ToUpper(p.Citizenship), IDType: p.IDType, Address: strings.TrimSpace(p.Address),
		Occupation: strings.TrimSpace(p.Occupation), Email: strings.ToLower(strings.TrimSpace(p.Email))}
	if p.Gender != "" && !genders[p.Gender] {
		return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.gender", "gender is female, male, other or undisclosed")
	}
	if p.DateOfBirth != "" {
		dob, err := time.Parse(time.DateOnly, p.DateOfBirth)
		if err != nil || dob.Year() < 1900 || dob.After(time.Now()) {
			return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.dateOfBirth", "dateOfBirth is YYYY-MM-DD")
		}
	}
	if out.Citizenship != "" && (len(out.Citizenship) != 2 || strings.ContainsFunc(out.Citizenship, func(r rune) bool { return r < 'A' || r > 'Z' })) {
		return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.citizenship", "citizenship is an ISO 3166 region code")
	}
	if out.Email != "" {
		if a, err := mail.ParseAddress(out.Email); err != nil || a.Address != out.Email {
			return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.email", "not an email address")
		}
	}
	id := secret.NormalizeIDNumber(p.IDNumber)
	if (id == "") != (p.IDType == "") {
		return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.idNumber", "idType and idNumber go together")
	}
	if p.IDType != "" && (!idTypes[p.IDType] || len(id) < 5) {
		return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.idType", "idType is passport, national_id or drivers_licence, with its number")
	}
	return out, id, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
