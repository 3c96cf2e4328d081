package alert

import (
	"slices"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// TestWeakenings: what weakens protection, and what does not. Off to on, a wider window, a lower
// or a new threshold weaken nothing; on to off, a window missing any minute of the old one
// (whichever side of midnight), another time zone, a removed, higher or other-currency threshold
// do; a change that strengthens one setting and weakens the other is a weakening.
func TestWeakenings(t *testing.T) {
	night := func(on bool, start, end, zone string) account.Nighttime {
		return account.Nighttime{Enabled: on, Start: start, End: end, TimeZone: zone}
	}
	const sh = "Asia/Shanghai"
	std := night(true, "23:00", "07:00", sh)
	money := func(amount, currency string) *account.Money {
		return &account.Money{Amount: amount, Currency: currency}
	}
	set := func(n account.Nighttime, m *account.Money) account.AlertSettings {
		return account.AlertSettings{Nighttime: n, LargeTransaction: m}
	}
	for _, tc := range []struct {
		name       string
		prev, next account.AlertSettings
		want       []Weakening
	}{
		{"the defaults kept", account.AlertSettings{}, set(night(false, "23:00", "07:00", sh), nil), nil},
		{"the same settings", set(std, money("5000", "CNY")), set(std, money("5000.00", "CNY")), nil},
		{"protection turned on", account.AlertSettings{}, set(std, nil), nil},
		{"protection off, its window changed", set(night(false, "23:00", "07:00", sh), nil), set(night(false, "01:00", "02:00", "UTC"), nil), nil},
		{"protection turned off", set(std, nil), set(night(false, "23:00", "07:00", sh), nil), []Weakening{NighttimeOff}},
		{"starts earlier", set(std, nil), set(night(true, "22:00", "07:00", sh), nil), nil},
		{"ends later", set(std, nil), set(night(true, "23:00", "08:30", sh), nil), nil},
		{"widened to all day but 23:59", set(night(true, "01:00", "05:00", sh), nil), set(night(true, "00:00", "23:59", sh), nil), nil},
		{"all day but 23:59 misses a minute of 23:00-07:00", set(std, nil), set(night(true, "00:00", "23:59", sh), nil), []Weakening{NighttimeNarrowed}},
		{"widened across midnight", set(night(true, "01:00", "05:00", sh), nil), set(std, nil), nil},
		{"starts a minute later", set(std, nil), set(night(true, "23:01", "07:00", sh), nil), []Weakening{NighttimeNarrowed}},
		{"ends a minute earlier", set(std, nil), set(night(true, "23:00", "06:59", sh), nil), []Weakening{NighttimeNarrowed}},
		{"no longer crosses midnight", set(std, nil), set(night(true, "00:00", "07:00", sh), nil), []Weakening{NighttimeNarrowed}},
		{"moved, as long", set(std, nil), set(night(true, "00:00", "08:00", sh), nil), []Weakening{NighttimeNarrowed}},
		{"crosses midnight, the old did not", set(night(true, "01:00", "05:00", sh), nil), set(night(true, "22:00", "04:00", sh), nil),
			[]Weakening{NighttimeNarrowed}},
		{"the same window in another zone", set(std, nil), set(night(true, "23:00", "07:00", "Asia/Hong_Kong"), nil), []Weakening{NighttimeNarrowed}},
		{"an old window without its times is the default", set(night(true, "", "", sh), nil), set(night(true, "23:30", "07:00", sh), nil),
			[]Weakening{NighttimeNarrowed}},
		{"an unreadable old window covered the whole day", set(night(true, "7pm", "07:00", sh), nil), set(std, nil), []Weakening{NighttimeNarrowed}},
		{"a threshold set", set(std, nil), set(std, money("5000", "CNY")), nil},
		{"a threshold lowered", set(std, money("5000", "CNY")), set(std, money("4999.99", "CNY")), nil},
		{"a threshold raised", set(std, money("5000", "CNY")), set(std, money("5000.01", "CNY")), []Weakening{ThresholdRaised}},
		{"a threshold in another currency", set(std, money("5000", "CNY")), set(std, money("1", "USD")), []Weakening{ThresholdRaised}},
		{"a threshold removed", set(std, money("5000", "CNY")), set(std, nil), []Weakening{ThresholdRemoved}},
		{"on and a threshold lowered, both ways", set(night(false, "23:00", "07:00", sh), money("5000", "CNY")), set(std, money("100", "CNY")), nil},
		{"protection on, the threshold removed", set(night(false, "23:00", "07:00", sh), money("5000", "CNY")), set(std, nil),
			[]Weakening{ThresholdRemoved}},
		{"widened, the threshold raised", set(std, money("5000", "CNY")), set(night(true, "22:00", "08:00", sh), money("9000", "CNY")),
			[]Weakening{ThresholdRaised}},
		{"off, a threshold set", set(std, nil), set(night(false, "23:00", "07:00", sh), money("100", "CNY")), []Weakening{NighttimeOff}},
		{"narrowed and removed", set(std, money("5000", "CNY")), set(night(true, "00:00", "06:00", sh), nil),
			[]Weakening{NighttimeNarrowed, ThresholdRemoved}},
	} {
		if got := Weakenings(tc.prev, tc.next); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := JoinWeakenings([]Weakening{NighttimeOff, ThresholdRaised}); got != "nighttime_off,threshold_raised" {
		t.Errorf("JoinWeakenings: %q", got)
	}
}
