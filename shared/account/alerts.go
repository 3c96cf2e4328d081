package account

import "time"

// AlertSettings are what an account holder chose about alerts (GET/PUT /v1/alert-settings).
// The zero value is the default: no large-transaction SMS, nighttime protection off.
type AlertSettings struct {
	// LargeTransaction is the amount at or above which a transaction sends an SMS; nil is off.
	LargeTransaction *Money
	Nighttime        Nighttime
}

// Money is an amount in one currency.
type Money struct {
	Amount   string // a decimal string: "5000.00"
	Currency string // ISO 4217, upper case: "CNY"
}

// Nighttime is the nighttime-protection window: inside it, sign-in and payment-password
// verification need a login_step_up code. Start and End are wall-clock times "HH:MM" in
// TimeZone; a window whose end is before its start crosses midnight (23:00-07:00).
type Nighttime struct {
	Enabled bool
	Start   string
	End     string
	// TimeZone is an IANA name ("Asia/Shanghai"); it is also the account's time zone, in which
	// alert texts tell the time. "" until the holder sets one.
	TimeZone string
}

// The default window, offered until the holder sets one.
const (
	DefaultNightStart = "23:00"
	DefaultNightEnd   = "07:00"
)

// InWindow reports whether now falls inside the nighttime-protection window n: at or after its
// start and before its end, in wall-clock time of n's time zone (so a daylight-saving change
// moves the window with the clocks). It is false when protection is off. A window that cannot
// be read (a time zone this build does not know, a malformed time) counts as inside: when in
// doubt, ask for the code.
func InWindow(n Nighttime, now time.Time) bool {
	if !n.Enabled {
		return false
	}
	start, okStart := ClockMinutes(n.Start)
	end, okEnd := ClockMinutes(n.End)
	loc, err := time.LoadLocation(n.TimeZone)
	if !okStart || !okEnd || err != nil || n.TimeZone == "" || start == end {
		return true
	}
	h, m, _ := now.In(loc).Clock()
	t := h*60 + m
	if start < end {
		return t >= start && t < end
	}
	return t >= start || t < end // crosses midnight
}

// ClockMinutes reads a wall-clock time "HH:MM" (00:00 to 23:59, two digits each) as minutes
// after midnight.
func ClockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m := h1*10+h2, m1*10+m2
	if !ok1 || !ok2 || !ok3 || !ok4 || h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}
