package session

import (
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// TestStepUpInsideTheNighttimeWindow: inside the account's window even a known device needs a
// login_step_up code; outside it, only a new device does.
func TestStepUpInsideTheNighttimeWindow(t *testing.T) {
	night := account.Nighttime{Enabled: true, Start: "23:00", End: "07:00", TimeZone: "Asia/Shanghai"}
	protected := account.Account{Alerts: account.AlertSettings{Nighttime: night}}
	midnight := time.Date(2026, 11, 21, 16, 0, 0, 0, time.UTC) // 00:00 in Shanghai
	noon := time.Date(2026, 11, 21, 4, 0, 0, 0, time.UTC)      // 12:00 in Shanghai
	for _, tc := range []struct {
		name  string
		acct  account.Account
		known bool
		at    time.Time
		want  bool
	}{
		{"known device at night", protected, true, midnight, true},
		{"known device at noon", protected, true, noon, false},
		{"new device at noon", protected, false, noon, true},
		{"protection off, known device at night", account.Account{}, true, midnight, false},
	} {
		if got := stepUpNeeded(tc.acct, tc.known, tc.at); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
