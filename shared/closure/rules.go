package closure

import (
	"slices"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Policy is when idle accounts are warned and closed, and how far back the job looks.
type Policy struct {
	WarnAfter  int           // months idle before the warning (CLOSURE_WARN_MONTHS)
	CloseAfter int           // months idle before closure (CLOSURE_CLOSE_MONTHS)
	MinNotice  time.Duration // an account is closed no sooner than this after its warning
	Horizon    int           // months back the index is read; older entries are left alone
}

// Subject is what the job knows of one account: the account item's attributes it decides on,
// and the session hashes of its devices when it is about to be closed.
//
// Blocks and Balance are set by other systems (investigations, disputes, the ledger) on the
// account item; flows must update the account item, never replace it, so that they survive.
type Subject struct {
	ID           string
	Status       account.Status
	Phone        string // E.164
	Email        string // the verified address, whose claim is the account's (lower case); "" when none
	LastActiveAt time.Time
	WarnedAt     time.Time // inactivityWarnedAt; zero when never warned
	Blocks       []string  // reasons other systems forbid closure: investigation, dispute, debt
	Balance      Balance
	ClosedAt     time.Time
	ClosedReason string    // why it was closed (closedReason): "" is inactivity, else account.ClosedDeletion or ClosedSupport
	EventID      string    // the account_closed event, also the account.closed message id
	NotifiedAt   time.Time // when account.closed was published; zero while it is owed
	Sessions     [][]byte  // SHA-256 of each device's session token
}

// Balance is the wallet balance the ledger last set on the account item: a decimal amount in
// the currency's major unit ("125.40") and an ISO 4217 code. The zero Balance is zero.
type Balance struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency,omitempty"`
}

// orZero returns b, with amount "0" when the ledger never set one.
func (b Balance) orZero() Balance {
	if b.Amount == "" {
		b.Amount = "0"
	}
	return b
}

// Warned reports whether the account holds a warning about its current idle period: one given
// after its last activity. A warning older than the last activity is void.
func (s Subject) Warned() bool {
	return !s.WarnedAt.IsZero() && !s.WarnedAt.Before(s.LastActiveAt)
}

// Action is what the job does to one account.
type Action int

// The actions, in the order an idle account meets them.
const (
	Wait  Action = iota // not due (yet): nothing to do
	Warn                // idle WarnAfter months and not warned: warn once
	Close               // idle CloseAfter months, warned at least MinNotice ago: close
	Skip                // due, but another system blocks it (Reason says which)
	Gone                // closed already, or no such account
)

// Decision is the action for one account, with the reasons when it is skipped.
type Decision struct {
	Action  Action
	Reasons []string // for Skip: the blocks, sorted
}

// Frozen accounts: a freeze the user asked for does not keep an idle account open (the number
// is released and the balance settled all the same); an investigation that froze it sets the
// "investigation" block, and blocks do. Only active and frozen accounts are ever warned or closed.

// Decide returns what to do with s at asOf.
func (p Policy) Decide(s Subject, asOf time.Time) Decision {
	switch {
	case s.ID == "" || s.Status == account.StatusClosed:
		return Decision{Action: Gone}
	case s.Status != account.StatusActive && s.Status != account.StatusFrozen:
		return Decision{Action: Skip, Reasons: []string{"status_" + string(s.Status)}}
	}
	due := p.warnDue(s, asOf) || s.Warned()
	if !due {
		return Decision{Action: Wait}
	}
	if len(s.Blocks) > 0 {
		r := slices.Clone(s.Blocks)
		slices.Sort(r)
		return Decision{Action: Skip, Reasons: r}
	}
	if !s.Warned() {
		return Decision{Action: Warn}
	}
	if !asOf.Before(p.ClosesOn(s.LastActiveAt, s.WarnedAt)) {
		return Decision{Action: Close}
	}
	return Decision{Action: Wait}
}

// warnDue reports whether s has been idle long enough for a warning.
func (p Policy) warnDue(s Subject, asOf time.Time) bool {
	return !s.LastActiveAt.After(p.WarnCutoff(asOf))
}

// WarnCutoff is the latest last activity that is due a warning at asOf.
func (p Policy) WarnCutoff(asOf time.Time) time.Time { return asOf.AddDate(0, -p.WarnAfter, 0) }

// ClosesOn is when an account last active at lastActive and warned at warnedAt becomes due for
// closure: CloseAfter months idle, and never sooner than MinNotice after the warning.
func (p Policy) ClosesOn(lastActive, warnedAt time.Time) time.Time {
	due := lastActive.AddDate(0, p.CloseAfter, 0)
	if n := warnedAt.Add(p.MinNotice); n.After(due) {
		return n
	}
	return due
}

// monthOf is the first instant of t's month, UTC.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// dayAfter is the first instant of the day after t's, UTC.
func dayAfter(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
}

// months lists the first instant of each month from from's to to's, inclusive, oldest first.
func months(from, to time.Time) []time.Time {
	var out []time.Time
	for m := monthOf(from); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// closedReason is why the account was closed, as account.closed names it.
func (s Subject) closedReason() string {
	if s.ClosedReason != "" {
		return s.ClosedReason
	}
	return account.ClosedInactivity
}
