package faults

import (
	"fmt"

	"github.com/wallet-accounts/wallet/shared/account"
)

// The events and audit items of customer service (the internal API, shared/support).

// supportRules tie customer service's events to their changes (see Rules).
func supportRules() []Rule {
	return []Rule{
		// Customer service's unfreeze; a holder's login reset also unfreezes, and says so with
		// password_reset.
		{account.EventAccountUnfrozen, func(d Diff, id string) bool {
			return attrChange(d, id, "status") && d.Before.account(id).S("status") == string(account.StatusFrozen) &&
				d.After.account(id).S("status") == string(account.StatusActive) && auditAdded(d, id, "unfreeze") > 0
		}},
		{account.EventAccountClosed, func(d Diff, id string) bool {
			return attrChange(d, id, "status") && d.After.account(id).S("status") == string(account.StatusClosed)
		}},
		{account.EventFlagsChanged, func(d Diff, id string) bool { return attrChange(d, id, "blocks") }},
		{account.EventSessionsEndedBySupport, func(d Diff, id string) bool { return auditAdded(d, id, "sign_out") > 0 }},
	}
}

// auditAdded counts the audit items of account id the request added with action ("" for any).
func auditAdded(d Diff, id, action string) int {
	n := 0
	for _, k := range d.Added {
		if kindOf(k) == kindAudit && accountOf(k) == id && (action == "" || d.After[k].S("action") == action) {
			n++
		}
	}
	return n
}

// checkAudits holds every request to the audit's promise: an audit item is written exactly when
// customer service changed the account, once, recording the version it wrote and the status the
// account had before and has after.
func checkAudits(d Diff) []string {
	var bad []string
	for _, id := range touchedAccounts(d) {
		n := auditAdded(d, id, "")
		before, after := d.Before.account(id), d.After.account(id)
		moved := before != nil && after != nil && before.N("version") != after.N("version")
		switch {
		case n > 1:
			bad = append(bad, fmt.Sprintf("account %s: %d audit items in one request", id, n))
		case n == 1 && !moved:
			bad = append(bad, fmt.Sprintf("account %s: an audit item without a change of the account", id))
		case n == 1:
			for _, k := range d.Added {
				if kindOf(k) != kindAudit || accountOf(k) != id {
					continue
				}
				a := d.After[k]
				if a.N("version") != after.N("version") || a.S("statusBefore") != before.S("status") || a.S("statusAfter") != after.S("status") {
					bad = append(bad, fmt.Sprintf("account %s: audit %s says %s->%s v%v, the account went %s->%s v%v", id, k,
						a.S("statusBefore"), a.S("statusAfter"), a.N("version"), before.S("status"), after.S("status"), after.N("version")))
				}
			}
		}
	}
	return bad
}
