// Package subject parses who a request names by a phone number or an email address, exactly
// one of them: the sign-in and the lost-phone lock take either. Apart from package body, so
// that only the functions that parse phone numbers link libphonenumber.
package subject

import (
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/phone"
)

// Parse returns the phone (with region, for a number in national notation) or the email a body
// gives: exactly one of them, else 400.
func Parse(number, region, email string) (account.Phone, account.Email, error) {
	switch {
	case number != "" && email != "":
		return account.Phone{}, account.Email{}, account.FieldError(account.CodeInvalidField, "email", "send the phone or the email, not both")
	case email != "":
		e, err := account.ParseEmail(email, "email")
		return account.Phone{}, e, err
	case number == "":
		return account.Phone{}, account.Email{}, account.FieldError(account.CodeMissingField, "phone", "send the phone or the email")
	}
	num, err := phone.Parse(number, region)
	return num, account.Email{}, err
}
