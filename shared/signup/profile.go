package signup

import (
	"net/mail"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/profile"
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

// parse checks the profile by the rules of package profile and returns it with the ID number
// apart (it is stored only hashed).
func (p *ProfileInput) parse() (account.Profile, string, error) {
	if p == nil {
		return account.Profile{}, "", nil
	}
	var out account.Profile
	var err error
	for _, f := range []struct {
		name, value string
		max         int
		to          *string
	}{{"profile.realName", p.RealName, profile.MaxRealName, &out.RealName}, {"profile.address", p.Address, profile.MaxAddress, &out.Address},
		{"profile.occupation", p.Occupation, profile.MaxOccupation, &out.Occupation}, {"profile.email", p.Email, 254, &out.Email}} {
		if *f.to, err = profile.Text(f.name, f.value, f.max); err != nil {
			return account.Profile{}, "", err
		}
	}
	out.Gender, out.DateOfBirth, out.IDType, out.Email = p.Gender, p.DateOfBirth, p.IDType, strings.ToLower(out.Email)
	if err := profile.Gender("profile.gender", p.Gender); err != nil {
		return account.Profile{}, "", err
	}
	if err := profile.DateOfBirth("profile.dateOfBirth", p.DateOfBirth, time.Now()); err != nil {
		return account.Profile{}, "", err
	}
	if out.Citizenship, err = profile.Citizenship("profile.citizenship", p.Citizenship); err != nil {
		return account.Profile{}, "", err
	}
	if out.Email != "" {
		if a, err := mail.ParseAddress(out.Email); err != nil || a.Address != out.Email {
			return account.Profile{}, "", account.FieldError(account.CodeInvalidField, "profile.email", "not an email address")
		}
	}
	id, err := profile.IDDocument("profile.", p.IDType, p.IDNumber)
	if err != nil {
		return account.Profile{}, "", err
	}
	return out, id, nil
}
