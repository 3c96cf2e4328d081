package otp_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
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
