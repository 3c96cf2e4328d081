package otp

import (
	"context"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// The adaptive defence against SMS pumping. SMS pumping sends codes to numbers whose carrier pays
// the attacker per message; nobody ever types those codes in. So each number prefix (all but the
// last 4 digits, which lies in one region) keeps, per clock hour, its code requests (the hourly
// cap's count), the SMS that went out and how many of those codes were verified; a send reads
// the hours of the pumping window in the BatchGet it makes anyway, and a prefix that was sent at
// least PUMPING_MIN_SENDS codes of which under PUMPING_MIN_VERIFY_RATE were verified has its
// hourly cap cut to PUMPING_CAP until the share recovers or the window moves past the pumping.
// The counts live on the prefix's hourly counter item, so a send writes nothing more than before,
// and the right code adds to the item of the hour its code was sent in, in the transaction that
// redeems it (still one round trip).

// Traffic is a number prefix's codes over the pumping window.
type Traffic struct {
	Sent     int // SMS that went out (codes, and the notice that replaces a signup code)
	Verified int // codes redeemed with the right code
}

// Suspected reports whether traffic looks like pumping: at least minSends codes sent, of which
// fewer than the share minRate were verified.
func (t Traffic) Suspected(minSends int, minRate float64) bool {
	return t.Sent >= minSends && float64(t.Verified) < minRate*float64(t.Sent)
}

// prefixTagLen is the length of a prefix's tag: 80 bits of a keyed hash, in lower-case base32.
const prefixTagLen = 16

var tagEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// prefixTag names a number prefix in challenge ids and counter keys: a keyed hash, so neither an
// id (handed to the client, written to logs) nor the table spells out the digits a masked number
// hides. A new pepper gives every prefix a new tag: its counts start again from nothing.
func prefixTag(keys secret.Keyring, prefix string) string {
	mac := keys.Current().MAC("otp-prefix", prefix)
	return strings.ToLower(tagEncoding.EncodeToString(mac[:prefixTagLen*5/8]))
}

// phoneChallengeID is a phone code's challenge id: a ULID (its time is when the code was sent),
// its prefix's tag, the phone's ISO region and the code's purpose, joined by dashes. The verify
// request names nothing but the challenge, and the right code's write (a transaction) returns
// nothing: the id is what lets that write count on the prefix's counter, and the verified code
// be counted by purpose and region. Neither is secret: the client asked for the purpose, and the
// region is the number's country. An email code's id is a bare ULID.
func phoneChallengeID(id ulid.ULID, tag, region string, purpose account.Purpose) string {
	return strings.Join([]string{id.String(), tag, region, string(purpose)}, "-")
}

// phoneParts splits a phone code's challenge id; ok is false for an email code's id and for
// anything malformed, which then counts nowhere.
func phoneParts(id string) (sentAt time.Time, tag, region string, purpose account.Purpose, ok bool) {
	f := strings.Split(id, "-")
	if len(f) != 4 {
		return time.Time{}, "", "", "", false
	}
	parsed, err := ulid.ParseStrict(f[0])
	tag, region, purpose = f[1], f[2], account.Purpose(f[3])
	if err != nil || len(tag) != prefixTagLen || strings.Trim(tag, "0123456789abcdefghijklmnopqrstuv") != "" ||
		len(region) != 2 || strings.Trim(region, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || !slices.Contains(account.Purposes, purpose) {
		return time.Time{}, "", "", "", false
	}
	return ulid.Time(parsed.Time()).UTC(), tag, region, purpose, true
}

// prefixOf returns the time and the prefix tag of a phone code's challenge id (phoneParts).
func prefixOf(id string) (sentAt time.Time, tag string, ok bool) {
	sentAt, tag, _, _, ok = phoneParts(id)
	return sentAt, tag, ok
}

// prefixCounter is the prefix's counter for the clock hour of t, capped at max requests. It is
// kept past its hour for as long as the pumping window reads it.
func (s *Service) prefixCounter(tag string, t time.Time, max int) ratelimit.Counter {
	h := ratelimit.Hour(t)
	c := h.Counter("prefix_hourly", "otp-prefix#"+tag, max, account.CodeRateLimited)
	c.Keep = h.Ends.Add(s.cfg.PumpingWindow)
	return c
}

// pumpingWindow is the prefix's counters a send reads: the clock hours of PUMPING_WINDOW up to
// now's, the current one first.
func (s *Service) pumpingWindow(tag string, now time.Time) []ratelimit.Counter {
	hours := int(s.cfg.PumpingWindow / time.Hour)
	out := make([]ratelimit.Counter, hours)
	for i := range out {
		out[i] = s.prefixCounter(tag, now.Add(-time.Duration(i)*time.Hour), 0)
	}
	return out
}

// prefixCap is the prefix's hourly cap given its traffic over the window: OTP_PREFIX_HOURLY, or
// PUMPING_CAP while the prefix looks pumped. Each request it cuts logs one line with the stable
// code pumping_suspected, for a metric filter to count.
func (s *Service) prefixCap(ctx context.Context, num account.Phone, tag string, t Traffic) int {
	if !t.Suspected(s.cfg.PumpingMinSends, s.cfg.PumpingMinVerifyRate) {
		return s.cfg.OTPPrefixHourly
	}
	limit := min(s.cfg.PumpingCap, s.cfg.OTPPrefixHourly)
	s.log.WarnContext(ctx, "pumping suspected", "code", "pumping_suspected", "region", num.Region, "prefix", tag,
		"sent", t.Sent, "verified", t.Verified, "cap", limit)
	return limit
}
