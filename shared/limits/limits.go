// Package limits holds the payment limits of each verification level and decides whether an
// amount fits them. It is pure: the counters it is given are read and reserved by shared/payment
// through its store, in the transaction that approves a payment.
package limits

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/money"
)

// Window is what a limit counts over: one payment, a day, a year, the account's life.
type Window string

// The windows. Day and year are calendar periods in the limits' time zone.
const (
	Payment  Window = "payment"
	Day      Window = "day"
	Year     Window = "year"
	Lifetime Window = "lifetime"
)

// Counted are the windows with a counter: every approved payment is counted in each of them,
// whichever has a limit, so a level that starts counting a window (phone to real_name: lifetime
// to year) finds what was spent already.
var Counted = []Window{Day, Year, Lifetime}

// Caps are one level's limits in one currency, in minor units; a window without a limit is absent.
type Caps map[Window]int64

// Table is every level's caps by currency. A currency a level has no caps for is not accepted
// at that level.
type Table map[account.Level]map[string]Caps

// UnmarshalText reads a table: space-separated level.CURRENCY.window=amount entries, the amount
// a decimal in the currency ("phone.CNY.lifetime=1000 real_name.USD.payment=5000").
func (t *Table) UnmarshalText(b []byte) error {
	out := Table{}
	for _, e := range strings.Fields(string(b)) {
		name, amount, ok := strings.Cut(e, "=")
		parts := strings.Split(name, ".")
		if !ok || len(parts) != 3 {
			return fmt.Errorf("limit %q: want level.CURRENCY.window=amount", e)
		}
		level, cur, w := account.Level(parts[0]), parts[1], Window(parts[2])
		if !level.Valid() || !slices.Contains([]Window{Payment, Day, Year, Lifetime}, w) {
			return fmt.Errorf("limit %q: unknown level or window", e)
		}
		a, err := money.Parse(amount, cur)
		if err != nil {
			return fmt.Errorf("limit %q: %w", e, err)
		}
		if out[level] == nil {
			out[level] = map[string]Caps{}
		}
		if out[level][cur] == nil {
			out[level][cur] = Caps{}
		}
		out[level][cur][w] = a.Minor
	}
	*t = out
	return nil
}

// Caps returns the caps of level in currency, and whether the level accepts the currency at all.
func (t Table) Caps(level account.Level, currency string) (Caps, bool) {
	c, ok := t[level.Or()][currency]
	return c, ok
}

// Currencies lists the currencies of level, sorted.
func (t Table) Currencies(level account.Level) []string {
	var out []string
	for c := range t[level.Or()] {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Used is what a currency's counters hold in each counted window, in minor units: reserved by
// live authorizations plus settled by captured ones.
type Used map[Window]int64

// Exceeded names the limit a payment would pass and what remains of it.
type Exceeded struct {
	Window    Window
	Limit     int64
	Remaining int64
}

// Check reports the limit amount would pass, given what is used: the per-payment limit first,
// then, of the windows it would pass, the one with the least remaining. Nil when it fits.
func Check(c Caps, used Used, amount int64) *Exceeded {
	if most, ok := c[Payment]; ok && amount > most {
		return &Exceeded{Window: Payment, Limit: most, Remaining: most}
	}
	var worst *Exceeded
	for _, w := range Counted {
		most, ok := c[w]
		if !ok {
			continue
		}
		left := max(0, most-used[w])
		if amount > left && (worst == nil || left < worst.Remaining) {
			worst = &Exceeded{Window: w, Limit: most, Remaining: left}
		}
	}
	return worst
}

// Line is one limit as the holder sees it.
type Line struct {
	Currency  string `json:"currency"`
	Window    Window `json:"window"`
	Limit     string `json:"limit"`
	Remaining string `json:"remaining"`
}

// Lines lists level's limits in every currency with what remains of each.
func (t Table) Lines(level account.Level, used map[string]Used) []Line {
	var out []Line
	for _, cur := range t.Currencies(level) {
		caps := t[level.Or()][cur]
		for _, w := range []Window{Payment, Day, Year, Lifetime} {
			most, ok := caps[w]
			if !ok {
				continue
			}
			left := most
			if w != Payment {
				left = max(0, most-used[cur][w])
			}
			out = append(out, Line{Currency: cur, Window: w, Limit: money.Format(most, cur), Remaining: money.Format(left, cur)})
		}
	}
	return out
}

// Period is one counted window's current period: its name in the counter's key and when it ends.
type Period struct {
	Window Window
	Name   string    // "2026-12-05", "2026", "life"
	Ends   time.Time // zero for the lifetime
}

// Periods returns the current period of each counted window at now, in loc.
func Periods(now time.Time, loc *time.Location) []Period {
	t := now.In(loc)
	y, m, d := t.Date()
	return []Period{
		{Window: Day, Name: t.Format("2006-01-02"), Ends: time.Date(y, m, d+1, 0, 0, 0, 0, loc)},
		{Window: Year, Name: t.Format("2006"), Ends: time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)},
		{Window: Lifetime, Name: "life"},
	}
}
