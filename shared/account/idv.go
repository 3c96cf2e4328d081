package account

// Identity verification (shared/idv, VerificationFunction, and customer service's decision):
// what it adds to the vocabulary. Kept in a file of its own so the flows' lists stay as they are.

// Event types of identity verification, written with the decision they describe.
const (
	EventIdentityVerified = "identity_verified" // a case was approved: the level rose (DetailLevel) and the ID document is fixed
	EventIdentityRejected = "identity_rejected" // a case was rejected (DetailReason: its reason code)
)

// DetailLevel is identity_verified's level after the approval (phone, real_name, verified);
// DetailCaseID names the case of either event.
const (
	DetailLevel  = "level"
	DetailCaseID = "caseId"
)

// Codes of identity verification.
const (
	CodeVerificationOpen      Code = "verification_open"      // a case is pending already: one at a time
	CodeVerificationDecided   Code = "verification_decided"   // a decision other than the one the case has already
	CodeTooManyVerifications  Code = "too_many_verifications" // IDV_MAX_ATTEMPTS cases in 30 days (Retry-After)
	CodeDocumentMismatch      Code = "document_mismatch"      // the profile holds another ID document or citizenship
	CodeInvalidSignature      Code = "invalid_signature"      // a callback without a valid HMAC signature
	CodeSignatureExpired      Code = "signature_expired"      // a callback whose timestamp is over 5 minutes off
	CodeReplayed              Code = "replayed"               // a callback already received (same signature)
	CodeVerificationAlreadyAt Code = "level_already_reached"  // the account is at the level, or above, a case could give
)

// The reason codes a rejection records, besides the vendor's or customer service's own.
const (
	ReasonDocumentMismatch = "document_mismatch" // the approval would have replaced another ID document
	ReasonAccountClosed    = "account_closed"    // the account closed before the decision
	ReasonProviderFailed   = "provider_unavailable"
)
