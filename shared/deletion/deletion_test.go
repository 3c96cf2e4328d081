package deletion_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/closuretest"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/deletion"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/sms"
)

var ctx = context.Background()

type harness struct {
	*flowtest.Env
	svc    *deletion.Service
	sweep  *deletion.Sweeper
	cards  *card.Service
	phones *phonechange.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := flowtest.New(t, nil)
	pay := paypass.New(env.Store, env.Hasher, env.Clock, env.Cfg, env.Log)
	return &harness{Env: env,
		svc:    deletion.NewService(env.Store, pay, env.Cfg.DeletionHold, env.Cfg.RecentAuthWindow, env.Clock, rand.Reader, env.Log),
		sweep:  deletion.NewSweeper(env.Store, env.Clock, rand.Reader, env.Log),
		cards:  card.NewService(env.Store, pay, env.Cfg, env.Clock, rand.Reader, env.Log),
		phones: phonechange.NewService(env.Store, env.Hasher, env.Clock, rand.Reader, env.Cfg, env.Log)}
}

func (h *harness) fresh(a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: h.Clock.Now()}
}

func (h *harness) account(t *testing.T, id string) account.Account {
	t.Helper()
	a, err := h.Store.Account(ctx, id)
	if err != nil || a == nil {
		t.Fatalf("account %s: %v", id, err)
	}
	return *a
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// TestDeletionIsRefusedUntilEverythingIsSettled: a stale session, a wrong payment password, a
// linked card, a phone change under way and each flag refuse the request with their codes, and
// change nothing; settled, it is accepted once, with deletion_requested.
func TestDeletionIsRefusedUntilEverythingIsSettled(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	p := h.fresh(a)
	wantCode(t, func() error {
		_, err := h.svc.Request(ctx, account.Principal{AccountID: a.ID}, a.PaymentPassword)
		return err
	}(),
		account.CodeReauthRequired)
	_, err := h.svc.Request(ctx, p, "385016")
	wantCode(t, err, account.CodeWrongPaymentPassword)

	c, err := h.cards.Link(ctx, p, card.LinkRequest{CardNumber: "4111111111111111", PaymentPassword: a.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Request(ctx, p, a.PaymentPassword)
	wantCode(t, err, account.CodeCardsLinked)
	if err := h.cards.Unlink(ctx, p, c.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := h.phones.Start(ctx, p, phonechange.StartRequest{LoginPassword: a.Password,
		OldPhoneToken: h.Token(t, a, account.PurposePhoneChangeOld)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Request(ctx, p, a.PaymentPassword)
	wantCode(t, err, account.CodePhoneChangePending)
	h.Clock.Advance(h.Cfg.PhoneChangeTTL + time.Second) // the change lapses unfinished

	stacktest.UpdateItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "SET blocks = :b", map[string]any{":b": []string{"investigation", "balance"}})
	_, err = h.svc.Request(ctx, h.fresh(a), a.PaymentPassword)
	wantCode(t, err, account.CodeAccountFlagged)
	if e, _ := account.As(err); !slices.Equal(e.Flags, []string{"balance", "investigation"}) {
		t.Fatalf("flags %v", e.Flags)
	}
	stacktest.UpdateItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "REMOVE blocks", nil)
	if n := len(h.Events(t, a.ID, account.EventDeletionRequested)); n != 0 {
		t.Fatalf("%d deletion_requested after refusals", n)
	}

	out, err := h.svc.Request(ctx, h.fresh(a), a.PaymentPassword)
	if err != nil || out.Status != "pending" || !out.EffectiveAt.Equal(h.Clock.Now().Add(h.Cfg.DeletionHold)) {
		t.Fatalf("request: %+v %v", out, err)
	}
	_, err = h.svc.Request(ctx, h.fresh(a), a.PaymentPassword)
	wantCode(t, err, account.CodeDeletionPending)
	if evs := h.Events(t, a.ID, account.EventDeletionRequested); len(evs) != 1 || evs[0][account.DetailEffectiveAt] == nil {
		t.Fatalf("events %v", evs)
	}
	// During the hold the account works, and a phone change is refused.
	_, err = h.phones.Start(ctx, h.fresh(a), phonechange.StartRequest{LoginPassword: a.Password,
		OldPhoneToken: h.Token(t, a, account.PurposePhoneChangeOld)})
	wantCode(t, err, account.CodeDeletionPending)
}

// TestCancelThenTheSweepCloses: a cancelled deletion is not carried out; requested again, the
// sweep closes the account once its hold has passed (not before): claims released, sessions
// ended, filed for account.closed with reason deletion; the number can sign up again.
func TestCancelThenTheSweepCloses(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	if _, err := h.svc.Request(ctx, h.fresh(a), a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Cancel(ctx, h.fresh(a)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.svc.Cancel(ctx, h.fresh(a)), account.CodeNotFound)
	h.Clock.Advance(h.Cfg.DeletionHold + time.Hour)
	if n, err := h.sweep.ApplyDue(ctx, h.Clock.Now(), false); err != nil || n != 0 {
		t.Fatalf("sweep after a cancel: %d %v", n, err)
	}
	if evs := h.Events(t, a.ID, account.EventDeletionCancelled); len(evs) != 1 || evs[0][account.DetailReason] != account.DeletionCancelledByHolder {
		t.Fatalf("cancel events %v", evs)
	}

	if _, err := h.svc.Request(ctx, h.fresh(a), a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(h.Cfg.DeletionHold - time.Minute)
	if n, err := h.sweep.ApplyDue(ctx, h.Clock.Now(), false); err != nil || n != 0 {
		t.Fatalf("sweep before the hold ends: %d %v", n, err)
	}
	h.Clock.Advance(2 * time.Minute)
	if n, err := h.sweep.ApplyDue(ctx, h.Clock.Now(), false); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	got := h.account(t, a.ID)
	if got.Status != account.StatusClosed || !got.DeletionDueAt.IsZero() {
		t.Fatalf("after the sweep: %s, due %v", got.Status, got.DeletionDueAt)
	}
	item := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	if item["closedReason"] != account.ClosedDeletion || item["GSI1PK"] == nil {
		t.Fatalf("not filed for account.closed: %v %v", item["closedReason"], item["GSI1PK"])
	}
	if claim := stacktest.GetItem(t, h.DB, h.Table, "PHONE#"+a.Phone.E164, "PHONE"); claim != nil {
		t.Fatalf("the phone claim stayed: %v", claim)
	}
	if evs := h.Events(t, a.ID, account.EventAccountClosed); len(evs) != 1 || evs[0][account.DetailReason] != account.ClosedDeletion {
		t.Fatalf("closed events %v", evs)
	}
	if n, err := h.sweep.ApplyDue(ctx, h.Clock.Now(), false); err != nil || n != 0 {
		t.Fatalf("a second sweep: %d %v", n, err)
	}
	h.SignUp(t, flowtest.WithPhone(a.Phone)) // the number is free again
}

// TestTheSweepCancelsWhenAPreconditionFails: a card linked during the hold, or a freeze, cancels
// the deletion when it falls due, and says why.
func TestTheSweepCancelsWhenAPreconditionFails(t *testing.T) {
	h := newHarness(t)
	a, b := h.SignUp(t), h.SignUp(t)
	for _, u := range []flowtest.Account{a, b} {
		if _, err := h.svc.Request(ctx, h.fresh(u), u.PaymentPassword); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.cards.Link(ctx, h.fresh(a), card.LinkRequest{CardNumber: "4111111111111111", PaymentPassword: a.PaymentPassword}); err != nil {
		t.Fatal(err)
	}
	stacktest.UpdateItem(t, h.DB, h.Table, "ACCOUNT#"+b.ID, "ACCOUNT", "SET #s = :f", map[string]any{":f": "frozen"}, "#s", "status")
	h.Clock.Advance(h.Cfg.DeletionHold + time.Minute)
	if n, err := h.sweep.ApplyDue(ctx, h.Clock.Now(), false); err != nil || n != 2 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	for u, reason := range map[string]string{a.ID: "cards_linked", b.ID: "account_frozen"} {
		got := h.account(t, u)
		evs := h.Events(t, u, account.EventDeletionCancelled)
		if got.Status == account.StatusClosed || !got.DeletionDueAt.IsZero() || len(evs) != 1 || evs[0][account.DetailReason] != reason {
			t.Fatalf("%s: %s, due %v, events %v", u, got.Status, got.DeletionDueAt, evs)
		}
	}
}

// TestDeletionRacesAPhoneChange: a deletion request and a phone change's start, at once: at most
// one succeeds, and the account never holds both.
func TestDeletionRacesAPhoneChange(t *testing.T) {
	h := newHarness(t)
	for range 5 {
		a := h.SignUp(t)
		token := h.Token(t, a, account.PurposePhoneChangeOld)
		var wg sync.WaitGroup
		var delErr, chErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, delErr = h.svc.Request(ctx, h.fresh(a), a.PaymentPassword) }()
		go func() {
			defer wg.Done()
			_, chErr = h.phones.Start(ctx, h.fresh(a), phonechange.StartRequest{LoginPassword: a.Password, OldPhoneToken: token})
		}()
		wg.Wait()
		if delErr == nil && chErr == nil {
			t.Fatal("both a deletion and a phone change were accepted")
		}
		st, err := h.Store.DeletionState(ctx, a.ID, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !st.Account.DeletionDueAt.IsZero() && st.PhoneChanges > 0 {
			t.Fatal("the account holds a pending deletion and an open phone change")
		}
	}
}

// TestTheClosureJobCarriesOutADeletion: the closure job, with the deletion sweep, closes an
// account whose deletion fell due and publishes its account.closed (reason deletion) to the
// ledger's topic in the same run, and exactly once over the runs that follow.
func TestTheClosureJobCarriesOutADeletion(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	if _, err := h.svc.Request(ctx, h.fresh(a), a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	topic := closuretest.NewTopic(t)
	job := closure.NewService(h.Store.ForClosure(), sms.NewTopic(stacktest.SNSClient(t), topic), closure.NoPhoneChanges{}, h.Clock,
		rand.Reader, h.Cfg, h.Log).WithDeletions(h.sweep)
	for day := range 3 { // half the hold; past it by a day; a day later
		h.Clock.Advance(h.Cfg.DeletionHold/2 + time.Duration(day)*24*time.Hour)
		if _, err := job.Run(ctx, closure.Request{}); err != nil {
			t.Fatalf("run %d: %v", day, err)
		}
		if n := len(closuretest.TopicMessages(t, topic)); day == 0 && n != 0 || day > 0 && n != 1 {
			t.Fatalf("after run %d: %d messages", day, n)
		}
	}
	if got := h.account(t, a.ID); got.Status != account.StatusClosed {
		t.Fatalf("status %s", got.Status)
	}
	var closed []closure.ClosedMessage
	for _, m := range closuretest.TopicMessages(t, topic) {
		var msg closure.ClosedMessage
		if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || m.Type != closure.ClosedType {
			t.Fatalf("message %+v: %v", m, err)
		}
		closed = append(closed, msg)
	}
	if len(closed) != 1 || closed[0].AccountID != a.ID || closed[0].Reason != account.ClosedDeletion {
		t.Fatalf("account.closed messages: %+v", closed)
	}
}

// TestTheSweepRacesACancel: the sweep and the holder's cancel at once, as the hold ends: exactly
// one of them takes effect, and the table says which (closed with no cancel event, or active with
// one and no deletion pending).
func TestTheSweepRacesACancel(t *testing.T) {
	h := newHarness(t)
	for range 6 {
		a := h.SignUp(t)
		if _, err := h.svc.Request(ctx, h.fresh(a), a.PaymentPassword); err != nil {
			t.Fatal(err)
		}
		asOf := h.Clock.Now().Add(h.Cfg.DeletionHold + time.Minute)
		var wg sync.WaitGroup
		var cancelErr, sweepErr error
		wg.Add(2)
		go func() { defer wg.Done(); cancelErr = h.svc.Cancel(ctx, h.fresh(a)) }()
		go func() { defer wg.Done(); _, sweepErr = h.sweep.ApplyDue(ctx, asOf, false) }()
		wg.Wait()
		if sweepErr != nil {
			t.Fatal(sweepErr)
		}
		got := h.account(t, a.ID)
		cancels := len(h.Events(t, a.ID, account.EventDeletionCancelled))
		closes := len(h.Events(t, a.ID, account.EventAccountClosed))
		switch got.Status {
		case account.StatusClosed:
			if cancelErr == nil || cancels != 0 || closes != 1 {
				t.Fatalf("closed, yet the cancel answered %v; %d cancel and %d close events", cancelErr, cancels, closes)
			}
		case account.StatusActive:
			if cancelErr != nil || cancels != 1 || closes != 0 || !got.DeletionDueAt.IsZero() {
				t.Fatalf("active: cancel %v; %d cancel and %d close events; due %v", cancelErr, cancels, closes, got.DeletionDueAt)
			}
		default:
			t.Fatalf("status %s", got.Status)
		}
	}
}
