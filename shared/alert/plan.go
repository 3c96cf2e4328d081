package alert

import (
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
)

// Who hears about what:
//
//	new_device_login, password_reset, payment_password_reset,
//	inactivity_warning, large_transaction        the account's phone, with a freeze link
//	account_frozen                               the account's phone, no link (it is frozen)
//	account_closed                               the account's phone, no link (a closed account
//	                                             cannot be frozen; the link would not work)
//	phone_change_started                         the old number (the identity path's hold), link
//	phone_changed                                the old and the new number, each with a link
//	phone_change_cancelled                       the old number, with a link, only when the change
//	                                             had been announced to it (it was on hold);
//	                                             cancelling an unfinished change it never heard
//	                                             of tells it nothing
//	account_created                              nobody: the owner proved the phone with a code
//	                                             seconds before; there is nothing to act on
//
// The numbers of a phone change come from its item (ACCOUNT#<id>/PHONECHANGE#<id>): the
// account's phone is already the new one when phone_changed is delivered.

// message is one SMS of an alert.
type message struct {
	role     Role
	to       string // E.164
	template courier.Template
	data     map[string]any // without Link: the token is made when the SMS is claimed
	link     bool           // it carries a one-tap freeze link
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
	loc := s.zoneOf(a)
	data := map[string]any{"When": when(ev.At, loc)}
	link := a.Status != account.StatusClosed // a closed account cannot be frozen
	self := func(t courier.Template, withLink bool) []message {
		return []message{{role: RoleAccount, to: a.Phone, template: t, data: data, link: withLink && link}}
	}
	switch ev.Type {
	case account.EventNewDeviceLogin:
		data["Platform"] = platformName(ev.Details["platform"])
		return self(courier.TemplateNewDeviceLogin, true)
	case account.EventPasswordReset:
		return self(courier.TemplatePasswordReset, true)
	case account.EventPaymentPasswordReset:
		return self(courier.TemplatePaymentPasswordReset, true)
	case account.EventAccountFrozen:
		return self(courier.TemplateAccountFrozen, false)
	case account.EventInactivityWarning:
		data["ClosesOn"] = ev.Details["closesOn"]
		return self(courier.TemplateInactivityWarning, true)
	case account.EventAccountClosed:
		return self(courier.TemplateAccountClosed, false)
	case account.EventLargeTransaction:
		data["Amount"], data["Currency"], data["Merchant"] = FormatAmount(ev.Details["amount"]), ev.Details["currency"], ev.Details["merchant"]
		return self(courier.TemplateLargeTransaction, true)
	case account.EventPhoneChangeStarted, account.EventPhoneChanged, account.EventPhoneChangeCancelled:
		return s.planChange(ev, nums, data, link, loc)
	}
	return nil // account_created, and types this version does not know
}

// planChange addresses the alerts about a phone change.
func (s *Service) planChange(ev account.Event, nums *Numbers, data map[string]any, link bool, loc *time.Location) []message {
	if nums == nil || nums.OldPhone == "" {
		return nil
	}
	data["OldPhone"] = masked(nums.OldPhone, ev.Details["oldPhone"])
	data["NewPhone"] = masked(nums.NewPhone, ev.Details["newPhone"])
	data["EffectiveAt"] = ""
	if at, err := time.Parse(time.RFC3339, ev.Details["effectiveAt"]); err == nil {
		data["EffectiveAt"] = when(at, loc)
	}
	old := message{role: RoleOld, to: nums.OldPhone, data: data, link: link}
	switch ev.Type {
	case account.EventPhoneChangeStarted:
		old.template = courier.TemplatePhoneChangeStarted
		return []message{old}
	case account.EventPhoneChangeCancelled:
		if ev.Details["effectiveAt"] == "" { // never on hold: the old number was never told
			return nil
		}
		old.template = courier.TemplatePhoneChangeCancelled
		return []message{old}
	}
	old.template = courier.TemplatePhoneChangedOld
	msgs := []message{old}
	if nums.NewPhone != "" {
		msgs = append(msgs, message{role: RoleNew, to: nums.NewPhone, template: courier.TemplatePhoneChangedNew, data: data, link: link})
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
