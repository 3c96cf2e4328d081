package alert_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"
	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// harness is the alert service over a fresh table in DynamoDB Local and SMS through moto, with
// an injected clock; outbox sees every Publish and can fail the next ones.
type harness struct {
	*flowtest.Env
	svc  *alert.Service
	sent *outbox
	logs *bytes.Buffer // the service's log, as a function writes it
}

func newHarness(t *testing.T, tune func(*config.Config)) *harness {
	t.Helper()
	env := flowtest.New(t, tune)
	h := &harness{Env: env, sent: &outbox{}, logs: &bytes.Buffer{}}
	client := stacktest.SNSClient(t, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, h.sent.capture) })
	svc, err := alert.NewService(env.Store, sms.New(client, ""), env.Clock, rand.Reader, env.Cfg, logging.New(h.logs, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

// outbox records each SMS that reached moto, by number, and fails the next `failing` publishes.
type outbox struct {
	mu      sync.Mutex
	texts   map[string][]string
	failing int
}

func (o *outbox) capture(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("outbox", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		p, ok := in.Parameters.(*sns.PublishInput)
		if !ok {
			return next.HandleInitialize(ctx, in)
		}
		o.mu.Lock()
		fail := o.failing > 0
		if fail {
			o.failing--
		}
		o.mu.Unlock()
		if fail {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected SNS failure")
		}
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil {
			o.mu.Lock()
			if o.texts == nil {
				o.texts = map[string][]string{}
			}
			o.texts[*p.PhoneNumber] = append(o.texts[*p.PhoneNumber], *p.Message)
			o.mu.Unlock()
		}
		return out, md, err
	}), middleware.After)
}

func (o *outbox) to(phone string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.texts[phone]...)
}

func (o *outbox) failNext(n int) {
	o.mu.Lock()
	o.failing = n
	o.mu.Unlock()
}

func (h *harness) event(t *testing.T, typ string, details map[string]string) account.Event {
	t.Helper()
	return account.Event{ID: ulid.MustNew(ulid.Timestamp(h.Clock.Now()), rand.Reader).String(), Type: typ, At: h.Clock.Now(), Details: details}
}

// change stores a phone change of the account from its phone to newPhone and returns its id.
func (h *harness) change(t *testing.T, a flowtest.Account, newPhone string) string {
	t.Helper()
	own := ulid.MustNew(ulid.Timestamp(h.Clock.Now()), rand.Reader).String()
	id := account.JoinChangeID(a.ID, own)
	stacktest.PutItem(t, h.DB, h.Table, map[string]any{"PK": "ACCOUNT#" + a.ID, "SK": "PHONECHANGE#" + own, "changeId": id,
		"accountId": a.ID, "path": "identity", "state": "pending", "oldPhone": a.Phone.E164, "newPhone": newPhone,
		"createdAt": h.Clock.Now().UnixMilli(), "expiresAt": h.Clock.Now().Add(time.Hour).Unix()})
	return id
}

func (h *harness) deliver(t *testing.T, accountID string, ev account.Event) {
	t.Helper()
	if err := h.svc.Deliver(context.Background(), accountID, ev); err != nil {
		t.Fatalf("deliver %s: %v", ev.Type, err)
	}
}

var linkRE = regexp.MustCompile(`https://wallet\.example/f/([0-9A-Za-z]{22})\b`)

// TestEachEventSendsItsSMSOnceToTheRightNumbers: every event type, delivered twice, sends its
// text once to each of its recipients, with a freeze link except account_frozen and
// account_closed; account_created sends nothing.
func TestEachEventSendsItsSMSOnceToTheRightNumbers(t *testing.T) {
	h := newHarness(t, nil)
	newPhone := flowtest.NewPhone(t).E164
	for _, tc := range []struct {
		typ     string
		details func(a flowtest.Account) map[string]string
		to      func(a flowtest.Account) []string // recipients, in order
		text    string
		link    bool
	}{
		{typ: account.EventAccountCreated},
		{typ: account.EventNewDeviceLogin, details: fixed(map[string]string{"platform": "ios"}), text: "signed in on a new device (iOS)", link: true},
		{typ: account.EventPasswordReset, text: "login password was reset", link: true},
		{typ: account.EventPaymentPasswordReset, text: "payment password was reset", link: true},
		{typ: account.EventAccountFrozen, text: "was frozen"},
		{typ: account.EventInactivityWarning, details: fixed(map[string]string{"closesOn": "2026-12-21"}), text: "closes on 2026-12-21", link: true},
		{typ: account.EventAccountClosed, text: "was closed"},
		{typ: account.EventPasskeyAdded, details: fixed(map[string]string{"passkeyId": "0123456789abcdef01234567"}), text: "a passkey was added", link: true},
		{typ: account.EventPasskeyRemoved, details: fixed(map[string]string{"passkeyId": "0123456789abcdef01234567"}), text: "a passkey was removed", link: true},
		{typ: account.EventPasskeyClone, details: fixed(map[string]string{"passkeyId": "0123456789abcdef01234567"}), text: "may be copied", link: true},
		{typ: account.EventProtectionWeakened, details: fixed(map[string]string{"weakened": "nighttime_narrowed,threshold_removed"}),
			text: "nighttime protection and large-payment alert weakened", link: true},
		{typ: account.EventBankCardUnlinked, details: fixed(map[string]string{"last4": "4444"}), text: "the bank card ending 4444 was unlinked", link: true},
		{typ: account.EventIdentityDetailsSet, details: fixed(map[string]string{"fields": "citizenship,idDocument"}),
			text: "an ID document and citizenship were added", link: true},
		{typ: account.EventIdentityVerified, details: fixed(map[string]string{"caseId": "c", "level": "verified"}),
			text: "with a second check; limits raised", link: true},
		{typ: account.EventIdentityRejected, details: fixed(map[string]string{"caseId": "c", "reason": "blurry_photo"}),
			text: "verification not approved", link: true},
		{typ: account.EventPhoneChangeStarted, details: func(a flowtest.Account) map[string]string {
			return map[string]string{"changeId": h.change(t, a, newPhone), "effectiveAt": "2026-11-22T10:00:00Z"}
		}, to: func(a flowtest.Account) []string { return []string{a.Phone.E164} }, text: "at 2026-11-22 18:00 UTC+08:00 unless cancelled", link: true},
		{typ: account.EventPhoneChanged, details: func(a flowtest.Account) map[string]string {
			return map[string]string{"changeId": h.change(t, a, newPhone)}
		}, to: func(a flowtest.Account) []string { return []string{a.Phone.E164, newPhone} }, text: "", link: true},
		{typ: account.EventPhoneChangeCancelled, details: func(a flowtest.Account) map[string]string {
			return map[string]string{"changeId": h.change(t, a, newPhone), "effectiveAt": "2026-11-22T10:00:00Z"}
		}, to: func(a flowtest.Account) []string { return []string{a.Phone.E164} }, text: "was cancelled", link: true},
		{typ: account.EventPhoneChangeCancelled, details: func(a flowtest.Account) map[string]string {
			return map[string]string{"changeId": h.change(t, a, newPhone)} // never on hold: never announced
		}},
	} {
		a := h.SignUp(t)
		var details map[string]string
		if tc.details != nil {
			details = tc.details(a)
		}
		ev := h.event(t, tc.typ, details)
		before := len(h.sent.to(newPhone))
		h.deliver(t, a.ID, ev)
		h.deliver(t, a.ID, ev) // redelivered: nothing more
		var to []string
		switch {
		case tc.to != nil:
			to = tc.to(a)
		case tc.text != "":
			to = []string{a.Phone.E164}
		}
		got := h.sent.to(a.Phone.E164)
		if want := min(len(to), 1); len(got) != want {
			t.Errorf("%s: %d SMS to the account's number, want %d: %q", tc.typ, len(got), want, got)
			continue
		}
		if n := len(h.sent.to(newPhone)) - before; n != len(to)-min(len(to), 1) {
			t.Errorf("%s: %d SMS to the new number", tc.typ, n)
		}
		if len(to) == 0 {
			continue
		}
		text := got[0]
		if !strings.Contains(text, tc.text) || linkRE.MatchString(text) != tc.link || strings.Contains(text, a.Phone.E164[3:]) {
			t.Errorf("%s: %q", tc.typ, text)
		}
	}
	if texts := h.sent.to(newPhone); len(texts) != 1 || !strings.Contains(texts[0], "this number replaced") ||
		!strings.Contains(texts[0], "****") || !linkRE.MatchString(texts[0]) {
		t.Errorf("phone_changed to the new number: %q", texts)
	}
}

func fixed(m map[string]string) func(flowtest.Account) map[string]string {
	return func(flowtest.Account) map[string]string { return m }
}

// TestFreezeLinkWorksOnceWithinItsLifetime: the link's token freezes the account without a
// session, once; a token past FREEZE_TOKEN_TTL freezes nothing.
func TestFreezeLinkWorksOnceWithinItsLifetime(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	h.deliver(t, a.ID, h.event(t, account.EventPasswordReset, nil))
	h.Clock.Advance(time.Minute)
	h.deliver(t, a.ID, h.event(t, account.EventPaymentPasswordReset, nil))
	texts := h.sent.to(a.Phone.E164)
	if len(texts) != 2 {
		t.Fatalf("texts: %q", texts)
	}
	first, second := linkRE.FindStringSubmatch(texts[0])[1], linkRE.FindStringSubmatch(texts[1])[1]
	stacktest.AssertNotStored(t, h.DB, h.Table, first, second)
	fr := freeze.NewService(h.Store, h.Clock, rand.Reader, slog.New(slog.DiscardHandler))

	h.Clock.Advance(h.Cfg.FreezeTokenTTL - 30*time.Second) // the first token is past its lifetime, the second not yet
	if _, err := fr.Freeze(context.Background(), freeze.Request{FreezeToken: first}); !account.Is(err, account.CodeInvalidFreezeToken) {
		t.Fatalf("an expired token: %v", err)
	}
	res, err := fr.Freeze(context.Background(), freeze.Request{FreezeToken: second})
	if err != nil || res.Status != account.StatusFrozen {
		t.Fatalf("freeze by link: %+v %v", res, err)
	}
	if _, err := fr.Freeze(context.Background(), freeze.Request{FreezeToken: second}); !account.Is(err, account.CodeInvalidFreezeToken) {
		t.Fatalf("the token is spent: %v", err)
	}
	if got, _ := h.Store.Account(context.Background(), a.ID); got.Status != account.StatusFrozen {
		t.Fatalf("status %s", got.Status)
	}
}

// TestFailedPublishIsReleasedAndRetriedOnce: a publish that fails leaves no marker, no token
// and no charge behind, so the retry sends; after it, nothing more is sent.
func TestFailedPublishIsReleasedAndRetriedOnce(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	budget := func() int { // every shard's count: the day's SMS
		n := 0
		for shard := range ratelimit.SMSBudgetShards {
			n += stacktest.GetNumber(t, h.DB, h.Table, "RATE#sms-budget#"+strconv.Itoa(shard), "D20261121", "n")
		}
		return n
	}
	charged := budget() // the signup code's
	ev := h.event(t, account.EventNewDeviceLogin, map[string]string{"platform": "android"})
	h.sent.failNext(1)
	if err := h.svc.Deliver(context.Background(), a.ID, ev); err == nil {
		t.Fatal("a failed publish must fail the delivery")
	}
	if m := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "SENT#"+ev.ID+"#account"); m != nil {
		t.Fatalf("the claim must be released: %v", m)
	}
	if n := budget() - charged; n != 0 {
		t.Fatalf("the budget must be given back: %d", n)
	}
	for _, item := range stacktest.Scan(t, h.DB, h.Table) {
		if strings.HasPrefix(item["PK"].(string), "FREEZE#") {
			t.Fatalf("the unsent token must go: %v", item)
		}
	}
	h.deliver(t, a.ID, ev)
	h.deliver(t, a.ID, ev)
	if got := h.sent.to(a.Phone.E164); len(got) != 1 {
		t.Fatalf("sent %d: %q", len(got), got)
	}
	if m := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "SENT#"+ev.ID+"#account"); m["state"] != "sent" {
		t.Fatalf("marker %v", m)
	}
	if n := budget() - charged; n != 1 {
		t.Fatalf("budget charged %d", n)
	}
}

// TestAClaimInFlightIsTakenOverOnlyAfterItsLease: while another delivery holds the claim,
// nothing is sent and the delivery fails (to be retried); once the holder's lease has passed
// (it died), the next delivery sends.
func TestAClaimInFlightIsTakenOverOnlyAfterItsLease(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	ev := h.event(t, account.EventPasswordReset, nil)
	now := h.Clock.Now()
	err := h.Store.ClaimAlert(context.Background(), alert.Claim{AccountID: a.ID, AlertID: ev.ID, Role: alert.RoleAccount, ClaimID: "other",
		Now: now, LeaseUntil: now.Add(10 * time.Second), ExpiresAt: now.Add(time.Hour),
		Budget: ratelimit.Counter{Key: "sms-budget", Window: "D20261121", Max: 100, Ends: now.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Deliver(context.Background(), a.ID, ev); !errors.Is(err, alert.ErrInFlight) {
		t.Fatalf("in flight elsewhere: %v", err)
	}
	h.Clock.Advance(11 * time.Second)
	h.deliver(t, a.ID, ev)
	if got := h.sent.to(a.Phone.E164); len(got) != 1 {
		t.Fatalf("sent %q", got)
	}
}

func TestAlertsStopWhenTheDailyBudgetIsSpent(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SMSDailyBudget = 2 }) // under 200: one exact counter
	a := h.SignUp(t)
	// The signup code was charged on one of the signup flow's own budget shards (its budget is
	// larger): on this counter, or not.
	room := 2 - stacktest.GetNumber(t, h.DB, h.Table, "RATE#sms-budget#0", "D20261121", "n")
	for range room {
		h.deliver(t, a.ID, h.event(t, account.EventPasswordReset, nil))
	}
	var limit *ratelimit.LimitError
	if err := h.svc.Deliver(context.Background(), a.ID, h.event(t, account.EventPaymentPasswordReset, nil)); !errors.As(err, &limit) {
		t.Fatalf("over budget: %v", err)
	}
	if got := h.sent.to(a.Phone.E164); len(got) != room || room < 1 {
		t.Fatalf("sent %q, room for %d", got, room)
	}
	// What the operator's alarm and metric count (template.yaml: the ProblemCodes filter matches
	// $.code; AlertsSent is an EMF line): the held alert once, with its code, and each one sent.
	if held := h.logLines(t, "msg", "alert held: the daily SMS budget is spent"); len(held) != 1 ||
		held[0]["level"] != "ERROR" || held[0]["code"] != string(account.CodeSMSBudgetExhausted) {
		t.Fatalf("held alert logged as %v", held)
	}
	if sent := h.logLines(t, metrics.AlertsSent, 1.0); len(sent) != room || sent[0][metrics.DimChannel] != metrics.ChannelSMS {
		t.Fatalf("alerts-sent metric lines %v", sent)
	}
}

// logLines returns the service's log lines whose member key is value.
func (h *harness) logLines(t *testing.T, key string, value any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(h.logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m[key] == value {
			out = append(out, m)
		}
	}
	return out
}

func TestUnknownAccountsAndChangesAreDropped(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.svc.Deliver(context.Background(), "01KNOSUCHACCOUNT0000000000", h.event(t, account.EventPasswordReset, nil)); err != nil {
		t.Fatal(err)
	}
	a := h.SignUp(t)
	if err := h.svc.Deliver(context.Background(), a.ID, h.event(t, account.EventPhoneChanged, map[string]string{"changeId": "nope"})); err != nil {
		t.Fatal(err)
	}
	tx := alert.Transaction{EventID: "t1", AccountID: "01KNOSUCHACCOUNT0000000000", Amount: "1", Currency: "CNY", Merchant: "m", OccurredAt: h.Clock.Now()}
	if err := h.svc.Transaction(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	if got := h.sent.to(a.Phone.E164); len(got) != 0 {
		t.Fatalf("sent %q", got)
	}
}

// TestLargeTransactions: below the threshold nothing, at and above it one SMS each (once per
// eventId), in another currency nothing; the text tells amount, merchant and the time in the
// account's time zone.
func TestLargeTransactions(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	on := false
	p := account.Principal{AccountID: a.ID}
	if _, err := h.svc.SaveSettings(context.Background(), p, alert.SettingsInput{LargeTransaction: &alert.MoneyView{Amount: "1000.00", Currency: "CNY"},
		Nighttime: &alert.NighttimeInput{Enabled: &on, Start: "23:00", End: "07:00", TimeZone: "America/New_York"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 15, 4, 0, 0, time.UTC)
	send := func(id, amount, currency string) {
		t.Helper()
		tx := alert.Transaction{EventID: id, AccountID: a.ID, Amount: amount, Currency: currency, Merchant: "Harbour Electronics", OccurredAt: at}
		if err := h.svc.Transaction(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
	}
	send("below", "999.99", "CNY")
	send("other-currency", "5000.00", "USD")
	if got := h.sent.to(a.Phone.E164); len(got) != 0 {
		t.Fatalf("sent %q", got)
	}
	send("equal", "1000.00", "CNY")
	send("above", "12000.5", "CNY")
	send("above", "12000.5", "CNY") // a duplicate message
	got := h.sent.to(a.Phone.E164)
	if len(got) != 2 {
		t.Fatalf("sent %q", got)
	}
	if !strings.Contains(got[0], "a payment of 1,000.00 CNY to Harbour Electronics") || !strings.Contains(got[1], "12,000.5 CNY") ||
		!strings.Contains(got[1], "2026-11-21 10:04 UTC-05:00") || !linkRE.MatchString(got[1]) {
		t.Fatalf("texts %q", got)
	}
}

// TestTransactionsCountAsActivity: a transaction moves lastActiveAt and the activity index to
// today, at most one write a day.
func TestTransactionsCountAsActivity(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	h.Clock.Advance(40 * 24 * time.Hour) // 2026-12-31
	tx := alert.Transaction{EventID: "t1", AccountID: a.ID, Amount: "1", Currency: "CNY", Merchant: "m", OccurredAt: h.Clock.Now()}
	if err := h.svc.Transaction(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	item := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	if int64(item["lastActiveAt"].(float64)) != h.Clock.Now().UnixMilli() || !strings.HasPrefix(item["GSI1PK"].(string), "ACTIVE#2026-12#") {
		t.Fatalf("activity not recorded: %v %v", item["lastActiveAt"], item["GSI1PK"])
	}
	writes := h.Calls.Operations()["DynamoDB.UpdateItem"]
	tx.EventID = "t2"
	if err := h.svc.Transaction(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	if n := h.Calls.Operations()["DynamoDB.UpdateItem"] - writes; n != 0 {
		t.Fatalf("a second transaction the same day wrote %d times", n)
	}
}

// TestSettingsAreStoredOnTheAccount: saved conditional on the version, read back with the
// defaults filled in; a frozen account changes nothing.
func TestSettingsAreStoredOnTheAccount(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	p := account.Principal{AccountID: a.ID, FreshAt: h.Clock.Now()} // removing the threshold below needs it
	view, err := h.svc.Settings(context.Background(), p)
	if err != nil || view.LargeTransaction != nil || view.Nighttime != (alert.NighttimeView{Start: "23:00", End: "07:00", TimeZone: "Asia/Shanghai"}) {
		t.Fatalf("defaults: %+v %v", view, err)
	}
	on := true
	in := alert.SettingsInput{LargeTransaction: &alert.MoneyView{Amount: "500", Currency: "HKD"},
		Nighttime: &alert.NighttimeInput{Enabled: &on, Start: "22:30", End: "06:15", TimeZone: "Asia/Hong_Kong"}}
	before, _ := h.Store.Account(context.Background(), a.ID)
	if _, err := h.svc.SaveSettings(context.Background(), p, in); err != nil {
		t.Fatal(err)
	}
	after, _ := h.Store.Account(context.Background(), a.ID)
	want := account.AlertSettings{LargeTransaction: &account.Money{Amount: "500", Currency: "HKD"},
		Nighttime: account.Nighttime{Enabled: true, Start: "22:30", End: "06:15", TimeZone: "Asia/Hong_Kong"}}
	if *after.Alerts.LargeTransaction != *want.LargeTransaction || after.Alerts.Nighttime != want.Nighttime || after.Version != before.Version+1 {
		t.Fatalf("stored %+v version %d -> %d", after.Alerts, before.Version, after.Version)
	}
	in.LargeTransaction = nil
	if view, err := h.svc.SaveSettings(context.Background(), p, in); err != nil || view.LargeTransaction != nil {
		t.Fatalf("threshold off: %+v %v", view, err)
	}
	if got, _ := h.Store.Account(context.Background(), a.ID); got.Alerts.LargeTransaction != nil {
		t.Fatalf("threshold still stored: %+v", got.Alerts)
	}
	fr := freeze.NewService(h.Store, h.Clock, rand.Reader, slog.New(slog.DiscardHandler))
	if _, err := fr.Freeze(context.Background(), freeze.Request{Principal: &p}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SaveSettings(context.Background(), p, in); !account.Is(err, account.CodeAccountFrozen) {
		t.Fatalf("frozen: %v", err)
	}
}

// events are the account's stored security events of type typ, as the stream delivers them.
func events(t *testing.T, h *harness, accountID, typ string) []account.Event {
	t.Helper()
	var out []account.Event
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] != "ACCOUNT#"+accountID || !strings.HasPrefix(it["SK"].(string), "EVENT#") || it["type"] != typ {
			continue
		}
		details := map[string]string{}
		m, _ := it["details"].(map[string]any)
		for k, v := range m {
			details[k], _ = v.(string)
		}
		out = append(out, account.Event{ID: it["eventId"].(string), Type: typ, At: time.UnixMilli(int64(it["at"].(float64))), Details: details})
	}
	return out
}

// TestWeakeningSettingsNeedsFreshProof: from a session whose proof is older than
// RECENT_AUTH_WINDOW, strengthening saves and writes no event, but weakening (alone, or with a
// strengthening) answers reauthentication_required and changes nothing; with fresh proof it saves
// and writes one protection_weakened, whose SMS names what was weakened and carries a freeze link.
func TestWeakeningSettingsNeedsFreshProof(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	p := account.Principal{AccountID: a.ID, FreshAt: h.Clock.Now()}
	h.Clock.Advance(h.Cfg.RecentAuthWindow + time.Second)
	on, off := true, false
	save := func(p account.Principal, amount, start, end string, enabled *bool) error {
		in := alert.SettingsInput{Nighttime: &alert.NighttimeInput{Enabled: enabled, Start: start, End: end, TimeZone: "Asia/Shanghai"}}
		if amount != "" {
			in.LargeTransaction = &alert.MoneyView{Amount: amount, Currency: "CNY"}
		}
		_, err := h.svc.SaveSettings(context.Background(), p, in)
		return err
	}
	stored := func() account.AlertSettings {
		acct, err := h.Store.Account(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return acct.Alerts
	}
	for _, step := range []struct {
		name, amount, start, end string
		enabled                  *bool
	}{
		{"protection on, a threshold set", "5000", "23:00", "07:00", &on},
		{"the window widened", "5000", "22:00", "07:30", &on},
		{"the threshold lowered", "4000", "22:00", "07:30", &on},
	} {
		if err := save(p, step.amount, step.start, step.end, step.enabled); err != nil {
			t.Fatalf("%s, stale: %v", step.name, err)
		}
	}
	want := stored()
	for _, step := range []struct {
		name, amount, start, end string
		enabled                  *bool
	}{
		{"protection off", "4000", "22:00", "07:30", &off},
		{"the window narrowed", "4000", "22:00", "07:00", &on},
		{"the threshold raised", "4000.01", "22:00", "07:30", &on},
		{"the threshold removed", "", "22:00", "07:30", &on},
		{"widened but the threshold raised", "9000", "21:00", "08:00", &on},
	} {
		err := save(p, step.amount, step.start, step.end, step.enabled)
		if !account.Is(err, account.CodeReauthRequired) {
			t.Fatalf("%s, stale: %v, want reauthentication_required", step.name, err)
		}
		if got := stored(); got.Nighttime != want.Nighttime || *got.LargeTransaction != *want.LargeTransaction {
			t.Fatalf("%s, stale: stored %+v", step.name, got)
		}
	}
	if n := len(events(t, h, a.ID, account.EventProtectionWeakened)); n != 0 {
		t.Fatalf("%d protection_weakened events before any weakening was saved", n)
	}

	p.FreshAt = h.Clock.Now() // reauthenticated
	if err := save(p, "", "00:00", "06:00", &on); err != nil {
		t.Fatalf("narrowed and removed, fresh: %v", err)
	}
	if got := stored(); got.LargeTransaction != nil || got.Nighttime.Start != "00:00" {
		t.Fatalf("fresh: stored %+v", got)
	}
	evs := events(t, h, a.ID, account.EventProtectionWeakened)
	if len(evs) != 1 || evs[0].Details["weakened"] != "nighttime_narrowed,threshold_removed" {
		t.Fatalf("events %+v, want one protection_weakened", evs)
	}
	h.deliver(t, a.ID, evs[0])
	h.deliver(t, a.ID, evs[0])
	texts := h.sent.to(a.Phone.E164)
	if len(texts) != 1 || !strings.Contains(texts[0], "nighttime protection and large-payment alert weakened") ||
		!linkRE.MatchString(texts[0]) {
		t.Fatalf("SMS %q", texts)
	}
	if err := save(p, "100", "00:00", "06:00", &on); err != nil || len(events(t, h, a.ID, account.EventProtectionWeakened)) != 1 {
		t.Fatalf("a strengthening writes no event: %v", err)
	}
}
