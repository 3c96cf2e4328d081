package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wallet-accounts/wallet/local/abuse"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// emailSignInEvent is POST /v1/sessions with an email instead of a phone.
func emailSignInEvent(addr, password string) faults.Request {
	b, _ := json.Marshal(signInBody{Email: addr, Password: password, Device: someDevice})
	return faults.Request{Event: faults.Event("POST /v1/sessions", string(b)), Status: 201}
}

// emailTimingRouter is AccountFunction's sign-in over f's table with abuse.HashParams, a's hashes
// made with it too.
func emailTimingRouter(t *testing.T, f *faults.Fixture, a flowtest.Account) faults.Handler {
	t.Helper()
	h := secret.NewHasher(abuse.HashParams(), rand.Reader, f.Cfg.Pepper)
	abuse.Rehash(t, f.DB, f.Table, a, h)
	pay := paypass.New(f.Store, h, f.Clock, f.Cfg, f.Log)
	return newRouter(handler{sessions: session.NewService(f.Store, h, f.Clock, rand.Reader, f.Cfg, f.Log), pay: pay,
		cards: card.NewService(f.Store, pay, f.Cfg, f.Clock, rand.Reader, f.Log), freeze: freeze.NewService(f.Store, f.Clock, rand.Reader, f.Log)}, f.Log).Handle
}

// TestEmailSignInDoesNotTellWhetherAnAddressHasAnAccount: wrong passwords for a verified address
// and for an address no account has verified — one nobody holds, and one an account was given
// at signup without proof — answer alike, attempt after attempt, until and after the lock, in
// status, Retry-After and body.
func TestEmailSignInDoesNotTellWhetherAnAddressHasAnAccount(t *testing.T) {
	f := faults.NewFixture(t, nil)
	a := f.SignUp(t)
	known := flowtest.NewEmail(t)
	f.BindEmail(t, a, known)
	handle := emailTimingRouter(t, f, a)
	answer := func(addr string) string {
		resp, err := handle(context.Background(), emailSignInEvent(addr, "not-the-password-7").Event)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d Retry-After=%q %s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
	}
	unknown := flowtest.NewEmail(t)
	for i := 1; i <= f.Cfg.LoginMaxFailures+2; i++ {
		k, u := answer(known), answer(unknown)
		if k != u {
			t.Fatalf("attempt %d: a verified address answers\n  %s\nand an unknown one\n  %s", i, k, u)
		}
	}
}

// TestEmailSignInTiming: over 200 wrong passwords each, interleaved, the median time of a
// sign-in by a verified address and by an address without an account differ by at most 20% of
// the larger, or 5 ms (the bound SECURITY.md states for the phone).
func TestEmailSignInTiming(t *testing.T) {
	f := faults.NewFixture(t, func(e *flowtest.Env) {
		e.Cfg.LoginMaxFailures, e.Cfg.SignInIPHourly = 1<<20, 1<<20 // no lock: time the full check
	})
	a := f.SignUp(t)
	known := flowtest.NewEmail(t)
	f.BindEmail(t, a, known)
	handle := emailTimingRouter(t, f, a)
	run := func(addr string) func(int) {
		return func(i int) {
			ev := emailSignInEvent(addr, fmt.Sprintf("wrong-password-%03d", i)).Event
			if resp, err := handle(context.Background(), ev); err != nil || resp.StatusCode != 401 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Compare(t, fmt.Sprintf("sign-in by email, wrong password, %+v: verified address (A) vs none (B)", abuse.HashParams()), run(known), run(flowtest.NewEmail(t)))
}

// TestAnUnverifiedAddressNeverSignsIn: an address given at signup (unverified, unclaimed) does
// not sign in even with the right password: it answers as an unknown address does.
func TestAnUnverifiedAddressNeverSignsIn(t *testing.T) {
	f := faults.NewFixture(t, nil)
	addr := flowtest.NewEmail(t)
	a := f.SignUp(t, flowtest.WithContactEmail(addr)) // on the profile, unverified, unclaimed
	handle := emailTimingRouter(t, f, a)
	resp, err := handle(context.Background(), emailSignInEvent(addr, a.Password).Event)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("an unverified address with the right password: %d %s %v", resp.StatusCode, resp.Body, err)
	}
}
