package closure_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/wallet-accounts/wallet/local/closuretest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/support"
)

// TestASupportClosureIsPublishedByTheNextRun: an account customer service closes (the closure
// path: claims released, filed under CLOSED#) gets its account.closed, with reason support, from
// the job's next run, once; a flagged account is neither closed by customer service nor by the job.
func TestASupportClosureIsPublishedByTheNextRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.signupAt(t, T.AddDate(0, -1, 0), "+86 138 0013 8200", "Closed.By@Support.example")
	flagged := h.signupAt(t, T.AddDate(0, -13, 0), "+86 138 0013 8201", "")
	svc := support.NewService(h.store.ForSupport(h.cfg.AuditTTL), h.clock, rand.Reader, h.cfg.EventTTL, closuretest.Logger(t))
	agent := support.Caller{ARN: "arn:aws:iam::123456789012:user/agent"}
	ctx := context.Background()
	if _, err := svc.SetFlags(ctx, agent, flagged, support.Case{Reason: "r", CaseID: "CS-1"}, support.FlagChange{Set: []string{account.FlagDebt}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Close(ctx, agent, flagged, support.Case{Reason: "r", CaseID: "CS-2"}); !account.Is(err, account.CodeCloseBlocked) {
		t.Fatalf("close of a flagged account: %v", err)
	}
	h.clock.T = T.AddDate(0, 0, -1)
	if res, err := svc.Close(ctx, agent, id, support.Case{Reason: "holder asked", CaseID: "CS-3"}); err != nil || res.Status != account.StatusClosed {
		t.Fatalf("close: %+v %v", res, err)
	}
	c := h.runAt(t, T)
	want(t, "notified, closed by the job", []int{c.Notified, c.Closed}, []int{1, 0})
	want(t, "skipped", c.Skipped, map[string]int{"debt": 1})
	want(t, "status of the flagged account", h.account(t, flagged)["status"], "active")
	msgs := closedMessages(t, h.topic)
	if m := msgs[id]; len(m) != 1 || m[0].Reason != account.ViaSupport || m[0].EventID != h.account(t, id)["closedEventId"] {
		t.Fatalf("account.closed: %+v", m)
	}
	want(t, "account_closed events", h.events(t, id, account.EventAccountClosed), 1)
	h.runAt(t, T.AddDate(0, 0, 1))
	want(t, "messages after another run", len(closedMessages(t, h.topic)[id]), 1)
}
