package limits

import (
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

func table(t *testing.T, s string) Table {
	t.Helper()
	var tb Table
	if err := tb.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestUnmarshalText(t *testing.T) {
	tb := table(t, "phone.CNY.lifetime=1000 phone.USD.payment=500.5 verified.JPY.day=30000")
	if got := tb[account.LevelPhone]["USD"][Payment]; got != 50050 {
		t.Fatalf("500.5 USD = %d minor units", got)
	}
	if c, ok := tb.Caps("", "CNY"); !ok || c[Lifetime] != 100000 {
		t.Fatalf("an unset level reads as phone: %v %v", c, ok)
	}
	if _, ok := tb.Caps(account.LevelRealName, "CNY"); ok {
		t.Fatal("a level that lists no currency accepts none")
	}
	for _, bad := range []string{"phone.CNY=1", "gold.CNY.day=1", "phone.CNY.week=1", "phone.cny.day=1", "phone.JPY.day=1.5", "phone.USD.day=-1"} {
		var tb Table
		if err := tb.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckNamesTheTightestLimit(t *testing.T) {
	caps := Caps{Payment: 500, Day: 1000, Year: 5000}
	for _, c := range []struct {
		used   Used
		amount int64
		want   *Exceeded
	}{
		{Used{}, 500, nil},
		{Used{}, 501, &Exceeded{Payment, 500, 500}},
		{Used{Day: 900}, 100, nil},
		{Used{Day: 900}, 101, &Exceeded{Day, 1000, 100}},
		{Used{Day: 900, Year: 4950}, 101, &Exceeded{Year, 5000, 50}},
		{Used{Day: 1200}, 1, &Exceeded{Day, 1000, 0}}, // over already (the limits were lowered)
		{Used{Lifetime: 1e9}, 1, nil},                 // no lifetime cap: not counted against
	} {
		got := Check(caps, c.used, c.amount)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("Check(%v, %d) = %+v, want %+v", c.used, c.amount, got, c.want)
		}
	}
}

func TestPeriodsAreCalendarPeriodsInTheZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data on this machine: ", err) // the functions embed time/tzdata
	}
	// 2026-12-31 16:30 UTC is 2027-01-01 00:30 in Shanghai: a new day and a new year there.
	ps := Periods(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), sh)
	if ps[0].Name != "2027-01-01" || ps[1].Name != "2027" || ps[2].Name != "life" || !ps[2].Ends.IsZero() {
		t.Fatalf("periods %+v", ps)
	}
	if want := time.Date(2027, 1, 2, 0, 0, 0, 0, sh); !ps[0].Ends.Equal(want) {
		t.Fatalf("the day ends %v, want %v", ps[0].Ends, want)
	}
}

func TestLines(t *testing.T) {
	tb := table(t, "phone.CNY.lifetime=1000 phone.USD.payment=500 phone.USD.day=1000")
	lines := tb.Lines("", map[string]Used{"CNY": {Lifetime: 99999}, "USD": {Day: 120000}})
	want := []Line{{"CNY", Lifetime, "1000.00", "0.01"}, {"USD", Payment, "500.00", "500.00"}, {"USD", Day, "1000.00", "0.00"}}
	if len(lines) != len(want) {
		t.Fatalf("lines %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
}
