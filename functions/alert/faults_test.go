package main

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// faultFixture is AlertFunction's HTTP routes as main.go wires them, on clients that fail on
// demand. (Its stream and topic triggers are not HTTP routes; see SECURITY.md.)
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	svc, err := alert.NewService(store, sms.New(f.FaultySNS, ""), f.Clock, rand.Reader, f.Cfg, f.Log)
	if err != nil {
		t.Fatal(err)
	}
	f.Handler = newHandler(svc, session.NewService(store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log), f.Log).router.Handle
	return f
}

// TestFaultsAlertSettings fails each DynamoDB call of the alert-settings routes in turn.
func TestFaultsAlertSettings(t *testing.T) {
	const settings = `{"largeTransaction":{"amount":"5000.00","currency":"CNY"},` +
		`"nighttime":{"enabled":true,"start":"23:00","end":"07:00","timezone":"Asia/Shanghai"}}`
	faults.Run(t, faultFixture,
		faults.Case{Name: "alert settings", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("GET /v1/alert-settings", "", faults.Bearer(f.SignUp(t).SessionToken)...), Status: 200}
		}},
		faults.Case{Name: "save alert settings", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("PUT /v1/alert-settings", settings, faults.Bearer(f.SignUp(t).SessionToken)...), Status: 200}
		}},
		faults.Case{Name: "weaken alert settings", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("PUT /v1/alert-settings", weaker, faults.Bearer(protected(t, f, settings))...), Status: 200}
		}},
		faults.Case{Name: "weaken alert settings, stale session", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			session := protected(t, f, settings)
			f.Clock.Advance(f.Cfg.RecentAuthWindow + time.Second)
			return faults.Request{Event: faults.Event("PUT /v1/alert-settings", weaker, faults.Bearer(session)...), Status: 403}
		}},
	)
}

// weaker turns nighttime protection off and raises the threshold: a weakening.
const weaker = `{"largeTransaction":{"amount":"9000.00","currency":"CNY"},` +
	`"nighttime":{"enabled":false,"start":"23:00","end":"07:00","timezone":"Asia/Shanghai"}}`

// protected signs up an account, saves settings on it, nothing failing, and returns its session.
func protected(t *testing.T, f *faults.Fixture, settings string) string {
	t.Helper()
	a := f.SignUp(t)
	resp, err := f.Handler(context.Background(), faults.Event("PUT /v1/alert-settings", settings, faults.Bearer(a.SessionToken)...))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("setup: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	return a.SessionToken
}
