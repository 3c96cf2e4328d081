package account

import "time"

// Clock tells the time. Flows take a Clock so that tests control expiry, windows and lockouts.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock is a settable clock for tests and tools. The zero value is not useful; set T.
type FixedClock struct{ T time.Time }

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time { return c.T }

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) { c.T = c.T.Add(d) }
