package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/local/abuse"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
)

// timingRouter is ResetFunction over f's table with hasher (abuse.HashParams), and the
// account's hashes made with it too.
func timingRouter(t *testing.T, f *faults.Fixture, a flowtest.Account) faults.Handler {
	t.Helper()
	h := secret.NewHasher(abuse.HashParams(), rand.Reader, f.Cfg.Pepper)
	abuse.Rehash(t, f.DB, f.Table, a, h)
	payments := paypass.New(f.Store, h, f.Clock, f.Cfg, f.Log)
	resets := reset.NewService(f.Store, payments, h, strength.CheckLoginPassword, f.Clock, rand.Reader, f.Cfg, f.Log).
		WithFreezer(freeze.NewService(f.Store, f.Clock, rand.Reader, f.Log))
	return newRouter(resets, session.NewService(f.Store, h, f.Clock, rand.Reader, f.Cfg, f.Log), f.Log).Handle
}

// TestResetWithoutSMSDoesNotTellWhetherANumberHasAnAccount: wrong details for a number with an
// account and for one without are answered alike, attempt after attempt until and after the
// lock, in status, headers and body.
func TestResetWithoutSMSDoesNotTellWhetherANumberHasAnAccount(t *testing.T) {
	f := faults.NewFixture(t, nil)
	a := withCard(t, f)
	handle := timingRouter(t, f, a)
	unknown := flowtest.NewPhone(t).E164
	for i := 1; i <= f.Cfg.LoginMaxFailures+2; i++ {
		known := answer(t, handle, alternative(a, a.Phone.E164, "110101199003074515", 0).Event)
		other := answer(t, handle, alternative(a, unknown, "110101199003074515", 0).Event)
		if known != other {
			t.Fatalf("attempt %d: a number with an account answers\n  %s\nand one without\n  %s", i, known, other)
		}
	}
}

// TestResetWithoutSMSTiming: over 200 wrong attempts each, interleaved, the median time of a
// number with an account and of one without differ by at most 20% of the larger, or 5 ms.
func TestResetWithoutSMSTiming(t *testing.T) {
	f := faults.NewFixture(t, func(e *flowtest.Env) { e.Cfg.LoginMaxFailures = 1 << 20 }) // no lock: time the full check
	a := withCard(t, f)
	handle := timingRouter(t, f, a)
	unknown := flowtest.NewPhone(t).E164
	run := func(phone string) func(int) {
		ev := alternative(a, phone, "110101199003074515", 0).Event
		return func(int) {
			if resp, err := handle(context.Background(), ev); err != nil || resp.StatusCode != 401 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Compare(t, fmt.Sprintf("reset without SMS, wrong details, %v: account (A) vs none (B)", abuse.HashParams()), run(a.Phone.E164), run(unknown))
}

// answer renders what a client sees of a response: status, the headers that vary, the body.
func answer(t *testing.T, handle faults.Handler, ev events.APIGatewayV2HTTPRequest) string {
	t.Helper()
	resp, err := handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d Retry-After=%q %s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
}

// lockEvent is POST /v1/account/lock for phone with a's password and the answer to a question
// (wrong when answer is "").
func lockEvent(a flowtest.Account, phone, answer string) events.APIGatewayV2HTTPRequest {
	return jsonEvent("POST /v1/account/lock", lockBody{Phone: phone, LoginPassword: a.Password,
		SecurityAnswer: &body.Answer{QuestionID: "first_pet", Answer: answer}}, 0).Event
}

// TestLostPhoneLockDoesNotTellWhetherANumberHasAnAccount: wrong data for a number with an
// account and a number without are answered alike, attempt after attempt, until and after the
// lock; and their median times differ by at most 20% of the larger, or 5 ms.
func TestLostPhoneLockDoesNotTellWhetherANumberHasAnAccount(t *testing.T) {
	f := faults.NewFixture(t, nil)
	a := f.SignUp(t)
	handle := timingRouter(t, f, a)
	unknown := flowtest.NewPhone(t).E164
	for i := 1; i <= f.Cfg.LoginMaxFailures+2; i++ {
		known, other := answer(t, handle, lockEvent(a, a.Phone.E164, "not it")), answer(t, handle, lockEvent(a, unknown, "not it"))
		if known != other {
			t.Fatalf("attempt %d: a number with an account answers\n  %s\nand one without\n  %s", i, known, other)
		}
	}

	g := faults.NewFixture(t, func(e *flowtest.Env) { e.Cfg.LoginMaxFailures = 1 << 20 }) // no lock: time the full check
	b := g.SignUp(t)
	handle = timingRouter(t, g, b)
	run := func(phone string) func(int) {
		ev := lockEvent(b, phone, "not it")
		return func(int) {
			if resp, err := handle(context.Background(), ev); err != nil || resp.StatusCode != 401 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Compare(t, fmt.Sprintf("lost-phone lock, wrong answer, %v: account (A) vs none (B)", abuse.HashParams()), run(b.Phone.E164), run(flowtest.NewPhone(t).E164))
}

// emailLockEvent is POST /v1/account/lock by email with a's password and a wrong answer.
func emailLockEvent(a flowtest.Account, addr string) events.APIGatewayV2HTTPRequest {
	return jsonEvent("POST /v1/account/lock", lockBody{Email: addr, LoginPassword: a.Password,
		SecurityAnswer: &body.Answer{QuestionID: "first_pet", Answer: "not it"}}, 0).Event
}

// TestLockByEmailDoesNotTellWhetherAnAddressHasAnAccount: wrong data for a verified address and
// for an address without an account answer alike, attempt after attempt, until and after the
// lock; and their median times differ by at most 20% of the larger, or 5 ms.
func TestLockByEmailDoesNotTellWhetherAnAddressHasAnAccount(t *testing.T) {
	f := faults.NewFixture(t, nil)
	a := f.SignUp(t)
	known := flowtest.NewEmail(t)
	f.BindEmail(t, a, known)
	handle := timingRouter(t, f, a)
	unknown := flowtest.NewEmail(t)
	for i := 1; i <= f.Cfg.LoginMaxFailures+2; i++ {
		k, u := answer(t, handle, emailLockEvent(a, known)), answer(t, handle, emailLockEvent(a, unknown))
		if k != u {
			t.Fatalf("attempt %d: a verified address answers\n  %s\nand an unknown one\n  %s", i, k, u)
		}
	}

	g := faults.NewFixture(t, func(e *flowtest.Env) { e.Cfg.LoginMaxFailures = 1 << 20 }) // no lock: time the full check
	b := g.SignUp(t)
	addr := flowtest.NewEmail(t)
	g.BindEmail(t, b, addr)
	handle = timingRouter(t, g, b)
	run := func(addr string) func(int) {
		ev := emailLockEvent(b, addr)
		return func(int) {
			if resp, err := handle(context.Background(), ev); err != nil || resp.StatusCode != 401 {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
	}
	abuse.Compare(t, fmt.Sprintf("lock by email, wrong answer, %v: verified address (A) vs none (B)", abuse.HashParams()), run(addr), run(flowtest.NewEmail(t)))
}
