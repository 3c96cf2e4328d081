// Package apigw adapts API Gateway HTTP API (payload format 2.0) events to the flows and back: the
// one JSON decoding path, responses and RFC 9457 problem documents, the one table from error
// code to HTTP status, and a router for the routes one function serves, with the wrappers that say
// at each route how it is authenticated.
package apigw

import (
	"net/http"

	"github.com/wallet-accounts/wallet/shared/account"
)

// outcome is what a code means over HTTP: the status and a short human title.
type outcome struct {
	status int
	title  string
}

// outcomes is THE table from error code to HTTP status. Every account.Code must be here; a test
// reads shared/account's source and fails for any code missing from it.
var outcomes = map[account.Code]outcome{
	// Request shape and transport.
	account.CodeMalformedJSON:    {http.StatusBadRequest, "Malformed JSON"},
	account.CodeInvalidUTF8:      {http.StatusBadRequest, "Invalid UTF-8"},
	account.CodeDuplicateKey:     {http.StatusBadRequest, "Duplicate key"},
	account.CodeUnknownField:     {http.StatusBadRequest, "Unknown field"},
	account.CodeInvalidType:      {http.StatusBadRequest, "Invalid field type"},
	account.CodeBodyTooLarge:     {http.StatusRequestEntityTooLarge, "Request body too large"},
	account.CodeMissingField:     {http.StatusBadRequest, "Missing field"},
	account.CodeInvalidField:     {http.StatusBadRequest, "Invalid field"},
	account.CodeUnsupportedMedia: {http.StatusUnsupportedMediaType, "Unsupported media type"},
	account.CodeRouteNotFound:    {http.StatusNotFound, "Route not found"},
	account.CodeIdempotencyReuse: {http.StatusConflict, "Idempotency key reused"},
	account.CodeConflict:         {http.StatusConflict, "Conflict"},
	account.CodeInternal:         {http.StatusInternalServerError, "Internal error"},
	account.CodeUnavailable:      {http.StatusServiceUnavailable, "Service unavailable"},

	// Phone numbers and one-time codes.
	account.CodeInvalidPhone:       {http.StatusBadRequest, "Invalid phone number"},
	account.CodeUnsupportedRegion:  {http.StatusBadRequest, "Unsupported region"},
	account.CodeInvalidPurpose:     {http.StatusBadRequest, "Invalid purpose"},
	account.CodeRateLimited:        {http.StatusTooManyRequests, "Too many requests"},
	account.CodeResendTooSoon:      {http.StatusTooManyRequests, "Resend too soon"},
	account.CodeSMSBudgetExhausted: {http.StatusServiceUnavailable, "SMS temporarily unavailable"},
	account.CodeSMSUnavailable:     {http.StatusServiceUnavailable, "SMS unavailable"},
	account.CodeInvalidCode:        {http.StatusBadRequest, "Invalid code"},
	account.CodeChallengeNotFound:  {http.StatusNotFound, "Challenge not found"},
	account.CodeChallengeExpired:   {http.StatusGone, "Challenge expired"},
	account.CodeChallengeUsed:      {http.StatusConflict, "Challenge already used"},
	account.CodeTooManyAttempts:    {http.StatusTooManyRequests, "Too many attempts"},
	account.CodeInvalidToken:       {http.StatusBadRequest, "Invalid verification token"},

	// Accounts, sessions and secrets.
	account.CodeUnauthenticated:        {http.StatusUnauthorized, "Not signed in"},
	account.CodeInvalidCredentials:     {http.StatusUnauthorized, "Invalid credentials"},
	account.CodeLocked:                 {http.StatusLocked, "Locked"},
	account.CodeStepUpRequired:         {http.StatusForbidden, "Verification code required"},
	account.CodeReauthRequired:         {http.StatusForbidden, "Reauthentication required"},
	account.CodeWrongPassword:          {http.StatusForbidden, "Wrong password"},
	account.CodeAccountFrozen:          {http.StatusForbidden, "Account frozen"},
	account.CodeAccountClosed:          {http.StatusForbidden, "Account closed"},
	account.CodePhoneTaken:             {http.StatusConflict, "Phone number taken"},
	account.CodeEmailTaken:             {http.StatusConflict, "Email taken"},
	account.CodeInvalidEmail:           {http.StatusBadRequest, "Invalid email address"},
	account.CodeEmailAlreadyBound:      {http.StatusConflict, "Email already bound"},
	account.CodeNoEmail:                {http.StatusConflict, "No email bound"},
	account.CodeEmailUnavailable:       {http.StatusServiceUnavailable, "Email unavailable"},
	account.CodeEmailBudgetExhausted:   {http.StatusServiceUnavailable, "Email temporarily unavailable"},
	account.CodePasswordTooShort:       {http.StatusBadRequest, "Password too short"},
	account.CodePasswordTooLong:        {http.StatusBadRequest, "Password too long"},
	account.CodePasswordTooWeak:        {http.StatusBadRequest, "Password too weak"},
	account.CodePasswordPersonalData:   {http.StatusBadRequest, "Password contains personal data"},
	account.CodePaymentPasswordInvalid: {http.StatusBadRequest, "Invalid payment password"},
	account.CodePaymentPasswordWeak:    {http.StatusBadRequest, "Payment password too weak"},
	account.CodeWrongPaymentPassword:   {http.StatusForbidden, "Wrong payment password"},
	account.CodeInvalidQuestions:       {http.StatusBadRequest, "Invalid security questions"},
	account.CodeInvalidCardNumber:      {http.StatusBadRequest, "Invalid card number"},
	account.CodeCardAlreadyLinked:      {http.StatusConflict, "Card already linked"},
	account.CodeNotFound:               {http.StatusNotFound, "Not found"},
	account.CodeImmutableField:         {http.StatusConflict, "Set once"},
	account.CodeCardsLinked:            {http.StatusConflict, "Bank cards linked"},
	account.CodePhoneChangePending:     {http.StatusConflict, "Phone change pending"},
	account.CodeAccountFlagged:         {http.StatusConflict, "Account flagged"},
	account.CodeDeletionPending:        {http.StatusConflict, "Deletion pending"},
	account.CodeInvalidFreezeToken:     {http.StatusBadRequest, "Invalid freeze token"},

	// Recovery.
	account.CodeSecondFactorRequired: {http.StatusForbidden, "Second factor required"},
	account.CodeInvalidSecondFactor:  {http.StatusUnauthorized, "Invalid second factor"},
	account.CodeRecoveryFailed:       {http.StatusUnauthorized, "Recovery failed"},
	account.CodeIdentityPathClosed:   {http.StatusForbidden, "Identity path closed"},

	// Passkeys.
	account.CodeInvalidCeremony:     {http.StatusBadRequest, "Invalid ceremony"},
	account.CodeCeremonyExpired:     {http.StatusGone, "Ceremony expired"},
	account.CodeCeremonyUsed:        {http.StatusConflict, "Ceremony already used"},
	account.CodePasskeyRejected:     {http.StatusBadRequest, "Passkey rejected"},
	account.CodeUserVerification:    {http.StatusBadRequest, "User verification required"},
	account.CodePasskeyRegistered:   {http.StatusConflict, "Passkey already registered"},
	account.CodeTooManyPasskeys:     {http.StatusConflict, "Too many passkeys"},
	account.CodeUnknownPasskey:      {http.StatusUnauthorized, "Unknown passkey"},
	account.CodePasskeyCloneWarning: {http.StatusForbidden, "Passkey refused"},

	// Alert settings.
	account.CodeInvalidTime:     {http.StatusBadRequest, "Invalid time of day"},
	account.CodeInvalidTimeZone: {http.StatusBadRequest, "Invalid time zone"},
	account.CodeInvalidAmount:   {http.StatusBadRequest, "Invalid amount"},
	account.CodeInvalidCurrency: {http.StatusBadRequest, "Invalid currency"},

	// The internal API (customer service).
	account.CodeAlreadyFrozen: {http.StatusConflict, "Already frozen"},
	account.CodeNotFrozen:     {http.StatusConflict, "Not frozen"},
	account.CodeCloseBlocked:  {http.StatusConflict, "Closure blocked by a flag"},

	// Payments.
	account.CodeAuthorizationExpired: {http.StatusConflict, "Authorization expired"},
	account.CodeAuthorizationDone:    {http.StatusConflict, "Authorization not pending"},
	account.CodePaymentMismatch:      {http.StatusConflict, "Payment mismatch"},
	account.CodeNotApproved:          {http.StatusConflict, "Authorization not approved"},
	account.CodeAlreadyCaptured:      {http.StatusConflict, "Authorization captured"},
	// Identity verification.
	account.CodeVerificationOpen:      {http.StatusConflict, "Verification already open"},
	account.CodeVerificationDecided:   {http.StatusConflict, "Verification already decided"},
	account.CodeTooManyVerifications:  {http.StatusTooManyRequests, "Too many verifications"},
	account.CodeDocumentMismatch:      {http.StatusConflict, "Another ID document on file"},
	account.CodeInvalidSignature:      {http.StatusUnauthorized, "Invalid signature"},
	account.CodeSignatureExpired:      {http.StatusUnauthorized, "Signature expired"},
	account.CodeReplayed:              {http.StatusConflict, "Callback replayed"},
	account.CodeVerificationAlreadyAt: {http.StatusConflict, "Level already reached"},
}

// Status returns the HTTP status for code. A code missing from the table is a bug (a test
// catches it); it answers 500 rather than a guess that could mislead a client.
func Status(code account.Code) int {
	return lookup(code).status
}

// title returns the short human phrase for code.
func title(code account.Code) string {
	return lookup(code).title
}

func lookup(code account.Code) outcome {
	if o, ok := outcomes[code]; ok {
		return o
	}
	return outcome{http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)}
}
