// Package session is sign-in and what a signed-in device does: sessions, devices, the sign-in
// lockout, and authenticating each request.
package session

import (
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Session is one device's sign-in (account.Session, where the flows that check one without
// signing in can reach it).
type Session = account.Session

// Policy is how long sessions live.
type Policy struct {
	Idle     time.Duration // unused this long, a session ends
	Absolute time.Duration // this long after sign-in, it ends whatever its use
}

// Start returns a new session for a device, created at now.
func (p Policy) Start(accountID, deviceID string, hash []byte, now time.Time) Session {
	abs := now.Add(p.Absolute)
	return Session{Hash: hash, AccountID: accountID, DeviceID: deviceID, CreatedAt: now, SeenAt: now,
		ExpiresAt: minTime(now.Add(p.Idle), abs), AbsoluteAt: abs, FreshAt: now}
}

// Slide returns the session's new idle expiry when it is due to move: at most once a day, so an
// active session costs one write a day, not one a request.
func (p Policy) Slide(s Session, now time.Time) (time.Time, bool) {
	if now.Sub(s.SeenAt) < 24*time.Hour {
		return time.Time{}, false
	}
	next := minTime(now.Add(p.Idle), s.AbsoluteAt)
	return next, next.After(s.ExpiresAt)
}

// LockPolicy is how failures of a secret lock it.
type LockPolicy struct {
	MaxFailures int           // failures in a row that lock
	Base        time.Duration // the first lock
	Cap         time.Duration // the longest lock
	Decay       time.Duration // a lock starting this long after the last one starts over at Base
}

// Next returns the level and the end of the lock that begins at now, given the lockout so far:
// each lock within Decay of the previous one lasts twice as long, up to Cap.
func (p LockPolicy) Next(l account.Lockout, now time.Time) (level int, until time.Time) {
	level = 1
	if !l.LastLockAt.IsZero() && now.Sub(l.LastLockAt) < p.Decay {
		level = l.Level + 1
	}
	d := p.Base
	for i := 1; i < level && d < p.Cap; i++ {
		d *= 2
	}
	return level, now.Add(min(d, p.Cap))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// stepUpNeeded reports whether a sign-in with the right password also needs a login_step_up
// code: on a device the account never signed in on, or at any time inside the account's
// nighttime-protection window (account.InWindow, in the window's own time zone).
func stepUpNeeded(acct account.Account, deviceKnown bool, now time.Time) bool {
	return !deviceKnown || account.InWindow(acct.Alerts.Nighttime, now)
}

// sameDay reports whether a and b fall on the same UTC day.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
