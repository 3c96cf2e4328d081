package alert

import (
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
)

// A Weakening is one way a change of alert settings lowers the account's protection. Saving one
// needs fresh proof and writes protection_weakened (its DetailWeakened lists them); a change
// that weakens nothing needs only a session and writes no event, even when it strengthens one
// setting while another stays as it was. A change that strengthens one setting and weakens
// another is a weakening.
type Weakening string

// The weakenings, in the order Weakenings lists them.
const (
	// NighttimeOff: nighttime protection was on and is off.
	NighttimeOff Weakening = "nighttime_off"
	// NighttimeNarrowed: protection stays on, but some minute of the old window is outside the
	// new one. Windows are compared minute by minute in wall-clock time; a window moved to
	// another time zone counts as narrowed (two zones' offsets, and their daylight saving,
	// differ over the year, so the new window does not cover the old one for certain).
	NighttimeNarrowed Weakening = "nighttime_narrowed"
	// ThresholdRemoved: there was a large-transaction threshold and there is none.
	ThresholdRemoved Weakening = "threshold_removed"
	// ThresholdRaised: the threshold is higher, or in another currency (a transaction is
	// compared only with a threshold in its own currency, so the old currency's payments would
	// no longer send an SMS at all).
	ThresholdRaised Weakening = "threshold_raised"
)

// Weakenings returns how next weakens prev: nil when it weakens nothing. Turning protection on,
// widening its window or changing it while protection is off, setting a threshold or lowering
// one, weaken nothing.
func Weakenings(prev, next account.AlertSettings) []Weakening {
	var out []Weakening
	if w := nightWeakening(prev.Nighttime, next.Nighttime); w != "" {
		out = append(out, w)
	}
	if w := thresholdWeakening(prev.LargeTransaction, next.LargeTransaction); w != "" {
		out = append(out, w)
	}
	return out
}

// JoinWeakenings is ws as the event's DetailWeakened keeps them.
func JoinWeakenings(ws []Weakening) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = string(w)
	}
	return strings.Join(s, ",")
}

func nightWeakening(prev, next account.Nighttime) Weakening {
	switch {
	case !prev.Enabled:
		return ""
	case !next.Enabled:
		return NighttimeOff
	case prev.TimeZone != next.TimeZone:
		return NighttimeNarrowed
	}
	was, is := minutes(prev), minutes(next)
	for m := range was {
		if was[m] && !is[m] {
			return NighttimeNarrowed
		}
	}
	return ""
}

const minutesPerDay = 24 * 60

// minutes are the minutes of the day inside n's window (its start, not its end), as
// account.InWindow decides them: an empty start or end is the default window's, and a window
// that cannot be read covers the whole day.
func minutes(n account.Nighttime) [minutesPerDay]bool {
	if n.Start == "" || n.End == "" {
		n.Start, n.End = account.DefaultNightStart, account.DefaultNightEnd
	}
	var in [minutesPerDay]bool
	start, okStart := account.ClockMinutes(n.Start)
	end, okEnd := account.ClockMinutes(n.End)
	for m := range in {
		switch {
		case !okStart || !okEnd || start == end:
			in[m] = true
		case start < end:
			in[m] = m >= start && m < end
		default: // crosses midnight
			in[m] = m >= start || m < end
		}
	}
	return in
}

func thresholdWeakening(prev, next *account.Money) Weakening {
	switch {
	case prev == nil:
		return ""
	case next == nil:
		return ThresholdRemoved
	case prev.Currency != next.Currency:
		return ThresholdRaised
	}
	was, okWas := parseAmount(prev.Amount)
	is, okIs := parseAmount(next.Amount)
	if okWas && (!okIs || is.Cmp(was) > 0) {
		return ThresholdRaised
	}
	return ""
}

// weakened reads an event's DetailWeakened: whether it weakened nighttime protection, the
// large-transaction threshold.
func weakened(detail string) (night, large bool) {
	for _, w := range strings.Split(detail, ",") {
		switch Weakening(w) {
		case NighttimeOff, NighttimeNarrowed:
			night = true
		case ThresholdRemoved, ThresholdRaised:
			large = true
		}
	}
	return night, large
}
