package faults

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
)

// Rule ties a security event to the change it describes: a request writes the event exactly
// when it makes the change (the outbox is written in the change's transaction). A flow that
// emits a new event type adds its Rule to Rules; an event without one is reported.
type Rule struct {
	Event string
	// Changed reports whether the diff shows the change on the account id.
	Changed func(d Diff, id string) bool
}

// Rules are the security events that flows write today, with their changes.
func Rules() []Rule {
	return append(append(append(flowRules(), supportRules()...), paymentRules()...), idvRules()...)
}

// flowRules are the events of the public API's flows.
func flowRules() []Rule {
	return []Rule{
		{account.EventNewDeviceLogin, func(d Diff, id string) bool {
			// A device enrolled: added, or re-enrolled under its id after proving nothing.
			return d.Before.account(id) != nil && (anyKey(d.Added, func(k string) bool { return kindOf(k) == kindDevice && accountOf(k) == id }) ||
				anyKey(d.Change, func(k string) bool {
					return kindOf(k) == kindDevice && accountOf(k) == id && fmt.Sprint(d.Before[k]["enrolledAt"]) != fmt.Sprint(d.After[k]["enrolledAt"])
				}))
		}},
		{account.EventDeviceSecretReused, func(d Diff, id string) bool {
			return anyKey(d.Change, func(k string) bool {
				return kindOf(k) == kindDevice && accountOf(k) == id && d.After[k]["revokedAt"] != nil && d.Before[k]["revokedAt"] == nil
			})
		}},
		{account.EventAccountFrozen, func(d Diff, id string) bool {
			return attrChange(d, id, "status") && d.After.account(id).S("status") == string(account.StatusFrozen)
		}},
		{account.EventPasswordReset, func(d Diff, id string) bool {
			return attrChange(d, id, "loginHash") && attrChange(d, id, "passwordResetAt")
		}},
		{account.EventPasswordChanged, func(d Diff, id string) bool {
			return attrChange(d, id, "loginHash") && !attrChange(d, id, "passwordResetAt")
		}},
		{account.EventPaymentPasswordReset, func(d Diff, id string) bool {
			return attrChange(d, id, "paymentHash") && attrChange(d, id, "passwordResetAt")
		}},
		{account.EventPaymentPasswordChanged, func(d Diff, id string) bool {
			return attrChange(d, id, "paymentHash") && !attrChange(d, id, "passwordResetAt")
		}},
		{account.EventSecurityAnswersChanged, func(d Diff, id string) bool {
			// The answers live in an item of their own (shared/dynamo's answersKey).
			return slices.Contains(d.Change, "ACCOUNT#"+id+"|ANSWERS")
		}},
		{account.EventPhoneChangeStarted, func(d Diff, id string) bool { return changeMovedTo(d, id, "pending") }},
		{account.EventPhoneChanged, func(d Diff, id string) bool {
			return d.Before.account(id) != nil && attrChange(d, id, "phone")
		}},
		{account.EventPhoneChangeCancelled, func(d Diff, id string) bool { return changeMovedTo(d, id, "cancelled") }},
		{account.EventPasskeyAdded, func(d Diff, id string) bool { return anyKey(d.Added, passkeyOf(id)) }},
		{account.EventPasskeyRemoved, func(d Diff, id string) bool { return anyKey(d.Removed, passkeyOf(id)) }},
		{account.EventPasskeyClone, func(d Diff, id string) bool {
			return anyKey(d.Change, func(k string) bool {
				return passkeyOf(id)(k) && d.After[k].N("cloneWarnedAt") != d.Before[k].N("cloneWarnedAt")
			})
		}},
		{account.EventProtectionWeakened, func(d Diff, id string) bool {
			// The account's alert settings changed, and alert.Weakenings calls the change weaker.
			a, b := d.Before.account(id), d.After.account(id)
			return a != nil && b != nil && len(alert.Weakenings(alertsOf(a), alertsOf(b))) > 0
		}},
		{account.EventBankCardUnlinked, func(d Diff, id string) bool {
			return anyKey(d.Removed, func(k string) bool { return kindOf(k) == kindCard && accountOf(k) == id })
		}},
		{account.EventActivityReported, func(d Diff, id string) bool {
			// The account was frozen by a report: its account_frozen says so.
			return attrChange(d, id, "status") && anyKey(d.Added, func(k string) bool {
				details, _ := d.After[k]["details"].(map[string]any)
				return kindOf(k) == kindEvent && accountOf(k) == id && d.After[k].S("type") == account.EventAccountFrozen && details[account.DetailVia] == "report"
			})
		}},
		{account.EventDeletionRequested, func(d Diff, id string) bool {
			a, b := d.Before.account(id), d.After.account(id)
			return a != nil && b != nil && a["deletionDueAt"] == nil && b["deletionDueAt"] != nil
		}},
		{account.EventDeletionCancelled, func(d Diff, id string) bool {
			a, b := d.Before.account(id), d.After.account(id)
			return a != nil && b != nil && a["deletionDueAt"] != nil && b["deletionDueAt"] == nil && b.S("status") != string(account.StatusClosed)
		}},
		{account.EventIdentityDetailsSet, func(d Diff, id string) bool {
			// Citizenship or an ID document appeared (a rehash moves an ID's hash, never adds one),
			// but for an identity verification's approval, which says so with identity_verified.
			a, b := d.Before.account(id), d.After.account(id)
			if a == nil || b == nil || caseDecided(d, id, "approved") {
				return false
			}
			was, is := profileOf(a), profileOf(b)
			return (was.S("citizenship") == "" && is.S("citizenship") != "") || (was.B("idHash") == nil && is.B("idHash") != nil)
		}},
		{account.EventEmailChanged, func(d Diff, id string) bool {
			// The account's verified email became another, whose claim the request took.
			a, b := d.Before.account(id), d.After.account(id)
			return a != nil && b != nil && verifiedEmail(b) != "" && verifiedEmail(a) != verifiedEmail(b) &&
				added(d, "EMAIL#"+verifiedEmail(b)+"|EMAIL")
		}},
		{account.EventEmailRemoved, func(d Diff, id string) bool {
			a, b := d.Before.account(id), d.After.account(id)
			return a != nil && b != nil && profileEmail(a) != "" && profileEmail(b) == ""
		}},
	}
}

// profileOf reads an account item's profile map (shared/dynamo's profileItem).
func profileOf(acct Item) Item {
	m, _ := acct["profile"].(map[string]any)
	return Item(m)
}

// alertsOf reads an account item's alert settings (the "alerts" map of shared/dynamo's
// alertsItem; absent while they are the defaults).
func alertsOf(acct Item) account.AlertSettings {
	m, _ := acct["alerts"].(map[string]any)
	it := Item(m)
	on, _ := it["night"].(bool)
	s := account.AlertSettings{Nighttime: account.Nighttime{Enabled: on, Start: it.S("nightStart"), End: it.S("nightEnd"), TimeZone: it.S("timeZone")}}
	if amount := it.S("largeTxAmount"); amount != "" {
		s.LargeTransaction = &account.Money{Amount: amount, Currency: it.S("largeTxCurrency")}
	}
	return s
}

// checkEvents checks, for every account the request touched, that each event was written exactly
// with its change.
func checkEvents(d Diff) []string {
	var bad []string
	rules := map[string]Rule{}
	for _, r := range Rules() {
		rules[r.Event] = r
	}
	written := map[string][]string{} // account -> event types added
	for _, k := range d.Added {
		if kindOf(k) == kindEvent {
			written[accountOf(k)] = append(written[accountOf(k)], d.After[k].S("type"))
		}
	}
	for id, types := range written {
		for _, typ := range types {
			if _, ok := rules[typ]; !ok {
				bad = append(bad, fmt.Sprintf("event %s of account %s has no faults.Rule: add one", typ, id))
			}
		}
	}
	for _, id := range touchedAccounts(d) {
		for _, r := range rules {
			n, changed := count(written[id], r.Event), r.Changed(d, id)
			switch {
			case n > 1:
				bad = append(bad, fmt.Sprintf("account %s: %d %s events in one request", id, n, r.Event))
			case n == 1 && !changed:
				bad = append(bad, fmt.Sprintf("account %s: event %s written without its change", id, r.Event))
			case n == 0 && changed:
				bad = append(bad, fmt.Sprintf("account %s: change without its %s event", id, r.Event))
			}
		}
	}
	return bad
}

// touchedAccounts lists the accounts whose partition the request wrote.
func touchedAccounts(d Diff) []string {
	var ids []string
	for _, k := range d.Touched() {
		if id := accountOf(k); id != "" && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// checkSpent checks that every verification token and freeze token the request spent (its item
// deleted, or a proof's replaced by its spent record), and every passkey ceremony it spent (its
// marker added), has its effect in the same diff: no proof is both spent and its effect missing.
func checkSpent(d Diff) []string {
	var bad []string
	for _, k := range d.Touched() {
		if it := d.Before[k]; kindOf(k) == kindChallenge && spent(d, k) && !proofEffect(d, it) {
			bad = append(bad, fmt.Sprintf("a %s verification token was spent without its effect", it.S("purpose")))
		}
	}
	for _, k := range d.Removed {
		it := d.Before[k]
		switch {
		case kindOf(k) == kindFreezeToken:
			id := it.S("accountId")
			if !attrChange(d, id, "status") || d.After.account(id).S("status") != string(account.StatusFrozen) {
				bad = append(bad, fmt.Sprintf("a freeze token of account %s was spent without freezing it", id))
			}
		}
	}
	for _, k := range d.Added {
		if m := d.After[k]; kindOf(k) == kindCeremony && !ceremonyEffect(d, m) {
			bad = append(bad, fmt.Sprintf("a %s passkey ceremony of account %s was spent without its effect", m.S("purpose"), m.S("accountId")))
		}
	}
	return bad
}

// ceremonyEffect reports whether the diff holds what a passkey ceremony's marker is spent for: a
// registration's new passkey, an assertion's recorded use of one.
func ceremonyEffect(d Diff, marker Item) bool {
	mine := passkeyOf(marker.S("accountId"))
	if marker.S("purpose") == "register" {
		return anyKey(d.Added, mine)
	}
	return anyKey(d.Change, func(k string) bool { return mine(k) && d.After[k].N("lastUsedAt") != d.Before[k].N("lastUsedAt") })
}

// passkeyOf matches the keys of account id's passkeys.
func passkeyOf(id string) func(string) bool {
	return func(k string) bool { return kindOf(k) == kindPasskey && accountOf(k) == id }
}

// proofEffect reports whether the diff holds what the proof's purpose is spent for.
func proofEffect(d Diff, proof Item) bool {
	id := proof.S("accountId")
	switch account.Purpose(proof.S("purpose")) {
	case account.PurposeSignup:
		return anyKey(d.Added, func(k string) bool { return kindOf(k) == kindAccount && d.After[k].S("phone") == proof.S("phone") })
	case account.PurposeLoginStepUp:
		return anyKey(d.Added, func(k string) bool { return kindOf(k) == kindSession && d.After[k].S("accountId") == id })
	case account.PurposeResetLogin:
		return attrChange(d, id, "loginHash")
	case account.PurposeResetPayment:
		return attrChange(d, id, "paymentHash")
	case account.PurposePhoneChangeOld:
		return anyKey(d.Added, func(k string) bool { return kindOf(k) == kindPhoneChange && accountOf(k) == id }) ||
			changeMovedTo(d, id, "cancelled")
	case account.PurposePhoneChangeNew:
		acct, own, _ := strings.Cut(proof.S("changeId"), ".")
		k := "ACCOUNT#" + acct + "|PHONECHANGE#" + own
		return d.After[k] != nil && d.Before[k] != nil && d.After[k].S("state") != d.Before[k].S("state") &&
			(d.After[k].S("state") == "pending" || d.After[k].S("state") == "completed")
	case account.PurposeFreeze:
		return attrChange(d, id, "status") && d.After.account(id).S("status") == string(account.StatusFrozen)
	case account.PurposeEmailBind:
		a := d.After.account(id)
		return a != nil && verifiedEmail(a) == proof.S("email") && added(d, "EMAIL#"+proof.S("email")+"|EMAIL")
	}
	return false
}

func added(d Diff, key string) bool { return d.Before[key] == nil && d.After[key] != nil }

// attrChange reports whether the account id existed before and after and attr changed.
func attrChange(d Diff, id, attr string) bool {
	a, b := d.Before.account(id), d.After.account(id)
	return a != nil && b != nil && fmt.Sprint(a[attr]) != fmt.Sprint(b[attr])
}

// changeMovedTo reports whether one of the account's phone changes moved to state.
func changeMovedTo(d Diff, id, state string) bool {
	return anyKey(d.Change, func(k string) bool {
		return kindOf(k) == kindPhoneChange && accountOf(k) == id && d.After[k].S("state") == state && d.Before[k].S("state") != state
	})
}

func anyKey(keys []string, f func(string) bool) bool {
	for _, k := range keys {
		if f(k) {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
