package activity_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/activity"
	"github.com/wallet-accounts/wallet/shared/freeze"
)

func newService(t *testing.T) (*flowtest.Env, *activity.Service) {
	t.Helper()
	env := flowtest.New(t, nil)
	return env, activity.NewService(env.Store, freeze.NewService(env.Store, env.Clock, rand.Reader, env.Log), env.Clock, env.Cfg.EventTTL)
}

// addEvent writes an event of type typ for the account at the clock's time, from origin.
func addEvent(t *testing.T, env *flowtest.Env, accountID, typ string, origin account.Origin) string {
	t.Helper()
	ctx := account.WithOrigin(context.Background(), origin)
	a, err := env.Store.Account(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	return addEventID(t, ctx, env, *a, ulid.MustNew(ulid.Timestamp(env.Clock.Now()), rand.Reader).String(), typ)
}

// addEventID writes an event of type typ with the given id at the clock's time.
func addEventID(t *testing.T, ctx context.Context, env *flowtest.Env, a account.Account, id, typ string) string {
	t.Helper()
	ev := account.Event{ID: id, Type: typ, At: env.Clock.Now(), Details: map[string]string{account.DetailLast4: "4444"}}
	if err := env.Store.SaveProfile(ctx, a, a.Profile, &ev); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestActivityPagesNewestFirst: the list pages through the account's events newest first, each
// with its device (named as the holder named it) and source IP, and stops at EVENT_TTL.
func TestActivityPagesNewestFirst(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	var ids []string
	for i := range 4 {
		env.Clock.Advance(time.Minute)
		ids = append(ids, addEvent(t, env, a.ID, account.EventBankCardUnlinked, account.Origin{SourceIP: fmt.Sprintf("198.51.100.%d", i), DeviceID: a.DeviceID}))
	}
	env.Clock.Advance(time.Minute)
	ids = append(ids, addEvent(t, env, a.ID, account.EventPasswordReset, account.Origin{SourceIP: "203.0.113.9"})) // no session: no device
	p := account.Principal{AccountID: a.ID}
	var got []activity.Entry
	cursor, pages := "", 0
	for {
		page, err := svc.List(context.Background(), p, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		got, cursor, pages = append(got, page.Entries...), page.NextCursor, pages+1
		if cursor == "" {
			break
		}
	}
	if pages != 3 || len(got) != 6 {
		t.Fatalf("%d pages, %d entries: %+v", pages, len(got), got)
	}
	// The creation has no event item: its entry is read from the account's id and signup device.
	if c := got[5]; c.Type != account.EventAccountCreated || c.EventID != a.ID || c.SourceIP != "" ||
		c.Device == nil || c.Device.ID != a.DeviceID || c.Device.Name != "Test phone" || c.Device.Platform != "android" {
		t.Fatalf("the oldest entry %+v (device %+v)", c, c.Device)
	}
	for i, want := range []string{ids[4], ids[3], ids[2], ids[1], ids[0]} {
		if got[i].EventID != want {
			t.Fatalf("entry %d is %s, want %s (newest first)", i, got[i].EventID, want)
		}
	}
	if got[0].SourceIP != "203.0.113.9" || got[0].Device != nil || got[1].SourceIP != "198.51.100.3" || got[1].Device.ID != a.DeviceID || got[1].Details["last4"] != "4444" {
		t.Fatalf("origins: %+v %+v", got[0], got[1])
	}

	env.Clock.Advance(env.Cfg.EventTTL - 4*time.Minute + time.Millisecond) // account_created and the first added are past the window
	page, err := svc.List(context.Background(), p, "", 50)
	if err != nil || len(page.Entries) != 4 || page.NextCursor != "" || page.Entries[3].EventID != ids[1] {
		t.Fatalf("after EVENT_TTL: %+v %v", page, err)
	}
	for _, bad := range []struct {
		cursor string
		size   int
		field  string
	}{{"", -1, "limit"}, {"", activity.MaxPageSize + 1, "limit"}, {"not a cursor", 2, "cursor"}, {"AAAA", 2, "cursor"}} {
		_, err := svc.List(context.Background(), p, bad.cursor, bad.size)
		if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidField || e.Field != bad.field {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}

// TestTheCreationIsTheLastEntry: an event of the signup's millisecond whose id sorts before the
// account's still comes before the creation, and a page after it ends with the creation.
func TestTheCreationIsTheLastEntry(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	acct, err := env.Store.Account(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	first := ulid.MustParseStrict(a.ID)
	var zero [10]byte
	if err := first.SetEntropy(zero[:]); err != nil { // the smallest id of the signup's millisecond
		t.Fatal(err)
	}
	id := addEventID(t, context.Background(), env, *acct, first.String(), account.EventIdentityDetailsSet)
	p := account.Principal{AccountID: a.ID}
	page, err := svc.List(context.Background(), p, "", 1)
	if err != nil || len(page.Entries) != 1 || page.Entries[0].EventID != id || page.NextCursor == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = svc.List(context.Background(), p, page.NextCursor, 1)
	if err != nil || len(page.Entries) != 1 || page.Entries[0].EventID != a.ID || page.NextCursor != "" {
		t.Fatalf("the page after the event: %+v %v", page, err)
	}
}

// TestReportFreezes: reporting an entry freezes the account, ends its sessions and records
// activity_reported with the freeze; an entry of another account, or past the window, is
// not_found and freezes nothing.
// TestReportingTheCreationFreezes: the account_created entry, whose id is the account's, can be
// reported like any other, within the window; another account's creation cannot.
func TestReportingTheCreationFreezes(t *testing.T) {
	env, svc := newService(t)
	a, b := env.SignUp(t), env.SignUp(t)
	p := account.Principal{AccountID: a.ID}
	if _, err := svc.Report(context.Background(), p, b.ID); !account.Is(err, account.CodeNotFound) {
		t.Fatalf("report of another account's creation: %v", err)
	}
	env.Clock.Advance(env.Cfg.EventTTL + time.Millisecond)
	if _, err := svc.Report(context.Background(), p, a.ID); !account.Is(err, account.CodeNotFound) {
		t.Fatalf("report of a creation past the window: %v", err)
	}
	env.Clock.Advance(-2 * time.Millisecond)
	if out, err := svc.Report(context.Background(), p, a.ID); err != nil || out.Status != account.StatusFrozen {
		t.Fatalf("report of the creation: %+v %v", out, err)
	}
	if reports := env.Events(t, a.ID, account.EventActivityReported); len(reports) != 1 || reports[0][account.DetailReportedEvent] != a.ID {
		t.Fatalf("reports %v", reports)
	}
}

func TestReportFreezes(t *testing.T) {
	env, svc := newService(t)
	a, b := env.SignUp(t), env.SignUp(t)
	mine := addEvent(t, env, a.ID, account.EventBankCardUnlinked, account.Origin{})
	theirs := addEvent(t, env, b.ID, account.EventBankCardUnlinked, account.Origin{})
	p := account.Principal{AccountID: a.ID}
	for _, id := range []string{theirs, ulid.MustNew(ulid.Timestamp(env.Clock.Now()), rand.Reader).String()} {
		if _, err := svc.Report(context.Background(), p, id); !account.Is(err, account.CodeNotFound) {
			t.Fatalf("report %s: %v", id, err)
		}
	}
	if _, err := svc.Report(context.Background(), p, "EVENT#x"); !account.Is(err, account.CodeInvalidField) {
		t.Fatalf("a malformed id: %v", err)
	}
	if st, _ := env.Store.Account(context.Background(), a.ID); st.Status != account.StatusActive {
		t.Fatalf("refused reports froze the account: %s", st.Status)
	}
	out, err := svc.Report(context.Background(), p, mine)
	if err != nil || out.Status != account.StatusFrozen {
		t.Fatalf("report: %+v %v", out, err)
	}
	reports := env.Events(t, a.ID, account.EventActivityReported)
	frozen := env.Events(t, a.ID, account.EventAccountFrozen)
	if len(reports) != 1 || reports[0][account.DetailReportedEvent] != mine || len(frozen) != 1 || frozen[0][account.DetailVia] != "report" {
		t.Fatalf("events: reports %v, frozen %v", reports, frozen)
	}
	for _, it := range stacktest.Scan(t, env.DB, env.Table) {
		if strings.HasPrefix(it["PK"].(string), "SESSION#") && it["accountId"] == a.ID {
			t.Fatal("the session outlived the freeze")
		}
	}
	if st, _ := env.Store.Account(context.Background(), b.ID); st.Status != account.StatusActive {
		t.Fatal("the other account was frozen")
	}
}
