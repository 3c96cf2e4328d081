package account

import "time"

// Event types: security events written with the change they describe (the outbox).
const (
	EventAccountCreated         = "account_created"
	EventNewDeviceLogin         = "new_device_login"
	EventDeviceSecretReused     = "device_secret_reused" // a replaced device secret came back: the device was revoked
	EventAccountFrozen          = "account_frozen"
	EventPasswordReset          = "password_reset"
	EventPasswordChanged        = "password_changed" // by the signed-in holder, with the current password and fresh proof
	EventPaymentPasswordReset   = "payment_password_reset"
	EventPaymentPasswordChanged = "payment_password_changed" // by the signed-in holder, with the current one and fresh proof
	EventSecurityAnswersChanged = "security_answers_changed" // by the signed-in holder, with the payment password and fresh proof
	EventPhoneChangeStarted     = "phone_change_started"
	EventPhoneChanged           = "phone_changed"
	EventPhoneChangeCancelled   = "phone_change_cancelled"
	EventInactivityWarning      = "inactivity_warning"
	EventAccountClosed          = "account_closed"
	EventLargeTransaction       = "large_transaction"
	EventPasskeyAdded           = "passkey_added"
	EventPasskeyRemoved         = "passkey_removed"
	EventPasskeyClone           = "passkey_clone_suspected" // an assertion refused: its sign count did not go up
	EventProtectionWeakened     = "protection_weakened"     // an alert setting turned off or made less protective
	EventBankCardUnlinked       = "bank_card_unlinked"
	EventIdentityDetailsSet     = "identity_details_set" // citizenship or the ID document set after signup, with fresh proof
	EventActivityReported       = "activity_reported"    // "this wasn't me" on an activity entry; written with the freeze it causes
	EventDeletionRequested      = "deletion_requested"   // the holder asked to delete the account; it closes at DetailEffectiveAt
	EventDeletionCancelled      = "deletion_cancelled"   // by the holder, or by the sweep when a precondition failed (DetailReason)
	EventEmailChanged           = "email_changed"        // an address bound by its code (the first, or in place of the old one)
	EventEmailRemoved           = "email_removed"        // the bound address removed by the signed-in holder
)

// The values of DetailReason.
const (
	ClosedInactivity          = "inactivity"
	ClosedDeletion            = "deletion"
	ClosedSupport             = "support" // closed by customer service
	DeletionCancelledByHolder = "holder"
)

// The values of DetailFields: what identity_details_set set.
const (
	IdentityCitizenship = "citizenship"
	IdentityIDDocument  = "idDocument"
)

// Event is a security event about an account.
type Event struct {
	ID      string // ULID: sortable by time
	Type    string
	At      time.Time
	Details map[string]string // masked values only: never a secret or a full number; keys below
}

// The keys of an event's Details. The flows that write an event and the alert planner that reads
// it both name a key by its constant, so a misspelt key is a compile error on either side. The
// values are what the stream delivers and the table keeps: changing one is a change of format.
const (
	DetailPlatform      = "platform"        // new_device_login, device_secret_reused: the device's platform (ios, android, ...)
	DetailVia           = "via"             // account_frozen: what proved it (session, code, alert)
	DetailMethod        = "method"          // password_reset: "identity" when reset without an SMS code
	DetailClosesOn      = "closesOn"        // inactivity_warning: the day of closure, YYYY-MM-DD
	DetailReason        = "reason"          // account_closed: why (ClosedInactivity, ClosedDeletion); deletion_cancelled: DeletionCancelledByHolder or a refusal's code
	DetailAmount        = "amount"          // large_transaction: a decimal string, as the payments system sent it
	DetailCurrency      = "currency"        // large_transaction: ISO 4217
	DetailMerchant      = "merchant"        // large_transaction: the merchant's name
	DetailChangeID      = "changeId"        // phone change events: the change's full id (JoinChangeID)
	DetailOldPhone      = "oldPhone"        // phone change events: the old number, masked
	DetailNewPhone      = "newPhone"        // phone change events: the new number, masked; absent until proven
	DetailEffectiveAt   = "effectiveAt"     // phone change events: RFC 3339; absent unless the change is on hold
	DetailPasskeyID     = "passkeyId"       // passkey events: the passkey's id (never its name, which the holder chose)
	DetailWeakened      = "weakened"        // protection_weakened: what was weakened, comma-separated (alert.Weakening)
	DetailLast4         = "last4"           // bank_card_unlinked: the card's last 4 digits
	DetailReportedEvent = "reportedEventId" // activity_reported: the id of the event reported
	DetailFields        = "fields"          // identity_details_set: what was set, comma-separated (IdentityCitizenship, IdentityIDDocument)
	DetailEmail         = "email"           // email_changed: the new address, masked (account.MaskEmail)
	DetailOldEmail      = "oldEmail"        // email_changed, email_removed: the address before, masked; absent when there was none
)
