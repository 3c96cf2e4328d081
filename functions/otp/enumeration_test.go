package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/wallet-accounts/wallet/local/abuse"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// TestCodeRequestsDoNotTellWhetherANumberHasAnAccount: for every purpose that needs an account, a
// code request for a number with one (a code goes out by SMS) and for a number without (nothing
// is sent) answer alike in status, headers and body but for the challenge id; over 200 of each,
// interleaved, after 20 of each to warm the SNS latency estimate, their median times differ by
// at most 20% of the larger, or 5 ms.
func TestCodeRequestsDoNotTellWhetherANumberHasAnAccount(t *testing.T) {
	f := faults.NewFixture(t, func(e *flowtest.Env) { limitless(&e.Cfg) })
	svc := otp.NewService(dynamo.New(f.DB, f.Table), courier.New(sms.New(f.FaultySNS, "")), f.Clock, rand.Reader, f.Cfg, f.Log)
	handle := newRouter(svc, f.Log).Handle
	known, unknown := f.SignUp(t).Phone, flowtest.NewPhone(t)
	send := func(phone account.Phone, purpose account.Purpose) string {
		resp, err := handle(context.Background(), sendEvent(phone, purpose).Event)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &body)
		delete(body, "challengeId")
		headers := maps.Clone(resp.Headers)
		return fmt.Sprintf("%d %v %v", resp.StatusCode, headers, body)
	}
	for _, purpose := range account.Purposes {
		if !purpose.NeedsAccount() {
			continue
		}
		if a, b := send(known, purpose), send(unknown, purpose); a != b {
			t.Errorf("%s: a number with an account answers %s, one without %s", purpose, a, b)
		}
	}
	timed := func(phone account.Phone) func(int) {
		return func(int) {
			if resp, err := handle(context.Background(), sendEvent(phone, account.PurposeResetLogin).Event); err != nil || resp.StatusCode != 202 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Pair(20, timed(known), timed(unknown))
	abuse.Compare(t, "code request, reset_login: account, SMS sent (A) vs none, nothing sent (B)", timed(known), timed(unknown))
}
