package session

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/metrics"
)

// TestSignInOutcomes: the sign-in metric names each answer as the client saw it, and a failure
// that was not the client's doing apart from a refusal.
func TestSignInOutcomes(t *testing.T) {
	cases := map[string]error{
		metrics.SignInSuccess:       nil,
		metrics.SignInWrongPassword: invalidCredentials(),
		metrics.SignInLocked:        fmt.Errorf("sign in: %w", lockedError(0)),
		metrics.SignInStepUp:        &account.Error{Code: account.CodeStepUpRequired},
		metrics.SignInRefused:       errors.Join(account.ErrStale, account.Errorf(account.CodeConflict, "raced")),
		metrics.SignInFailed:        fmt.Errorf("sign in: %w", account.ErrUnavailable),
	}
	for want, err := range cases {
		if got := signInOutcome(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
	if got := signInOutcome(account.Errorf(account.CodeInternal, "bug")); got != metrics.SignInFailed {
		t.Errorf("internal: %s", got)
	}
}
