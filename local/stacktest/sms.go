package stacktest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/moto"
)

// SMS is one SMS sent through the stack's SNS (moto).
type SMS struct {
	MessageID string
	To        string // E.164
	Text      string
}

// SentSMS returns every SMS moto has recorded since the stack started, oldest first. Tests
// share moto: filter by number (see WaitSMS).
func SentSMS(t testing.TB) []SMS {
	t.Helper()
	s := Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all, err := moto.SentSMS(ctx, http.DefaultClient, s.SNS)
	if err != nil {
		t.Fatalf("sent SMS: %v", err)
	}
	out := make([]SMS, len(all))
	for i, m := range all {
		out[i] = SMS{MessageID: m.MessageID, To: m.To, Text: m.Text}
	}
	return out
}

// SMSTo returns the SMS sent to the E.164 number to, oldest first.
func SMSTo(t testing.TB, to string) []SMS {
	t.Helper()
	var out []SMS
	for _, m := range SentSMS(t) {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// WaitSMS waits up to timeout for the SMS to the E.164 number to that follows the first
// after ones sent to it (after 0: the first ever; after len(SMSTo(t, to)): the next one)
// and returns it; it fails the test on timeout.
func WaitSMS(t testing.TB, to string, after int, timeout time.Duration) SMS {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := SMSTo(t, to)
		if len(got) > after {
			return got[after]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SMS #%d to %s within %v (%d sent to it: %s)", after+1, to, timeout, len(got), texts(got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func texts(ms []SMS) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, strconv.Quote(m.Text))
	}
	return strings.Join(parts, " | ")
}
