package closure

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

var policy = Policy{WarnAfter: 11, CloseAfter: 12, MinNotice: 7 * 24 * time.Hour, Horizon: 36}

var asOf = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func TestDecide(t *testing.T) {
	idle := func(months, days int) time.Time { return asOf.AddDate(0, -months, -days) }
	for _, tc := range []struct {
		name string
		s    Subject
		want Action
	}{
		{"10 months idle", Subject{Status: account.StatusActive, LastActiveAt: idle(10, 0)}, Wait},
		{"11 months idle", Subject{Status: account.StatusActive, LastActiveAt: idle(11, 0)}, Warn},
		{"11 months less a day", Subject{Status: account.StatusActive, LastActiveAt: idle(11, -1)}, Wait},
		{"13 months idle, never warned: warned first", Subject{Status: account.StatusActive, LastActiveAt: idle(13, 0)}, Warn},
		{"12 months idle, warned a month ago", Subject{Status: account.StatusActive, LastActiveAt: idle(12, 0), WarnedAt: idle(1, 0)}, Close},
		{"12 months idle, warned 3 days ago: the notice runs", Subject{Status: account.StatusActive, LastActiveAt: idle(12, 5), WarnedAt: idle(0, 3)}, Wait},
		{"12 months idle, warned 7 days ago", Subject{Status: account.StatusActive, LastActiveAt: idle(12, 5), WarnedAt: idle(0, 7)}, Close},
		{"warned, 11.5 months idle", Subject{Status: account.StatusActive, LastActiveAt: idle(11, 15), WarnedAt: idle(0, 15)}, Wait},
		{"active after the warning", Subject{Status: account.StatusActive, LastActiveAt: idle(0, 2), WarnedAt: idle(0, 20)}, Wait},
		{"active after the warning, idle again", Subject{Status: account.StatusActive, LastActiveAt: idle(12, 0), WarnedAt: idle(13, 0)}, Warn},
		{"frozen by its owner", Subject{Status: account.StatusFrozen, LastActiveAt: idle(12, 0), WarnedAt: idle(1, 0)}, Close},
		{"blocked", Subject{Status: account.StatusActive, LastActiveAt: idle(12, 0), WarnedAt: idle(1, 0), Blocks: []string{"investigation"}}, Skip},
		{"blocked, not due", Subject{Status: account.StatusActive, LastActiveAt: idle(2, 0), Blocks: []string{"debt"}}, Wait},
		{"closed", Subject{Status: account.StatusClosed, LastActiveAt: idle(14, 0)}, Gone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.ID = "a"
			if got := policy.Decide(tc.s, asOf); got.Action != tc.want {
				t.Fatalf("Decide = %+v, want action %d", got, tc.want)
			}
		})
	}
	if d := policy.Decide(Subject{}, asOf); d.Action != Gone {
		t.Fatalf("no account: %+v", d)
	}
	d := policy.Decide(Subject{ID: "a", Status: account.StatusActive, LastActiveAt: asOf.AddDate(-1, -1, 0), Blocks: []string{"dispute", "debt"}}, asOf)
	if d.Action != Skip || !slices.Equal(d.Reasons, []string{"debt", "dispute"}) {
		t.Fatalf("two blocks: %+v", d)
	}
}

func TestClosesOn(t *testing.T) {
	last := time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC)
	if got := policy.ClosesOn(last, last.AddDate(0, 11, 0)); !got.Equal(last.AddDate(1, 0, 0)) {
		t.Errorf("warned on time: closes %v", got)
	}
	late := last.AddDate(0, 13, 0)
	if got := policy.ClosesOn(last, late); !got.Equal(late.Add(policy.MinNotice)) {
		t.Errorf("warned late: closes %v, want the notice after the warning", got)
	}
	for in, want := range map[string]string{"2026-11-21T00:00:00Z": "2026-11-21", "2026-11-21T00:00:01Z": "2026-11-22"} {
		ti, _ := time.Parse(time.RFC3339, in)
		if got := dueDay(ti).Format(time.DateOnly); got != want {
			t.Errorf("dueDay(%s) = %s, want %s", in, got, want)
		}
	}
}

// shards is a Store with nothing but its shard count, for listing units.
type shards struct{ Store }

func (shards) Shards() int { return 16 }

func TestUnitsReadOnlyTheMonthsThatCanBeDue(t *testing.T) {
	s := &Service{store: shards{}, policy: policy}
	us := s.units(asOf)
	byKind := map[unitKind][]unit{}
	for _, u := range us {
		byKind[u.kind] = append(byKind[u.kind], u)
	}
	if len(byKind[phoneUnit]) != 1 || len(byKind[notifyUnit]) != 16 {
		t.Fatalf("phone units %d, notify units %d", len(byKind[phoneUnit]), len(byKind[notifyUnit]))
	}
	warn := byKind[warnUnit]
	// 2023-11 .. 2025-12 (the month of the cutoff, 2025-12-21): 26 months of 16 shards.
	if len(warn) != 26*16 || warn[0].id != "warn#2023-11#00" || warn[len(warn)-1].id != "warn#2025-12#15" {
		t.Fatalf("warn units %d: %s .. %s", len(warn), warn[0].id, warn[len(warn)-1].id)
	}
	if b := warn[len(warn)-1].bucket; b.Index != Idle || b.Before.Format(time.DateOnly) != "2025-12-22" {
		t.Fatalf("the cutoff month is read up to the cutoff's day: %+v", b)
	}
	closing := byKind[closeUnit]
	// 2024-11 (the horizon's first month, 12 months on) .. 2026-11.
	if len(closing) != 25*16 || closing[len(closing)-1].id != "close#2026-11#15" || closing[0].bucket.Before.Format(time.DateOnly) != "2026-11-22" {
		t.Fatalf("close units %d, last %s", len(closing), closing[len(closing)-1].id)
	}
	seen := map[string]bool{}
	for _, u := range us {
		if seen[u.id] {
			t.Fatalf("unit %s twice", u.id)
		}
		seen[u.id] = true
	}
}

func TestCountsAdd(t *testing.T) {
	var c Counts
	c.Add(Counts{Examined: 2, Closed: 1, Skipped: map[string]int{"debt": 1}})
	c.Add(Counts{Examined: 3, Warned: 2, Skipped: map[string]int{"debt": 1, "dispute": 2}})
	if c.Examined != 5 || c.Closed != 1 || c.Warned != 2 || c.Skipped["debt"] != 2 || c.SkippedTotal() != 4 {
		t.Fatalf("%+v", c)
	}
	if v := fmt.Sprint(c.LogValue()); v == "" {
		t.Fatal("no log value")
	}
}

func TestNoPhoneChanges(t *testing.T) {
	if n, err := (NoPhoneChanges{}).ApplyDue(context.Background(), asOf, false); n != 0 || err != nil {
		t.Fatal(n, err)
	}
}
