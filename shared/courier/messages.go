package courier

import (
	"maps"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Template names a message: its texts are "<template>.en" and "<template>.zh".
type Template string

// Text is the data of one message, typed: every template has its own struct below, whose fields
// are exactly what its text shows, so that a missing or misspelt field is a compile error and
// not a failed render. NewMessage turns one into a Message.
type Text interface {
	// data returns the text's template and the data it renders with, by field name.
	data() (Template, map[string]any)
}

// NewMessage returns the message that sends t to the phone number to (E.164) in lang.
func NewMessage(to, lang string, t Text) Message {
	tpl, data := t.data()
	return Message{To: to, Template: tpl, Lang: lang, Data: data}
}

// The messages about codes.
const (
	TemplateCode          Template = "code"
	TemplateAccountExists Template = "account_exists"
)

// Code delivers a one-time code.
type Code struct {
	Code    string
	Purpose account.Purpose // the text says what the code is for
	Minutes int             // how long the code is valid
}

func (t Code) data() (Template, map[string]any) {
	return TemplateCode, map[string]any{"Code": t.Code, "Purpose": t.Purpose, "Minutes": t.Minutes}
}

// AccountExists answers a signup code request for a number that already has an account: it
// tells the owner instead of sending a code.
type AccountExists struct{}

func (AccountExists) data() (Template, map[string]any) { return TemplateAccountExists, nil }

// The alerts (package alert).
const (
	TemplateNewDeviceLogin         Template = "alert_new_device_login"
	TemplateDeviceSecretReused     Template = "alert_device_secret_reused"
	TemplatePasswordReset          Template = "alert_password_reset"
	TemplatePasswordChanged        Template = "alert_password_changed"
	TemplatePaymentPasswordChanged Template = "alert_payment_password_changed"
	TemplateSecurityAnswersChanged Template = "alert_security_answers_changed"
	TemplatePaymentPasswordReset   Template = "alert_payment_password_reset"
	TemplatePhoneChangeStarted     Template = "alert_phone_change_started"
	TemplatePhoneChangedOld        Template = "alert_phone_changed_old"
	TemplatePhoneChangedNew        Template = "alert_phone_changed_new"
	TemplatePhoneChangeCancelled   Template = "alert_phone_change_cancelled"
	TemplateAccountFrozen          Template = "alert_account_frozen"
	TemplateInactivityWarning      Template = "alert_inactivity_warning"
	TemplateAccountClosed          Template = "alert_account_closed"
	TemplateLargeTransaction       Template = "alert_large_transaction"
	TemplatePasskeyAdded           Template = "alert_passkey_added"
	TemplatePasskeyRemoved         Template = "alert_passkey_removed"
	TemplatePasskeyClone           Template = "alert_passkey_clone_suspected"
	TemplateProtectionWeakened     Template = "alert_protection_weakened"
	TemplateBankCardUnlinked       Template = "alert_bank_card_unlinked"
	TemplateIdentityDetailsSet     Template = "alert_identity_details_set"
	TemplateDeletionRequested      Template = "alert_deletion_requested"
	TemplateDeletionCancelled      Template = "alert_deletion_cancelled"
	TemplateAccountDeleted         Template = "alert_account_deleted"
	TemplateEmailChanged           Template = "alert_email_changed"
	TemplateEmailRemoved           Template = "alert_email_removed"
)

// Alerts lists every alert template, for tests that render them all.
var Alerts = []Template{TemplateNewDeviceLogin, TemplateDeviceSecretReused, TemplatePasswordReset, TemplatePasswordChanged, TemplatePaymentPasswordChanged, TemplateSecurityAnswersChanged, TemplatePaymentPasswordReset,
	TemplatePhoneChangeStarted, TemplatePhoneChangedOld, TemplatePhoneChangedNew, TemplatePhoneChangeCancelled,
	TemplateAccountFrozen, TemplateInactivityWarning, TemplateAccountClosed, TemplateLargeTransaction,
	TemplatePasskeyAdded, TemplatePasskeyRemoved, TemplatePasskeyClone, TemplateProtectionWeakened, TemplateBankCardUnlinked, TemplateIdentityDetailsSet,
	TemplateDeletionRequested, TemplateDeletionCancelled, TemplateAccountDeleted, TemplateEmailChanged, TemplateEmailRemoved,
	TemplateSupportFrozen, TemplateAccountUnfrozen, TemplateSupportClosed, TemplateIdentityVerified, TemplateIdentityRejected, TemplatePasswordFreeEnabled}

// The alert texts. When is the time of what happened, in the account's time zone; numbers are
// masked; none carries a code or password. Every alert's data has Link too: "" (the text has no
// "this wasn't me" sentence) until WithLink gives it the one-tap freeze link, which is made only
// when the SMS is claimed.

// NewDeviceLogin: a sign-in on a device the account never used.
type NewDeviceLogin struct {
	When     string
	Platform string // a display name, or ""
}

func (t NewDeviceLogin) data() (Template, map[string]any) {
	return alert(TemplateNewDeviceLogin, map[string]any{"When": t.When, "Platform": t.Platform})
}

// DeviceSecretReused: a device's replaced secret came back, so the device was signed out and
// must prove itself again.
type DeviceSecretReused struct {
	When     string
	Platform string // a display name, or ""
}

func (t DeviceSecretReused) data() (Template, map[string]any) {
	return alert(TemplateDeviceSecretReused, map[string]any{"When": t.When, "Platform": t.Platform})
}

// PasswordReset: the login password was reset.
type PasswordReset struct{ When string }

func (t PasswordReset) data() (Template, map[string]any) {
	return alert(TemplatePasswordReset, map[string]any{"When": t.When})
}

// PasswordChanged: the signed-in holder changed the login password.
type PasswordChanged struct{ When string }

func (t PasswordChanged) data() (Template, map[string]any) {
	return alert(TemplatePasswordChanged, map[string]any{"When": t.When})
}

// PaymentPasswordChanged: the signed-in holder changed the payment password.
type PaymentPasswordChanged struct{ When string }

func (t PaymentPasswordChanged) data() (Template, map[string]any) {
	return alert(TemplatePaymentPasswordChanged, map[string]any{"When": t.When})
}

// SecurityAnswersChanged: the signed-in holder replaced the security answers.
type SecurityAnswersChanged struct{ When string }

func (t SecurityAnswersChanged) data() (Template, map[string]any) {
	return alert(TemplateSecurityAnswersChanged, map[string]any{"When": t.When})
}

// PaymentPasswordReset: the payment password was reset.
type PaymentPasswordReset struct{ When string }

func (t PaymentPasswordReset) data() (Template, map[string]any) {
	return alert(TemplatePaymentPasswordReset, map[string]any{"When": t.When})
}

// PhoneChangeStarted goes to the old number when an identity-path change starts its hold. It
// says when the change takes effect, not when it was asked: that is about when the text arrives,
// and a second time would not leave it one part.
type PhoneChangeStarted struct{ NewPhone, EffectiveAt string }

func (t PhoneChangeStarted) data() (Template, map[string]any) {
	return alert(TemplatePhoneChangeStarted, map[string]any{"NewPhone": t.NewPhone, "EffectiveAt": t.EffectiveAt})
}

// PhoneChangedOld goes to the old number when a change completes.
type PhoneChangedOld struct{ When, NewPhone string }

func (t PhoneChangedOld) data() (Template, map[string]any) {
	return alert(TemplatePhoneChangedOld, map[string]any{"When": t.When, "NewPhone": t.NewPhone})
}

// PhoneChangedNew goes to the new number when a change completes.
type PhoneChangedNew struct{ When, OldPhone string }

func (t PhoneChangedNew) data() (Template, map[string]any) {
	return alert(TemplatePhoneChangedNew, map[string]any{"When": t.When, "OldPhone": t.OldPhone})
}

// PhoneChangeCancelled goes to the old number when a change on hold is cancelled.
type PhoneChangeCancelled struct {
	When     string
	NewPhone string // may be ""
}

func (t PhoneChangeCancelled) data() (Template, map[string]any) {
	return alert(TemplatePhoneChangeCancelled, map[string]any{"When": t.When, "NewPhone": t.NewPhone})
}

// AccountFrozen: the account was frozen (never with a link).
type AccountFrozen struct{ When string }

func (t AccountFrozen) data() (Template, map[string]any) {
	return alert(TemplateAccountFrozen, map[string]any{"When": t.When})
}

// InactivityWarning: the account will be closed for inactivity.
type InactivityWarning struct {
	ClosesOn string // YYYY-MM-DD
}

func (t InactivityWarning) data() (Template, map[string]any) {
	return alert(TemplateInactivityWarning, map[string]any{"ClosesOn": t.ClosesOn})
}

// AccountClosed: the account was closed for inactivity (never with a link).
type AccountClosed struct{ When string }

func (t AccountClosed) data() (Template, map[string]any) {
	return alert(TemplateAccountClosed, map[string]any{"When": t.When})
}

// LargeTransaction: a transaction at or above the account's threshold.
type LargeTransaction struct {
	When     string
	Amount   string // a grouped decimal: 12,000.00
	Currency string
	Merchant string // a text shows at most 20 characters of it, and an English one only if it is GSM-7
}

func (t LargeTransaction) data() (Template, map[string]any) {
	return alert(TemplateLargeTransaction, map[string]any{"When": t.When, "Amount": t.Amount, "Currency": t.Currency, "Merchant": t.Merchant})
}

// PasskeyAdded: a passkey was added to the account (its name, which the holder chose, is not
// shown: an SMS carries no text a signed-in stranger could write).
type PasskeyAdded struct{ When string }

func (t PasskeyAdded) data() (Template, map[string]any) {
	return alert(TemplatePasskeyAdded, map[string]any{"When": t.When})
}

// PasskeyRemoved: a passkey was removed from the account.
type PasskeyRemoved struct{ When string }

func (t PasskeyRemoved) data() (Template, map[string]any) {
	return alert(TemplatePasskeyRemoved, map[string]any{"When": t.When})
}

// PasskeyClone: an assertion was refused because its passkey's counter went backwards.
type PasskeyClone struct{ When string }

func (t PasskeyClone) data() (Template, map[string]any) {
	return alert(TemplatePasskeyClone, map[string]any{"When": t.When})
}

// ProtectionWeakened: an alert setting was turned off or made less protective. Nighttime is the
// nighttime protection (off, or its window narrowed), LargeTransaction the large-payment SMS
// (off, or its threshold raised); at least one is true.
type ProtectionWeakened struct {
	When             string
	Nighttime        bool
	LargeTransaction bool
}

func (t ProtectionWeakened) data() (Template, map[string]any) {
	return alert(TemplateProtectionWeakened, map[string]any{"When": t.When, "Nighttime": t.Nighttime, "LargeTransaction": t.LargeTransaction})
}

// BankCardUnlinked: a bank card was unlinked from the account; Last4 are its last 4 digits.
type BankCardUnlinked struct {
	When  string
	Last4 string
}

func (t BankCardUnlinked) data() (Template, map[string]any) {
	return alert(TemplateBankCardUnlinked, map[string]any{"When": t.When, "Last4": t.Last4})
}

// IdentityDetailsSet: citizenship or an ID document was added to the profile after signup.
// Citizenship and IDDocument say which; at least one is true.
type IdentityDetailsSet struct {
	When        string
	Citizenship bool
	IDDocument  bool
}

func (t IdentityDetailsSet) data() (Template, map[string]any) {
	return alert(TemplateIdentityDetailsSet, map[string]any{"When": t.When, "Citizenship": t.Citizenship, "IDDocument": t.IDDocument})
}

// DeletionRequested: the holder asked to delete the account; it closes at EffectiveAt unless
// cancelled. As PhoneChangeStarted, it says when the account closes, not when it was asked.
type DeletionRequested struct {
	EffectiveAt string
}

func (t DeletionRequested) data() (Template, map[string]any) {
	return alert(TemplateDeletionRequested, map[string]any{"EffectiveAt": t.EffectiveAt})
}

// DeletionCancelled: a pending deletion was cancelled. Reason is account.DeletionCancelledByHolder,
// or the code of the precondition that failed when it fell due (cards_linked,
// phone_change_pending, account_flagged, account_frozen).
type DeletionCancelled struct {
	When   string
	Reason string
}

func (t DeletionCancelled) data() (Template, map[string]any) {
	return alert(TemplateDeletionCancelled, map[string]any{"When": t.When, "ByHolder": t.Reason == account.DeletionCancelledByHolder,
		"Cards": t.Reason == string(account.CodeCardsLinked), "PhoneChange": t.Reason == string(account.CodePhoneChangePending),
		"Frozen": t.Reason == string(account.CodeAccountFrozen)})
}

// AccountDeleted: the account was closed because its holder asked.
type AccountDeleted struct{ When string }

func (t AccountDeleted) data() (Template, map[string]any) {
	return alert(TemplateAccountDeleted, map[string]any{"When": t.When})
}

// EmailChanged: an email address was bound to the account by its code (the first, or in place
// of another); Email is the new address, masked.
type EmailChanged struct {
	When  string
	Email string
}

func (t EmailChanged) data() (Template, map[string]any) {
	return alert(TemplateEmailChanged, map[string]any{"When": t.When, "Email": t.Email})
}

// EmailRemoved: the signed-in holder removed the account's email address; OldEmail, masked.
type EmailRemoved struct {
	When     string
	OldEmail string
}

func (t EmailRemoved) data() (Template, map[string]any) {
	return alert(TemplateEmailRemoved, map[string]any{"When": t.When, "OldEmail": t.OldEmail})
}

// The mail messages: each has a subject ("<template>.subject.<lang>") and a plain-text body
// ("<template>.<lang>"); a Mailer sends them. To is an email address.
const (
	TemplateEmailCode     Template = "email_code"
	TemplateEmailReplaced Template = "email_replaced"
	TemplateEmailDropped  Template = "email_removed"
)

// Mails lists every mail template, for tests that render them all.
var Mails = []Template{TemplateEmailCode, TemplateEmailReplaced, TemplateEmailDropped}

// Mail reports whether t is a mail template (sent by a Mailer, with a subject).
func (t Template) Mail() bool {
	for _, m := range Mails {
		if t == m {
			return true
		}
	}
	return false
}

// EmailCode delivers the code that binds an email address to the account asking.
type EmailCode struct {
	Code    string
	Minutes int // how long the code is valid
}

func (t EmailCode) data() (Template, map[string]any) {
	return TemplateEmailCode, map[string]any{"Code": t.Code, "Minutes": t.Minutes}
}

// EmailReplaced tells the address a verified one replaced (email_changed) that it no longer
// belongs to the account; NewEmail, masked. It carries the freeze link (WithLink).
type EmailReplaced struct {
	When     string
	NewEmail string
}

func (t EmailReplaced) data() (Template, map[string]any) {
	return alert(TemplateEmailReplaced, map[string]any{"When": t.When, "NewEmail": t.NewEmail})
}

// EmailDropped tells a removed address (email_removed) that it no longer belongs to the account.
// It carries the freeze link (WithLink).
type EmailDropped struct{ When string }

func (t EmailDropped) data() (Template, map[string]any) {
	return alert(TemplateEmailDropped, map[string]any{"When": t.When})
}

// alert is the data of an alert text: data and no link yet.
func alert(tpl Template, data map[string]any) (Template, map[string]any) {
	data["Link"] = ""
	return tpl, data
}

// WithLink returns m with the one-tap freeze link its alert text offers; m is not changed.
func (m Message) WithLink(link string) Message {
	data := make(map[string]any, len(m.Data)+1)
	maps.Copy(data, m.Data)
	data["Link"] = link
	m.Data = data
	return m
}
