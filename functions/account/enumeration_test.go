package main

import (
	"context"
	"crypto/rand"
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

// TestSignInTiming: over 200 wrong passwords each, interleaved, the median time of a sign-in for
// a number with an account and for one without differ by at most 20% of the larger, or 5 ms.
// (That they answer alike, lock alike and say so alike is TestSignInLockoutEndToEnd.)
func TestSignInTiming(t *testing.T) {
	f := faults.NewFixture(t, func(e *flowtest.Env) {
		e.Cfg.LoginMaxFailures, e.Cfg.SignInIPHourly = 1<<20, 1<<20 // no lock: time the full check
	})
	a := f.SignUp(t)
	h := secret.NewHasher(abuse.HashParams(), rand.Reader, f.Cfg.Pepper)
	abuse.Rehash(t, f.DB, f.Table, a, h)
	pay := paypass.New(f.Store, h, f.Clock, f.Cfg, f.Log)
	handle := newRouter(handler{sessions: session.NewService(f.Store, h, f.Clock, rand.Reader, f.Cfg, f.Log), pay: pay,
		cards: card.NewService(f.Store, pay, f.Cfg, f.Clock, rand.Reader, f.Log), freeze: freeze.NewService(f.Store, f.Clock, rand.Reader, f.Log)}, f.Log).Handle
	run := func(phone string) func(int) {
		return func(i int) {
			ev := signInEvent(phone, fmt.Sprintf("wrong-password-%03d", i), someDevice, "").Event
			if resp, err := handle(context.Background(), ev); err != nil || resp.StatusCode != 401 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Compare(t, fmt.Sprintf("sign-in, wrong password, %+v: account (A) vs none (B)", abuse.HashParams()), run(a.Phone.E164), run(flowtest.NewPhone(t).E164))
}
