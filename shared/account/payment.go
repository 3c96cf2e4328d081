package account

// Payments: what payment authorization (shared/payment, PaymentFunction) adds to the vocabulary.

// Codes of the payment routes.
const (
	CodeAuthorizationExpired Code = "authorization_expired"      // its confirmation came after AUTHORIZATION_TTL
	CodeAuthorizationDone    Code = "authorization_not_pending"  // confirmed, captured, voided or expired already
	CodePaymentMismatch      Code = "payment_mismatch"           // a confirmation for another amount, currency or payee
	CodeNotApproved          Code = "authorization_not_approved" // capture of one never approved, or voided or expired
	CodeAlreadyCaptured      Code = "authorization_captured"     // void of a captured one
)

// EventPasswordFreeEnabled: password-free payments turned on or their caps raised, with fresh
// proof and the payment password.
const EventPasswordFreeEnabled = "password_free_enabled"
