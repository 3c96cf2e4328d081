package paypass_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
)

var ctx = context.Background()

type harness struct {
	*flowtest.Env
	pay *paypass.Checker
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := flowtest.New(t, nil)
	return &harness{Env: env, pay: paypass.New(env.Store, env.Hasher, env.Clock, env.Cfg, env.Log)}
}

// check reads the account afresh, as a request does, and checks pin.
func (h *harness) check(t *testing.T, a flowtest.Account, pin string) error {
	t.Helper()
	acct, err := h.Store.Account(ctx, a.ID)
	if err != nil || acct == nil {
		t.Fatalf("read account: %v", err)
	}
	return h.pay.Check(ctx, *acct, pin)
}

func wantCode(t *testing.T, err error, code account.Code) *account.Error {
	t.Helper()
	e, ok := account.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return e
}

const wrongPin = "385016"

func TestWrongPaymentPasswordsLockIt(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	if err := h.check(t, a, a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		e := wantCode(t, h.check(t, a, wrongPin), account.CodeWrongPaymentPassword)
		if e.AttemptsRemaining == nil || *e.AttemptsRemaining != 5-i {
			t.Fatalf("attempt %d: attemptsRemaining %v", i, e.AttemptsRemaining)
		}
	}
	if e := wantCode(t, h.check(t, a, wrongPin), account.CodeLocked); e.RetryAfter != 3*time.Hour {
		t.Fatalf("lock %v, want 3h", e.RetryAfter)
	}
	h.Clock.Advance(2 * time.Hour)
	wantCode(t, h.check(t, a, a.PaymentPassword), account.CodeLocked) // even the right one
	acct, _ := h.Store.Account(ctx, a.ID)
	if l := h.pay.Limits(*acct); !l.Locked || l.RetryAfterSeconds != 3600 {
		t.Fatalf("limits %+v", l)
	}
	h.Clock.Advance(time.Hour)
	if err := h.check(t, a, a.PaymentPassword); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	stacktest.AssertNotStored(t, h.DB, h.Table, a.PaymentPassword, wrongPin)
}

func TestFailuresCountWithinTheWindow(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	for i := 0; i < 4; i++ {
		wantCode(t, h.check(t, a, wrongPin), account.CodeWrongPaymentPassword)
	}
	h.Clock.Advance(24 * time.Hour)
	acct, _ := h.Store.Account(ctx, a.ID)
	if l := h.pay.Limits(*acct); l.Locked || l.AttemptsRemaining != 5 {
		t.Fatalf("a day later: %+v", l)
	}
	if e := wantCode(t, h.check(t, a, wrongPin), account.CodeWrongPaymentPassword); *e.AttemptsRemaining != 4 {
		t.Fatalf("a new window starts: %d left", *e.AttemptsRemaining)
	}
	// The right one clears the count.
	if err := h.check(t, a, a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	if e := wantCode(t, h.check(t, a, wrongPin), account.CodeWrongPaymentPassword); *e.AttemptsRemaining != 4 {
		t.Fatalf("after the right one: %d left", *e.AttemptsRemaining)
	}
}

func TestParallelWrongPaymentPasswordsAreAllCounted(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	acct, _ := h.Store.Account(ctx, a.ID)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.pay.Check(ctx, *acct, wrongPin)
		}()
	}
	wg.Wait()
	if n := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "payFailures"); n != 3 {
		t.Fatalf("%d failures counted, want 3", n)
	}
}

func TestFrozenAccountAndMalformedInput(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	acct, _ := h.Store.Account(ctx, a.ID)
	for _, pin := range []string{"12345", "1234567", "12345a", "１２３４５６"} {
		wantCode(t, h.pay.Check(ctx, *acct, pin), account.CodePaymentPasswordInvalid)
	}
	if n := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "payFailures"); n != 0 {
		t.Fatalf("malformed input counted as %d failures", n)
	}
	acct.Status = account.StatusFrozen
	wantCode(t, h.pay.Check(ctx, *acct, a.PaymentPassword), account.CodeAccountFrozen)
}

// TestRightPaymentPasswordAfterTheCountFillsIsLocked: wrong guesses checked at the same time as
// the right one can fill the count between its read and its answer; the right one then gets in
// only if it lands among the first five, as a sign-in's does. Here the count filled after the
// read and before the lock was written: the right password is refused as locked, and clears
// nothing.
func TestRightPaymentPasswordAfterTheCountFillsIsLocked(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	acct, item := h.changedAfterRead(t, a, func(item map[string]any) {
		item["payFailures"], item["payWindowStart"] = 5, h.Clock.Now().UnixMilli()
	})
	wantCode(t, h.pay.Check(ctx, acct, a.PaymentPassword), account.CodeLocked) // as read: no failure counted
	if n := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "payFailures"); n != 5 {
		t.Fatalf("payFailures %d after the refused right password, want 5", n)
	}
	// A count from an earlier window does not stand in the way.
	item["payWindowStart"] = h.Clock.Now().Add(-25 * time.Hour).UnixMilli()
	stacktest.PutItem(t, h.DB, h.Table, item)
	if err := h.pay.Check(ctx, acct, a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
}

// changedAfterRead reads a's account as a request would, then changes its stored item with edit,
// as a concurrent request would after that read; it returns the account as read and the item.
func (h *harness) changedAfterRead(t *testing.T, a flowtest.Account, edit func(item map[string]any)) (account.Account, map[string]any) {
	t.Helper()
	acct, err := h.Store.Account(ctx, a.ID)
	if err != nil || acct == nil {
		t.Fatalf("read account: %v", err)
	}
	item := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	edit(item)
	stacktest.PutItem(t, h.DB, h.Table, item)
	return *acct, item
}

// TestARefusedRightPasswordSaysTheTimeLeft: a right payment password refused because a lock was
// written after its read answers with the time that lock has left, not a whole new lock.
func TestARefusedRightPasswordSaysTheTimeLeft(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	acct, _ := h.changedAfterRead(t, a, func(item map[string]any) {
		item["payLockedUntil"] = h.Clock.Now().Add(time.Hour).UnixMilli()
	})
	e := wantCode(t, h.pay.Check(ctx, acct, a.PaymentPassword), account.CodeLocked)
	if e.RetryAfter != time.Hour {
		t.Fatalf("retry after %v, want the hour the lock has left", e.RetryAfter)
	}
}

// TestAPaymentPasswordMovesToTheNewPepper: after a rotation, a right payment password verifies
// under the old key and its admission stores a hash under the new one; an admission whose old
// hash was replaced meanwhile (a reset landed between read and write) is a lost race and never
// puts the old password back.
func TestAPaymentPasswordMovesToTheNewPepper(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	h.Rotate(t)
	h.pay = paypass.New(h.Store, h.Hasher, h.Clock, h.Cfg, h.Log)
	stale, err := h.Store.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	raced, err := h.pay.Verify(ctx, *stale, a.PaymentPassword)
	if err != nil || raced.Rehash == "" || secret.HashKeyID(raced.Rehash) != "2" {
		t.Fatalf("Verify under the old key = %+v, %v; want an admission that rehashes under key 2", raced, err)
	}
	if err := h.check(t, a, a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	moved, _ := h.Store.Account(ctx, a.ID)
	if secret.HashKeyID(moved.PaymentHash) != "2" || moved.PaymentHash == raced.Rehash {
		t.Fatalf("after a right payment password the hash must be under key 2: %s", moved.PaymentHash)
	}
	wantCode(t, h.Store.AdmitPayment(ctx, raced), account.CodeConflict)
	if after, _ := h.Store.Account(ctx, a.ID); after.PaymentHash != moved.PaymentHash {
		t.Fatal("an admission that lost the race must not overwrite the stored hash")
	}
	if err := h.check(t, a, a.PaymentPassword); err != nil {
		t.Fatalf("the moved hash must verify without a rehash: %v", err)
	}
}
