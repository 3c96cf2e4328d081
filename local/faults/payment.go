package faults

import (
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/money"
)

// paymentRules are the events of the payment flows.
func paymentRules() []Rule {
	return []Rule{
		{account.EventLargeTransaction, func(d Diff, id string) bool {
			// An authorization of the account became approved at or over the holder's threshold.
			threshold := alertsOf(d.After.account(id)).LargeTransaction
			return anyKey(d.Touched(), func(k string) bool {
				a, b := d.Before[k], d.After[k]
				if kindOf(k) != kindAuthz || b.S("accountId") != id || b.S("status") != "approved" || a.S("status") == "approved" {
					return false
				}
				large, _ := alert.Large(threshold, money.Format(int64(b.N("amount")), b.S("currency")), b.S("currency"))
				return large
			})
		}},
		{account.EventPasswordFreeEnabled, func(d Diff, id string) bool {
			// The settings now allow more without a password than before.
			k := "ACCOUNT#" + id + "|PAYSETTINGS"
			a, b := d.Before[k], d.After[k]
			on := func(it Item) bool { v, _ := it["passwordFree"].(bool); return v }
			return b != nil && on(b) && (!on(a) || a.S("currency") != b.S("currency") || b.N("perPayment") > a.N("perPayment") || b.N("daily") > a.N("daily"))
		}},
	}
}
