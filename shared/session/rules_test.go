package session

import (
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func TestSessionExpiry(t *testing.T) {
	p := Policy{Idle: 30 * 24 * time.Hour, Absolute: 90 * 24 * time.Hour}
	s := p.Start("a", "d", nil, t0)
	if !s.Live(t0.Add(29*24*time.Hour)) || s.Live(t0.Add(30*24*time.Hour)) {
		t.Fatal("idle expiry is 30 days")
	}
	if _, due := p.Slide(s, t0.Add(time.Hour)); due {
		t.Fatal("the expiry moves at most once a day")
	}
	now := t0
	for i := 0; i < 100; i++ { // used every 20 days, it still ends at 90
		now = now.Add(20 * 24 * time.Hour)
		if !s.Live(now) {
			break
		}
		if next, due := p.Slide(s, now); due {
			s.ExpiresAt, s.SeenAt = next, now
		}
	}
	if s.Live(t0.Add(90*24*time.Hour)) || s.ExpiresAt.After(t0.Add(90*24*time.Hour)) {
		t.Fatalf("absolute expiry is 90 days: %v", s.ExpiresAt)
	}
}

func TestLockDoublesUpToTheCap(t *testing.T) {
	p := LockPolicy{MaxFailures: 5, Base: 30 * time.Minute, Cap: 24 * time.Hour, Decay: 24 * time.Hour}
	var l account.Lockout
	now := t0
	want := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		level, until := p.Next(l, now)
		if until.Sub(now) != w || level != i+1 {
			t.Fatalf("lock %d: %v level %d, want %v", i+1, until.Sub(now), level, w)
		}
		l = account.Lockout{Level: level, LockedUntil: until, LastLockAt: now}
		now = until.Add(time.Minute)
		if now.Sub(l.LastLockAt) >= p.Decay { // keep within the decay window for the doubling
			now = l.LastLockAt.Add(p.Decay - time.Minute)
		}
	}
	if level, until := p.Next(l, l.LastLockAt.Add(48*time.Hour)); level != 1 || until.Sub(l.LastLockAt.Add(48*time.Hour)) != 30*time.Minute {
		t.Fatalf("after a quiet day the lock starts over: level %d", level)
	}
}
