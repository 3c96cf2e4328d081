package faults

import (
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
)

// idvRules are identity verification's events: each is written exactly when a case of the
// account leaves pending for its status.
func idvRules() []Rule {
	return []Rule{
		{account.EventIdentityVerified, func(d Diff, id string) bool { return caseDecided(d, id, "approved") }},
		{account.EventIdentityRejected, func(d Diff, id string) bool { return caseDecided(d, id, "rejected") }},
	}
}

// caseDecided reports whether a verification case of account id went from pending to status.
func caseDecided(d Diff, id, status string) bool {
	return anyKey(d.Change, func(k string) bool {
		_, sk, _ := strings.Cut(k, "|")
		return strings.HasPrefix(sk, "IDV#") && accountOf(k) == id && d.Before[k].S("status") == "pending" && d.After[k].S("status") == status
	})
}
