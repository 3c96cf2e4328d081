package otp_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// TestConcurrentBurstAcrossOnePrefixIsCutAtTheCap is SMS pumping: a burst of concurrent signup
// code requests to 40 different numbers that share a prefix (all but the last 4 digits), from
// as many sources as it likes. OTP_PREFIX_HOURLY of them are sent, never more (fewer only if
// some lost races they could not win again: conflict); every other one is refused with
// rate_limited and costs no SMS. The counter is charged in the same conditional transaction that writes the challenge,
// so no interleaving can pass the cap (TestPrefixHourlyCap is the sequential case).
func TestConcurrentBurstAcrossOnePrefixIsCutAtTheCap(t *testing.T) {
	const burst, limit = 40, 10
	h := newHarness(t, func(c *config.Config) { c.OTPPrefixHourly, c.OTPIPHourly = limit, 1<<20 })
	numbers := make([]string, burst)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("+861380013%04d", 1000+i)
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for _, n := range numbers {
		wg.Go(func() {
			_, err := h.send(t, n, account.PurposeSignup)
			outcome := "sent"
			if e, ok := account.As(err); ok {
				outcome = string(e.Code)
			} else if err != nil {
				outcome = "error: " + err.Error()
			}
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	sms := 0
	for _, n := range numbers {
		sms += h.sent.count(n)
	}
	t.Logf("burst of %d across one prefix, cap %d: %v, %d SMS", burst, limit, outcomes, sms)
	if sent := outcomes["sent"]; sent > limit || sms != sent || sent < limit && outcomes[string(account.CodeConflict)] == 0 {
		t.Errorf("%d sent and %d SMS, want the cap %d (fewer only for requests that lost races): %v", sent, sms, limit, outcomes)
	}
	if outcomes["sent"]+outcomes[string(account.CodeRateLimited)]+outcomes[string(account.CodeConflict)] != burst {
		t.Errorf("every refusal must be rate_limited (or conflict): %v", outcomes)
	}
}

// TestPumpedPrefixHasItsCapCutUntilItRecovers is the adaptive defence, with the clock in the
// test's hand: a prefix sent PUMPING_MIN_SENDS codes of which none were verified answers its next
// request with rate_limited long before OTP_PREFIX_HOURLY, logging pumping_suspected; a prefix as
// busy whose codes are verified keeps its cap; the next hour the pumped prefix still gets only
// PUMPING_CAP, and once the window has moved past the pumping it gets its whole cap back.
func TestPumpedPrefixHasItsCapCutUntilItRecovers(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.OTPIPHourly, c.OTPPrefixHourly = 1<<20, 50
		c.PumpingWindow, c.PumpingMinSends, c.PumpingMinVerifyRate, c.PumpingCap = 2*time.Hour, 5, 0.5, 2
	})
	var logs bytes.Buffer
	h.svc = otp.NewService(h.store, h.courier, h.clock, rand.Reader, h.cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	pumped, genuine := "+861380013", "+861390013" // two prefixes: all but the last 4 digits
	number := func(prefix string, i int) string { return fmt.Sprintf("%s%04d", prefix, i) }
	for i := range 5 {
		h.mustSend(t, number(pumped, i), account.PurposeSignup) // never verified
		res := h.mustSend(t, number(genuine, i), account.PurposeSignup)
		if i < 3 { // 3 of 5 verified: 60 %, over the 50 % asked
			if _, err := h.verify(res.ChallengeID, h.sent.lastCode(t, number(genuine, i))); err != nil {
				t.Fatalf("verify: %v", err)
			}
		}
	}
	_, err := h.send(t, number(pumped, 5), account.PurposeSignup)
	wantCode(t, err, account.CodeRateLimited)
	if h.sent.count(number(pumped, 5)) != 0 {
		t.Fatal("a refused send must not send an SMS")
	}
	if !strings.Contains(logs.String(), `"code":"pumping_suspected"`) || !strings.Contains(logs.String(), `"region":"CN"`) {
		t.Fatalf("no pumping_suspected line: %s", logs.String())
	}
	if strings.Contains(logs.String(), pumped) {
		t.Fatalf("the log spells out the prefix: %s", logs.String())
	}
	h.mustSend(t, number(genuine, 5), account.PurposeSignup) // as busy, but its codes are verified

	h.clock.Advance(time.Hour) // a new hour: the pumping hour is still in the window
	for i := range 2 {
		h.mustSend(t, number(pumped, 10+i), account.PurposeSignup)
	}
	_, err = h.send(t, number(pumped, 12), account.PurposeSignup)
	wantCode(t, err, account.CodeRateLimited)

	h.clock.Advance(time.Hour) // the pumping hour has left the window: 2 sent in it, under 5
	for i := range 3 {
		h.mustSend(t, number(pumped, 20+i), account.PurposeSignup)
	}
}
