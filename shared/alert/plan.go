package alert

import (
	"slices"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
)

// Who hears about what:
//
//	new_device_login, device_secret_reused, password_reset, password_changed, payment_password_reset,
//	payment_password_changed, security_answers_changed,
//	inactivity_warning, large_transaction,
//	passkey_added, passkey_removed,
//	passkey_clone_suspected,
//	protection_weakened, bank_card_unlinked,
//	identity_details_set                         the account's phone, with a freeze link
//	account_frozen                               the account's phone, no link (it is frozen); by
//	                                             customer service (via support), its own text
//	account_unfrozen                             the account's phone, with a freeze link
//	sessions_ended_by_support, flags_changed     nobody: the holder sees them in the activity list
//	account_closed                               the account's phone, no link (a closed account
//	                                             cannot be frozen; the link would not work); by
//	                                             customer service (reason support), its own text
//	phone_change_started                         the old number (the identity path's hold), link
//	phone_changed                                the old and the new number, each with a link
//	phone_change_cancelled                       the old number, with a link, only when the change
//	                                             had been announced to it (it was on hold);
//	                                             cancelling an unfinished change it never heard
//	                                             of tells it nothing
//	deletion_requested, deletion_cancelled       the account's phone, with a freeze link
//	identity_verified, identity_rejected         the account's phone, with a freeze link (a case
//	                                             the holder did not open is someone else's doing)
//	account_closed (deletion)                    the account's phone, no link
//	email_changed, email_removed                 the account's phone, with a freeze link; and by
//	                                             email the address it took away (when it was a
//	                                             verified one), with a freeze link
//	account_created                              nobody: the owner proved the phone with a code
//	                                             seconds before; there is nothing to act on
//	activity_reported                            nobody: its account_frozen, written with it,
//	                                             tells the phone
//
// The numbers of a phone change come from its item (ACCOUNT#<id>/PHONECHANGE#<id>): the
// account's phone is already the new one when phone_changed is delivered.

// message is one SMS of an alert.
type message struct {
	role Role
	msg  courier.Message // without its link: the token is made when the SMS is claimed
	link bool            // it carries a one-tap freeze link
	mail bool            // an email (courier.Mails), not an SMS
}

// needsNumbers reports whether an alert of type t is addressed by its phone change's numbers.
func needsNumbers(t string) bool {
	switch t {
	case account.EventPhoneChangeStarted, account.EventPhoneChanged, account.EventPhoneChangeCancelled:
		return true
	}
	return false
}

// plan returns the SMS an event sends: nil for an event that sends none. nums is the event's
// phone change, for the types that need one.
func (s *Service) plan(a account.Account, ev account.Event, nums *Numbers) []message {
	loc, lang := s.zoneOf(a), account.Language(a.Lang, s.lang)
	at := when(ev.At, loc)
	canFreeze := a.Status != account.StatusClosed // a closed account cannot be frozen
	to := func(role Role, phone string, t courier.Text) message {
		return message{role: role, msg: courier.NewMessage(phone, lang, t), link: canFreeze}
	}
	self := func(link bool, t courier.Text) []message {
		m := to(RoleAccount, a.Phone, t)
		m.link = m.link && link
		return []message{m}
	}
	switch ev.Type {
	case account.EventNewDeviceLogin:
		return self(true, courier.NewDeviceLogin{When: at, Platform: platformName(ev.Details[account.DetailPlatform])})
	case account.EventDeviceSecretReused:
		return self(true, courier.DeviceSecretReused{When: at, Platform: platformName(ev.Details[account.DetailPlatform])})
	case account.EventPasswordReset:
		return self(true, courier.PasswordReset{When: at})
	case account.EventPasswordChanged:
		return self(true, courier.PasswordChanged{When: at})
	case account.EventPaymentPasswordChanged:
		return self(true, courier.PaymentPasswordChanged{When: at})
	case account.EventSecurityAnswersChanged:
		return self(true, courier.SecurityAnswersChanged{When: at})
	case account.EventPaymentPasswordReset:
		return self(true, courier.PaymentPasswordReset{When: at})
	case account.EventAccountFrozen:
		if ev.Details[account.DetailVia] == account.ViaSupport {
			return self(false, courier.SupportFrozen{When: at})
		}
		return self(false, courier.AccountFrozen{When: at})
	case account.EventAccountUnfrozen:
		return self(true, courier.AccountUnfrozen{When: at})
	case account.EventInactivityWarning:
		return self(true, courier.InactivityWarning{ClosesOn: ev.Details[account.DetailClosesOn]})
	case account.EventAccountClosed:
		if ev.Details[account.DetailReason] == account.ClosedDeletion {
			return self(false, courier.AccountDeleted{When: at})
		}
		if ev.Details[account.DetailReason] == account.ClosedSupport {
			return self(false, courier.SupportClosed{When: at})
		}
		return self(false, courier.AccountClosed{When: at})
	case account.EventDeletionRequested:
		return self(true, courier.DeletionRequested{EffectiveAt: whenDetail(ev.Details[account.DetailEffectiveAt], loc)})
	case account.EventDeletionCancelled:
		return self(true, courier.DeletionCancelled{When: at, Reason: ev.Details[account.DetailReason]})
	case account.EventLargeTransaction:
		return self(true, courier.LargeTransaction{When: at, Amount: FormatAmount(ev.Details[account.DetailAmount]),
			Currency: ev.Details[account.DetailCurrency], Merchant: ev.Details[account.DetailMerchant]})
	case account.EventPasskeyAdded:
		return self(true, courier.PasskeyAdded{When: at})
	case account.EventPasskeyRemoved:
		return self(true, courier.PasskeyRemoved{When: at})
	case account.EventPasskeyClone:
		return self(true, courier.PasskeyClone{When: at})
	case account.EventProtectionWeakened:
		night, large := weakened(ev.Details[account.DetailWeakened])
		return self(true, courier.ProtectionWeakened{When: at, Nighttime: night, LargeTransaction: large})
	case account.EventBankCardUnlinked:
		return self(true, courier.BankCardUnlinked{When: at, Last4: ev.Details[account.DetailLast4]})
	case account.EventIdentityDetailsSet:
		fields := strings.Split(ev.Details[account.DetailFields], ",")
		return self(true, courier.IdentityDetailsSet{When: at, Citizenship: slices.Contains(fields, account.IdentityCitizenship),
			IDDocument: slices.Contains(fields, account.IdentityIDDocument)})
	case account.EventPasswordFreeEnabled:
		return self(true, courier.PasswordFreeEnabled{When: at, PerPayment: FormatAmount(ev.Details[account.DetailAmount]),
			Currency: ev.Details[account.DetailCurrency]})
	case account.EventIdentityVerified:
		return self(true, courier.IdentityVerified{When: at, Verified: ev.Details[account.DetailLevel] == string(account.LevelVerified)})
	case account.EventIdentityRejected:
		return self(true, courier.IdentityRejected{When: at})
	case account.EventEmailChanged:
		return self(true, courier.EmailChanged{When: at, Email: ev.Details[account.DetailEmail]})
	case account.EventEmailRemoved:
		return self(true, courier.EmailRemoved{When: at, OldEmail: ev.Details[account.DetailOldEmail]})
	case account.EventPhoneChangeStarted, account.EventPhoneChanged, account.EventPhoneChangeCancelled:
		return planChange(ev, nums, loc, to)
	}
	return nil // account_created, activity_reported, and types this version does not know
}

// needsReplacedEmail reports whether an alert of type t also tells the email address it took away.
func needsReplacedEmail(t string) bool {
	return t == account.EventEmailChanged || t == account.EventEmailRemoved
}

// planNotice is the email an email change or removal sends to the address it took away
// (replaced, in full; "" for none), with a freeze link.
func (s *Service) planNotice(a account.Account, ev account.Event, replaced string) []message {
	if replaced == "" || a.Status == account.StatusClosed {
		return nil
	}
	lang, at := account.Language(a.Lang, s.lang), when(ev.At, s.zoneOf(a))
	var t courier.Text = courier.EmailDropped{When: at}
	if ev.Type == account.EventEmailChanged {
		t = courier.EmailReplaced{When: at, NewEmail: ev.Details[account.DetailEmail]}
	}
	return []message{{role: RoleOldMail, msg: courier.NewMessage(replaced, lang, t), link: true, mail: true}}
}

// planChange addresses the alerts about a phone change (each with a link); to makes one.
func planChange(ev account.Event, nums *Numbers, loc *time.Location, to func(Role, string, courier.Text) message) []message {
	if nums == nil || nums.OldPhone == "" {
		return nil
	}
	at := when(ev.At, loc)
	oldPhone := masked(nums.OldPhone, ev.Details[account.DetailOldPhone])
	newPhone := masked(nums.NewPhone, ev.Details[account.DetailNewPhone])
	switch ev.Type {
	case account.EventPhoneChangeStarted:
		effectiveAt := whenDetail(ev.Details[account.DetailEffectiveAt], loc)
		return []message{to(RoleOld, nums.OldPhone, courier.PhoneChangeStarted{NewPhone: newPhone, EffectiveAt: effectiveAt})}
	case account.EventPhoneChangeCancelled:
		if ev.Details[account.DetailEffectiveAt] == "" { // never on hold: the old number was never told
			return nil
		}
		return []message{to(RoleOld, nums.OldPhone, courier.PhoneChangeCancelled{When: at, NewPhone: newPhone})}
	}
	msgs := []message{to(RoleOld, nums.OldPhone, courier.PhoneChangedOld{When: at, NewPhone: newPhone})}
	if nums.NewPhone != "" {
		msgs = append(msgs, to(RoleNew, nums.NewPhone, courier.PhoneChangedNew{When: at, OldPhone: oldPhone}))
	}
	return msgs
}

// masked is a number as texts show it: from its E.164 form, else as the event recorded it.
func masked(e164, recorded string) string {
	if m := account.PhoneFromE164(e164).Mask(); m != "" {
		return m
	}
	return recorded
}

// timeLayout is how texts tell the time: local wall clock with its UTC offset, unambiguous
// wherever the reader is.
const timeLayout = "2006-01-02 15:04 UTC-07:00"

// when formats t for a text, in loc.
func when(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }

// whenDetail is an event detail's RFC 3339 time as texts show it; "" when it is not one.
func whenDetail(rfc3339 string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return ""
	}
	return when(t, loc)
}

// platformName is how texts name a device platform; "" for none worth naming.
func platformName(p string) string {
	switch p {
	case "ios":
		return "iOS"
	case "android":
		return "Android"
	case "harmonyos":
		return "HarmonyOS"
	case "web":
		return "web"
	}
	return ""
}
