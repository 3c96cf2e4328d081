package profile

import (
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// edit is a Patch checked field by field: the values as they will be stored.
type edit struct {
	realName, gender, dateOfBirth, address, occupation *string
	citizenship                                        *string
	idType, idNumber                                   string // the number normalised; both "" when not sent
}

// parse checks every field patch sends. A set-once field cannot be cleared.
func parse(patch Patch, now time.Time) (edit, error) {
	var e edit
	for _, f := range []struct {
		name string
		in   *string
		max  int
		out  **string
	}{{"realName", patch.RealName, MaxRealName, &e.realName}, {"address", patch.Address, MaxAddress, &e.address},
		{"occupation", patch.Occupation, MaxOccupation, &e.occupation}} {
		if f.in == nil {
			continue
		}
		v, err := Text(f.name, *f.in, f.max)
		if err != nil {
			return edit{}, err
		}
		*f.out = &v
	}
	if patch.Gender != nil {
		if err := Gender("gender", *patch.Gender); err != nil {
			return edit{}, err
		}
		e.gender = patch.Gender
	}
	if patch.DateOfBirth != nil {
		if err := DateOfBirth("dateOfBirth", *patch.DateOfBirth, now); err != nil {
			return edit{}, err
		}
		e.dateOfBirth = patch.DateOfBirth
	}
	if patch.Citizenship != nil {
		c, err := Citizenship("citizenship", *patch.Citizenship)
		if err != nil {
			return edit{}, err
		}
		if c == "" {
			return edit{}, account.FieldError(account.CodeInvalidField, "citizenship", "citizenship is set once and cannot be cleared")
		}
		e.citizenship = &c
	}
	if patch.IDType != nil || patch.IDNumber != nil {
		var err error
		if e.idNumber, err = IDDocument("", deref(patch.IDType), deref(patch.IDNumber)); err != nil {
			return edit{}, err
		}
		if e.idNumber == "" {
			return edit{}, account.FieldError(account.CodeInvalidField, "idNumber", "the ID document is set once and cannot be cleared")
		}
		e.idType = *patch.IDType
	}
	return e, nil
}

// apply returns cur with e's editable fields.
func (e edit) apply(cur account.Profile) account.Profile {
	next := cur
	for _, f := range []struct {
		v  *string
		to *string
	}{{e.realName, &next.RealName}, {e.gender, &next.Gender}, {e.dateOfBirth, &next.DateOfBirth},
		{e.address, &next.Address}, {e.occupation, &next.Occupation}} {
		if f.v != nil {
			*f.to = *f.v
		}
	}
	return next
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
