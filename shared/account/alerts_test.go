package account

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestInWindow: windows crossing midnight in Asia/Shanghai (no daylight saving) and
// America/New_York on both of its 2026 clock changes (8 March, 1 November), inside and
// outside; the instants are UTC, so a window read with a fixed or stale offset would fail.
func TestInWindow(t *testing.T) {
	shanghai := Nighttime{Enabled: true, Start: "23:00", End: "07:00", TimeZone: "Asia/Shanghai"}
	newYork := Nighttime{Enabled: true, Start: "23:00", End: "07:00", TimeZone: "America/New_York"}
	for _, tc := range []struct {
		name string
		n    Nighttime
		at   string // UTC
		want bool
	}{
		{"Shanghai 22:59", shanghai, "2026-11-21 14:59", false},
		{"Shanghai 23:00 starts it", shanghai, "2026-11-21 15:00", true},
		{"Shanghai 03:00 after midnight", shanghai, "2026-11-21 19:00", true},
		{"Shanghai 06:59", shanghai, "2026-11-21 22:59", true},
		{"Shanghai 07:00 ends it", shanghai, "2026-11-21 23:00", false},
		{"Shanghai noon", shanghai, "2026-11-21 04:00", false},
		{"New York 22:59 EST", newYork, "2026-03-07 03:59", false},
		{"New York 23:00 EST", newYork, "2026-03-07 04:00", true},
		{"New York 01:59 EST before the spring change", newYork, "2026-03-08 06:59", true},
		{"New York 03:00 EDT after the spring change", newYork, "2026-03-08 07:00", true},
		{"New York 06:30 EDT on the spring change day", newYork, "2026-03-08 10:30", true},
		{"New York 07:30 EDT on the spring change day (06:30 by the old offset)", newYork, "2026-03-08 11:30", false},
		{"New York 07:00 EDT", newYork, "2026-03-08 11:00", false},
		{"New York 01:30 EDT before the autumn change", newYork, "2026-11-01 05:30", true},
		{"New York 01:30 EST after the autumn change", newYork, "2026-11-01 06:30", true},
		{"New York 06:30 EST on the autumn change day (07:30 by the old offset)", newYork, "2026-11-01 11:30", true},
		{"New York 07:00 EST on the autumn change day", newYork, "2026-11-01 12:00", false},
		{"New York 23:30 EST the evening after", newYork, "2026-11-02 04:30", true},
		{"a window within the day", Nighttime{Enabled: true, Start: "09:00", End: "17:00", TimeZone: "Asia/Shanghai"}, "2026-11-21 01:00", true},
		{"its end", Nighttime{Enabled: true, Start: "09:00", End: "17:00", TimeZone: "Asia/Shanghai"}, "2026-11-21 09:00", false},
		{"the skipped hour of a window inside it", Nighttime{Enabled: true, Start: "01:30", End: "02:30", TimeZone: "America/New_York"}, "2026-03-08 07:05", false},
		{"the start of that window", Nighttime{Enabled: true, Start: "01:30", End: "02:30", TimeZone: "America/New_York"}, "2026-03-08 06:45", true},
		{"off", Nighttime{Start: "00:00", End: "23:59", TimeZone: "Asia/Shanghai"}, "2026-11-21 04:00", false},
		{"an unknown zone asks for the code", Nighttime{Enabled: true, Start: "23:00", End: "07:00", TimeZone: "Mars/Olympus"}, "2026-11-21 04:00", true},
		{"a malformed time asks for the code", Nighttime{Enabled: true, Start: "7:00", End: "23:00", TimeZone: "UTC"}, "2026-11-21 04:00", true},
	} {
		if got := InWindow(tc.n, utc(tc.at)); got != tc.want {
			t.Errorf("%s: InWindow at %s UTC = %v, want %v", tc.name, tc.at, got, tc.want)
		}
	}
}

func TestClockMinutes(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "07:00": 420, "23:59": 1439, "12:05": 725} {
		if got, ok := ClockMinutes(in); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "24:00", "7:00", "07:60", "07-00", "0700", " 07:00", "07:00 ", "ab:cd", "-1:00", "07:0５"} {
		if _, ok := ClockMinutes(in); ok {
			t.Errorf("%q was accepted", in)
		}
	}
}
