package closure_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/closuretest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/config"
)

// resumeAccounts are 30 accounts idle over 12 months at T (two of them blocked) and 10 that
// become due a warning a week later.
func resumeAccounts() (due []account.Account, blocked map[string]string) {
	for i := range 40 {
		last := T.AddDate(0, -12, -i)
		if i >= 30 {
			last = T.AddDate(0, -11, 6)
		}
		due = append(due, account.Account{ID: fmt.Sprintf("RESUME%020d", i), Status: account.StatusActive,
			Phone: fmt.Sprintf("+86137%08d", i), Lang: "en", CreatedAt: last, LastActiveAt: last, Version: 1})
	}
	return due, map[string]string{due[3].ID: "investigation", due[17].ID: "debt"}
}

// seeded returns a harness whose table holds resumeAccounts, warned by a run at T.
func seeded(t *testing.T, edit func(*config.Config)) *harness {
	t.Helper()
	h := newHarness(t, edit)
	accounts, blocked := resumeAccounts()
	closuretest.Seed(t, h.db, h.table, accounts, true, 8)
	for id, reason := range blocked {
		h.set(t, id, "SET blocks = :b", map[string]any{":b": []string{reason}})
	}
	c := h.runAt(t, T)
	want(t, "warned at T", c.Warned, 28)
	return h
}

// comparable is a Counts without the read capacity, which depends on how often empty
// partitions were read.
func comparable(c closure.Counts) string {
	c.ReadUnits = 0
	return fmt.Sprintf("%+v", c)
}

func TestRunCutByTheDeadlineResumesAndClosesEachAccountOnce(t *testing.T) {
	t.Parallel()
	edit := func(c *config.Config) {
		c.ClosureConcurrency, c.ClosurePageSize, c.ClosureHorizonMonths = 1, 4, 14
		c.ClosureDeadlineMargin = 2 * time.Second
	}
	full, cut := seeded(t, edit), seeded(t, edit)
	at := T.AddDate(0, 0, 8)
	reference := full.runAt(t, at)
	want(t, "reference run: closed, warned, skipped", []any{reference.Closed, reference.Warned, reference.Skipped},
		[]any{28, 10, map[string]int{"debt": 1, "investigation": 1}})

	cut.clock.T = at
	var total closure.Counts
	invocations := 0
	// The budget grows by half each time, so the run finishes however slow DynamoDB Local is
	// on a loaded machine, after several cut-short invocations on a quiet one.
	for budget := 100 * time.Millisecond; ; budget += budget / 2 {
		invocations++
		ctx, cancel := context.WithTimeout(context.Background(), cut.cfg.ClosureDeadlineMargin+budget)
		sum, err := cut.service(t, cut.topic).Run(ctx, closure.Request{})
		cancel()
		if err != nil {
			t.Fatalf("invocation %d: %v", invocations, err)
		}
		total.Add(sum.Invocation)
		t.Logf("invocation %d (%v to start pages): closed %d, remaining units %d", invocations, budget, sum.Invocation.Closed, sum.RemainingUnits)
		if invocations == 1 && sum.Complete {
			t.Fatal("the first invocation was not cut short; the test needs a smaller budget")
		}
		if sum.Complete {
			if comparable(sum.Run) != comparable(total) {
				t.Errorf("the checkpoint's totals %s differ from the invocations' %s", comparable(sum.Run), comparable(total))
			}
			break
		}
		if invocations > 25 {
			t.Fatal("the run never completed")
		}
	}
	if comparable(total) != comparable(reference) {
		t.Errorf("the invocations together: %s\none full run: %s", comparable(total), comparable(reference))
	}
	msgs := closedMessages(t, cut.topic)
	accounts, blocked := resumeAccounts()
	for _, a := range accounts[:30] {
		closed := 1
		if blocked[a.ID] != "" {
			closed = 0
		}
		if n := cut.events(t, a.ID, account.EventAccountClosed); n != closed || len(msgs[a.ID]) != closed {
			t.Errorf("%s: %d account_closed events, %d messages; want %d", a.ID, n, len(msgs[a.ID]), closed)
		}
	}
	for _, a := range accounts[30:] {
		want(t, "warnings of "+a.ID, cut.events(t, a.ID, account.EventInactivityWarning), 1)
	}
	// Invoked again the same day, the run is done.
	sum, err := cut.service(t, cut.topic).Run(context.Background(), closure.Request{})
	if err != nil || !sum.Complete || sum.Invocation.Examined != 0 || len(closuretest.TopicMessages(t, cut.topic)) != 28 {
		t.Fatalf("after the run: %+v, %v", sum, err)
	}
}

// cancelAfter is the store as the job sees it, ending the invocation (cancel) right after its
// n-th closure lands.
type cancelAfter struct {
	closure.Store
	n      int
	cancel context.CancelFunc
}

func (s *cancelAfter) Close(ctx context.Context, c closure.Closure) (bool, closure.Subject, error) {
	ok, sub, err := s.Store.Close(ctx, c)
	if s.n--; s.n == 0 {
		s.cancel()
	}
	return ok, sub, err
}

// TestInvocationEndedMidPageCountsWhatItClosed: an invocation that ends between two entries of a
// page saves the page up to the last entry it acted on, so the next invocation neither acts on
// an entry twice nor loses one from the counts, although a closed account leaves the index.
func TestInvocationEndedMidPageCountsWhatItClosed(t *testing.T) {
	t.Parallel()
	edit := func(c *config.Config) { c.ClosureConcurrency, c.ClosurePageSize, c.ClosureHorizonMonths = 1, 4, 14 }
	full, cut := seeded(t, edit), seeded(t, edit)
	at := T.AddDate(0, 0, 8)
	reference := full.runAt(t, at)

	cut.clock.T = at
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &cancelAfter{Store: cut.store.ForClosure(), n: 2, cancel: cancel}
	svc := closure.NewService(store, newTopic(t, cut.topic), closure.NoPhoneChanges{}, cut.clock, rand.Reader, cut.cfg, closuretest.Logger(t))
	first, err := svc.Run(ctx, closure.Request{})
	if err != nil || first.Complete {
		t.Fatalf("first invocation: complete %v, err %v", first.Complete, err)
	}
	want(t, "closed by the first invocation", first.Invocation.Closed, 2)
	second, err := cut.service(t, cut.topic).Run(context.Background(), closure.Request{})
	if err != nil || !second.Complete {
		t.Fatalf("second invocation: complete %v, err %v", second.Complete, err)
	}
	var total closure.Counts
	total.Add(first.Invocation)
	total.Add(second.Invocation)
	want(t, "the invocations together", comparable(total), comparable(reference))
	want(t, "the checkpoint's totals", comparable(second.Run), comparable(reference))
	if n := len(closuretest.TopicMessages(t, cut.topic)); n != 28 {
		t.Errorf("%d account.closed messages, want 28", n)
	}
}
