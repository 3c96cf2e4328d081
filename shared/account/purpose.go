package account

// Purpose is what a one-time code proves possession of a phone for. A code and the verification
// token it yields are good for one purpose only.
type Purpose string

// The purposes a code can be asked for.
const (
	PurposeSignup         Purpose = "signup"
	PurposeLoginStepUp    Purpose = "login_step_up"
	PurposeResetLogin     Purpose = "reset_login"
	PurposeResetPayment   Purpose = "reset_payment"
	PurposePhoneChangeOld Purpose = "phone_change_old"
	PurposePhoneChangeNew Purpose = "phone_change_new"
	PurposeFreeze         Purpose = "freeze"
)

// PurposeEmailBind is the purpose of an email code: it proves possession of an address for
// binding it to the signed-in account (POST /v1/account/email). It is no phone purpose: it is
// not in Purposes, so POST /v1/otp refuses it.
const PurposeEmailBind Purpose = "email_bind"

// Purposes lists every purpose of a phone code, in a stable order.
var Purposes = []Purpose{PurposeSignup, PurposeLoginStepUp, PurposeResetLogin, PurposeResetPayment,
	PurposePhoneChangeOld, PurposePhoneChangeNew, PurposeFreeze}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	for _, q := range Purposes {
		if p == q {
			return true
		}
	}
	return false
}

// NeedsAccount reports whether a code for p is only sent to a phone bound to an account.
// For signup, an existing account gets a notice instead of a code; for a new phone in a phone
// change, the number must be free.
func (p Purpose) NeedsAccount() bool {
	return p != PurposeSignup && p != PurposePhoneChangeNew
}
