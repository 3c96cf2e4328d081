package otp

import (
	"crypto/rand"
	"github.com/wallet-accounts/wallet/shared/account"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// TestSuspectedNeedsEnoughSendsUnderTheRate is the rule alone: judged only from the minimum
// number of codes sent, and suspected only under the verification share.
func TestSuspectedNeedsEnoughSendsUnderTheRate(t *testing.T) {
	for _, tc := range []struct {
		t    Traffic
		want bool
	}{
		{Traffic{Sent: 19, Verified: 0}, false}, // too few to judge
		{Traffic{Sent: 20, Verified: 0}, true},
		{Traffic{Sent: 20, Verified: 3}, true},  // 15 %
		{Traffic{Sent: 20, Verified: 4}, false}, // 20 %: at the rate is not under it
		{Traffic{Sent: 100, Verified: 90}, false},
	} {
		if got := tc.t.Suspected(20, 0.2); got != tc.want {
			t.Errorf("%+v: suspected %v, want %v", tc.t, got, tc.want)
		}
	}
}

// TestChallengeIDCarriesThePrefixTagAndTheHour: a phone code's id gives back its prefix's tag and
// the time it was sent, so the right code finds the counter of the hour its code went out in; an
// email code's bare ULID and malformed ids give nothing. The tag is keyed: another pepper, another
// tag, and it holds no digit of the prefix.
func TestChallengeIDCarriesThePrefixTagAndTheHour(t *testing.T) {
	keys := func() secret.Keyring {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		k, _ := secret.NewKey("1", b)
		r, _ := secret.NewKeyring(k)
		return r
	}
	a, b := keys(), keys()
	tag := prefixTag(a, "+861380013")
	if len(tag) != prefixTagLen || tag != prefixTag(a, "+861380013") || tag == prefixTag(b, "+861380013") || tag == prefixTag(a, "+861380014") {
		t.Fatalf("tag %q", tag)
	}
	sent := time.Date(2026, 11, 21, 10, 59, 59, 0, time.UTC)
	id := phoneChallengeID(ulid.MustNew(ulid.Timestamp(sent), rand.Reader), tag, "CN", account.PurposeSignup)
	if at, got, region, purpose, ok := phoneParts(id); !ok || got != tag || !at.Equal(sent) || region != "CN" || purpose != account.PurposeSignup {
		t.Fatalf("phoneParts(%q) = %v %q %q %q %v", id, at, got, region, purpose, ok)
	}
	for _, p := range account.Purposes {
		if long := phoneChallengeID(ulid.Make(), tag, "CN", p); len(long) > 64 {
			t.Fatalf("%q is %d characters; a verification token's id is at most 64", long, len(long))
		}
	}
	if strings.Contains(id, "861380013") {
		t.Fatalf("the id spells out the prefix: %q", id)
	}
	u := ulid.Make().String()
	for _, bad := range []string{u, u + "-" + tag, u + "-" + tag[1:] + "-CN-signup", u + "-" + strings.ToUpper(tag) + "-CN-signup",
		"x-" + tag + "-CN-signup", u + "-" + tag + "-cn-signup", u + "-" + tag + "-CN-nope", id + "-"} {
		if _, _, ok := prefixOf(bad); ok {
			t.Errorf("prefixOf(%q) ok", bad)
		}
	}
}

// TestPumpingWindowIsTheClockHoursUpToNow: the counters a send reads are the window's clock
// hours, the current one first, each kept until the window has passed it.
func TestPumpingWindowIsTheClockHoursUpToNow(t *testing.T) {
	s := &Service{cfg: config.Config{PumpingWindow: 3 * time.Hour}}
	now := time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC)
	w := s.pumpingWindow("tag", now)
	var labels []string
	for _, c := range w {
		labels = append(labels, c.Window)
		if c.Key != "otp-prefix#tag" || !c.Expires().Equal(c.Ends.Add(3*time.Hour)) {
			t.Fatalf("counter %+v", c)
		}
	}
	if strings.Join(labels, " ") != "H2026112110 H2026112109 H2026112108" {
		t.Fatalf("hours %v", labels)
	}
}
