package otp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"regexp"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// lastText is an SMS sender that keeps the last text.
type lastText struct{ text string }

func (l *lastText) SendSMS(_ context.Context, _, text string) error { l.text = text; return nil }

// TestSentAndVerifiedCodesAreCountedByPurposeAndRegion: a code sent and verified writes one
// CodesSent and one CodesVerified metric line, both with the purpose and the phone's ISO region,
// which the challenge keeps from the send to the verify.
func TestSentAndVerifiedCodesAreCountedByPurposeAndRegion(t *testing.T) {
	h := newHarness(t, nil)
	var logs bytes.Buffer
	sms := &lastText{}
	h.svc = otp.NewService(h.store, courier.New(sms), h.clock, rand.Reader, h.cfg, logging.New(&logs, slog.LevelInfo))
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	if _, err := h.verify(res.ChallengeID, regexp.MustCompile(`\d{6}`).FindString(sms.text)); err != nil {
		t.Fatal(err)
	}
	counted := map[string]map[string]any{}
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{metrics.CodesSent, metrics.CodesVerified} {
			if m["msg"] == metrics.Message && m[name] != nil {
				if counted[name] != nil {
					t.Fatalf("%s counted twice", name)
				}
				counted[name] = m
			}
		}
	}
	for _, name := range []string{metrics.CodesSent, metrics.CodesVerified} {
		m := counted[name]
		if m == nil || m[name] != 1.0 || m[metrics.DimPurpose] != "signup" || m[metrics.DimRegion] != "CN" {
			t.Errorf("%s line %v", name, m)
		}
	}
}
