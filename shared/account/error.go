// Package account is the domain vocabulary shared by every flow: the error type with its stable
// codes, the clock, and the small value types the flows pass between each other.
package account

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, snake_case machine code. Clients branch on it; the HTTP status for each code
// is defined in one place, the apigw package.
type Code string

// Request shape and transport.
const (
	CodeMalformedJSON    Code = "malformed_json"
	CodeInvalidUTF8      Code = "invalid_utf8"
	CodeDuplicateKey     Code = "duplicate_key"
	CodeUnknownField     Code = "unknown_field"
	CodeInvalidType      Code = "invalid_type"
	CodeBodyTooLarge     Code = "body_too_large"
	CodeMissingField     Code = "missing_field"
	CodeInvalidField     Code = "invalid_field"
	CodeUnsupportedMedia Code = "unsupported_media_type"
	CodeRouteNotFound    Code = "route_not_found"
	CodeIdempotencyReuse Code = "idempotency_key_reused"
	CodeConflict         Code = "conflict"
	CodeInternal         Code = "internal"
	CodeUnavailable      Code = "service_unavailable"
)

// Phone numbers and one-time codes.
const (
	CodeInvalidPhone       Code = "invalid_phone"
	CodeUnsupportedRegion  Code = "unsupported_region"
	CodeInvalidPurpose     Code = "invalid_purpose"
	CodeRateLimited        Code = "rate_limited"
	CodeResendTooSoon      Code = "resend_too_soon"
	CodeSMSBudgetExhausted Code = "sms_budget_exhausted"
	CodeSMSUnavailable     Code = "sms_unavailable"
	CodeInvalidCode        Code = "invalid_code"
	CodeChallengeNotFound  Code = "challenge_not_found"
	CodeChallengeExpired   Code = "challenge_expired"
	CodeChallengeUsed      Code = "challenge_used"
	CodeTooManyAttempts    Code = "too_many_attempts"
	CodeInvalidToken       Code = "invalid_verification_token"
)

// Accounts, sessions and secrets.
const (
	CodeUnauthenticated        Code = "unauthenticated"
	CodeInvalidCredentials     Code = "invalid_credentials"
	CodeLocked                 Code = "locked"
	CodeStepUpRequired         Code = "step_up_required"
	CodeReauthRequired         Code = "reauthentication_required" // a sensitive change on a stale session
	CodeWrongPassword          Code = "wrong_password"            // a signed-in holder's password check failed
	CodeAccountFrozen          Code = "account_frozen"
	CodeAccountClosed          Code = "account_closed"
	CodePhoneTaken             Code = "phone_taken"
	CodeEmailTaken             Code = "email_taken"
	CodeInvalidEmail           Code = "invalid_email"          // not one bare address of at most 254 characters
	CodeEmailAlreadyBound      Code = "email_already_bound"    // the address is the account's verified email already
	CodeNoEmail                Code = "no_email"               // the account has no email to remove
	CodeEmailUnavailable       Code = "email_unavailable"      // SES refused or failed: the code was not sent
	CodeEmailBudgetExhausted   Code = "email_budget_exhausted" // the daily email budget is spent
	CodePasswordTooShort       Code = "password_too_short"
	CodePasswordTooLong        Code = "password_too_long"
	CodePasswordTooWeak        Code = "password_too_weak"
	CodePasswordPersonalData   Code = "password_contains_personal_data"
	CodePaymentPasswordInvalid Code = "payment_password_invalid"
	CodePaymentPasswordWeak    Code = "payment_password_weak"
	CodeWrongPaymentPassword   Code = "wrong_payment_password"
	CodeInvalidQuestions       Code = "invalid_security_questions"
	CodeInvalidCardNumber      Code = "invalid_card_number"
	CodeCardAlreadyLinked      Code = "card_already_linked"
	CodeNotFound               Code = "not_found"
	CodeImmutableField         Code = "immutable_field" // a profile field that is set once, set already
)

// Deletion on request: why it is refused now.
const (
	CodeCardsLinked        Code = "cards_linked"         // unlink every bank card first
	CodePhoneChangePending Code = "phone_change_pending" // finish or cancel the phone change first
	CodeAccountFlagged     Code = "account_flagged"      // a flag set by other systems or customer service (Flags names them)
	CodeDeletionPending    Code = "deletion_pending"     // a deletion is pending already (or, for a phone change, blocks it)
	CodeInvalidFreezeToken Code = "invalid_freeze_token"
)

// Recovery.
const (
	CodeSecondFactorRequired Code = "second_factor_required"
	CodeInvalidSecondFactor  Code = "invalid_second_factor"
	CodeRecoveryFailed       Code = "recovery_failed"
	CodeIdentityPathClosed   Code = "identity_path_closed"
)

// Passkeys: ceremonies and the credentials they register or assert.
const (
	CodeInvalidCeremony     Code = "invalid_ceremony"           // a ceremony id that is malformed, forged, or for another purpose or account
	CodeCeremonyExpired     Code = "ceremony_expired"           // a ceremony older than its 5 minutes: ask for options again
	CodeCeremonyUsed        Code = "ceremony_used"              // a ceremony that was finished already
	CodePasskeyRejected     Code = "passkey_rejected"           // the credential did not verify (challenge, origin, RP, signature, format)
	CodeUserVerification    Code = "user_verification_required" // the authenticator did not verify the user (PIN, biometrics)
	CodePasskeyRegistered   Code = "passkey_already_registered" // the credential is registered already
	CodeTooManyPasskeys     Code = "too_many_passkeys"          // the account has as many passkeys as it may
	CodeUnknownPasskey      Code = "unknown_passkey"            // an assertion by a credential the account does not have
	CodePasskeyCloneWarning Code = "passkey_clone_suspected"    // a sign count that did not go up: the authenticator may be a copy
)

// Alert settings.
const (
	CodeInvalidTime     Code = "invalid_time"      // not a wall-clock "HH:MM", or a window that starts where it ends
	CodeInvalidTimeZone Code = "invalid_time_zone" // not an IANA time zone name
	CodeInvalidAmount   Code = "invalid_amount"    // not a positive decimal amount
	CodeInvalidCurrency Code = "invalid_currency"  // not an ISO 4217 code
)

// Error is the one error type a flow returns for anything a client can act on. Any other error
// is internal: it is logged with its detail and answered as a bare 500.
type Error struct {
	Code    Code
	Message string // safe to show to the client; never contains a secret or a full phone number
	// RetryAfter, when positive, tells the client how long to wait (limits, lockouts, cooldowns).
	RetryAfter time.Duration
	// AttemptsRemaining, when not nil, tells how many tries are left (wrong codes).
	AttemptsRemaining *int
	// Field names the request field at fault, when there is one.
	Field string
	// Purpose names the one-time-code purpose a client must obtain (step-up answers).
	Purpose string
	// Factors lists the second factors a client may offer (second_factor_required answers), and
	// QuestionID the security question to answer when one of them is an answer.
	Factors    []string
	QuestionID string
	// Flags names the flags that refuse a deletion (account_flagged).
	Flags []string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an *Error about one request field.
func FieldError(code Code, field, message string) *Error {
	return &Error{Code: code, Message: message, Field: field}
}

// Limited returns a rate-limit style *Error that tells the client when to retry.
func Limited(code Code, retryAfter time.Duration, message string) *Error {
	if retryAfter < time.Second {
		retryAfter = time.Second
	}
	return &Error{Code: code, Message: message, RetryAfter: retryAfter}
}

// As reports whether err is, or wraps, an *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is, or wraps, an *Error with the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// Required refuses the first empty field with missing_field; pairs are name, value.
func Required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return FieldError(CodeMissingField, pairs[i], pairs[i]+" is required")
		}
	}
	return nil
}

// ErrInvalidToken answers a verification token that is malformed, names nothing, was made for
// another phone, purpose or account, has expired, or was spent already: the client cannot tell
// which, and needs a new code in every case. Never modify it.
var ErrInvalidToken = FieldError(CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")

// ErrStale says a conditional write lost a race with another change since the flow's read. It is
// not an answer: the flow reads again and retries, and answers conflict when its retries run out.
var ErrStale = errors.New("state changed since it was read")
