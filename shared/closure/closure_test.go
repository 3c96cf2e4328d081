package closure_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/local/closuretest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp/otptest"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/signup"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// T is when the tests' main run happens.
var T = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

// cheap are argon2id parameters for tests.
var cheap = secret.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type harness struct {
	db      *dynamodb.Client
	table   string
	store   *dynamo.Store
	clock   *account.FixedClock
	cfg     config.Config
	calls   *stacktest.Calls
	topic   string
	signup  *signup.Service
	signin  *session.Service
	issuer  *otptest.Issuer
	tokens  map[string]string // session token of each account's signup
	secrets map[string]string // device secret of each number's signup
}

func newHarness(t *testing.T, edit func(*config.Config)) *harness {
	t.Helper()
	h := &harness{clock: &account.FixedClock{T: T}, calls: &stacktest.Calls{}, cfg: closuretest.Config(t, edit), tokens: map[string]string{}, secrets: map[string]string{}}
	h.db, h.table = stacktest.NewTable(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, h.calls.Middleware) })
	h.store = dynamo.New(h.db, h.table).WithEventTTL(h.cfg.EventTTL)
	h.topic = closuretest.NewTopic(t)
	h.issuer = otptest.NewIssuer(h.store, h.cfg, h.clock)
	hasher := secret.NewHasher(cheap, rand.Reader, h.cfg.Pepper)
	h.signup = signup.NewService(h.store, hasher, strength.CheckLoginPassword, h.clock, rand.Reader, h.cfg, closuretest.Logger(t))
	h.signin = session.NewService(h.store, hasher, h.clock, rand.Reader, h.cfg, closuretest.Logger(t))
	return h
}

// service returns the job publishing to topic.
func (h *harness) service(t *testing.T, topic string) *closure.Service {
	return closure.NewService(h.store.ForClosure(), newTopic(t, topic), closure.NoPhoneChanges{}, h.clock, rand.Reader, h.cfg,
		closuretest.Logger(t))
}

// runAt runs the job to completion at at.
func (h *harness) runAt(t *testing.T, at time.Time) closure.Counts {
	t.Helper()
	h.clock.T = at
	h.calls.Reset()
	sum, err := h.service(t, h.topic).Run(context.Background(), closure.Request{})
	if err != nil || !sum.Complete {
		t.Fatalf("run at %s: complete %v, err %v", at.Format(time.DateOnly), sum.Complete, err)
	}
	if n := h.calls.Count("DynamoDB.Scan"); n != 0 {
		t.Fatalf("the job scanned %d times", n)
	}
	return sum.Invocation
}

// signupAt signs a phone up at at through the real signup flow, and returns the account id.
func (h *harness) signupAt(t *testing.T, at time.Time, number, email string) string {
	t.Helper()
	h.clock.T = at
	ph, err := phone.Parse(number, "")
	if err != nil {
		t.Fatal(err)
	}
	req := signup.Request{VerificationToken: h.issuer.Token(t, ph, account.PurposeSignup), LoginPassword: "violet-harbor-seventy-2",
		PaymentPassword: "295071", AgreementVersion: h.cfg.AgreementVersion,
		SecurityAnswers: []signup.AnswerInput{{QuestionID: "first_school", Answer: "Riverside Primary"},
			{QuestionID: "first_pet", Answer: "Mochi"}, {QuestionID: "childhood_street", Answer: "Elm Road"}},
		Profile: &signup.ProfileInput{RealName: "Li Wei", Email: email},
		Device:  &session.DeviceInput{ID: closureDevice, Name: "Phone", Platform: "android"}}
	res, err := h.signup.Signup(context.Background(), req, nil, "") // no Idempotency-Key: the raw body is not used
	if err != nil {
		t.Fatalf("signup %s: %v", number, err)
	}
	var out signup.Result
	if err := json.Unmarshal(res, &out); err != nil {
		t.Fatal(err)
	}
	h.tokens[out.AccountID] = out.SessionToken
	h.secrets[number] = out.DeviceSecret
	return out.AccountID
}

func (h *harness) account(t *testing.T, id string) map[string]any {
	t.Helper()
	return stacktest.GetItem(t, h.db, h.table, "ACCOUNT#"+id, "ACCOUNT")
}

// set updates attributes of an account item, as another system would.
func (h *harness) set(t *testing.T, id, expr string, values map[string]any) {
	t.Helper()
	in := &dynamodb.UpdateItemInput{TableName: &h.table, UpdateExpression: aws.String(expr),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ACCOUNT#" + id},
			"SK": &types.AttributeValueMemberS{Value: "ACCOUNT"}}}
	if strings.Contains(expr, "#status") {
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
	}
	if len(values) > 0 {
		vals, err := attributevalue.MarshalMap(values)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range values {
			if ss, ok := v.([]string); ok {
				vals[k] = &types.AttributeValueMemberSS{Value: ss}
			}
		}
		in.ExpressionAttributeValues = vals
	}
	if _, err := h.db.UpdateItem(context.Background(), in); err != nil {
		t.Fatalf("update %s: %v", id, err)
	}
}

// closureDevice is the device every account of the harness signs up on.
const closureDevice = "closure-phone-01"

// signIn signs in with the number and the signup password from the signup device, proven by its
// secret.
func (h *harness) signIn(t *testing.T, number string) error {
	t.Helper()
	ph, err := phone.Parse(number, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.signin.SignIn(context.Background(), session.SignInRequest{Phone: ph, Password: "violet-harbor-seventy-2",
		Device: session.DeviceInput{ID: closureDevice, Name: "Phone", Platform: "android", Secret: h.secrets[number]}, SourceIP: "192.0.2.9"})
	return err
}

// newTopic publishes to the topic arn of the stack's moto.
func newTopic(t *testing.T, arn string) *sms.Topic { return sms.NewTopic(stacktest.SNSClient(t), arn) }

// events counts the account's security events of type typ.
func (h *harness) events(t *testing.T, id, typ string) int {
	t.Helper()
	n := 0
	for _, it := range h.partition(t, "ACCOUNT#"+id) {
		if strings.HasPrefix(it["SK"].(string), "EVENT#") && it["type"] == typ {
			n++
		}
	}
	return n
}

func (h *harness) partition(t *testing.T, pk string) []map[string]any {
	t.Helper()
	out, err := h.db.Query(context.Background(), &dynamodb.QueryInput{TableName: &h.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}}})
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// sessions counts the account's SESSION# items.
func (h *harness) sessions(t *testing.T, id string) int {
	t.Helper()
	n := 0
	for _, it := range stacktest.Scan(t, h.db, h.table) {
		if strings.HasPrefix(it["PK"].(string), "SESSION#") && it["accountId"] == id {
			n++
		}
	}
	return n
}

// closedMessages returns the account.closed messages on topic by account id.
func closedMessages(t *testing.T, topic string) map[string][]closure.ClosedMessage {
	t.Helper()
	out := map[string][]closure.ClosedMessage{}
	for _, m := range closuretest.TopicMessages(t, topic) {
		var msg closure.ClosedMessage
		if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || m.Type != closure.ClosedType || msg.Type != closure.ClosedType {
			t.Fatalf("message %q (type %q): %v", m.Body, m.Type, err)
		}
		out[msg.AccountID] = append(out[msg.AccountID], msg)
	}
	return out
}

func want(t *testing.T, what string, got, wanted any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(wanted) {
		t.Errorf("%s = %v, want %v", what, got, wanted)
	}
}

func TestIdleAccountsAreWarnedOnceAndThenClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	longAgo := T.AddDate(0, -12, -10)
	idle := h.signupAt(t, longAgo, "+86 138 0013 8100", "Idle@Example.com")
	back := h.signupAt(t, longAgo, "+86 138 0013 8101", "")
	frozen := h.signupAt(t, longAgo, "+86 138 0013 8102", "")
	investigated := h.signupAt(t, longAgo, "+86 138 0013 8103", "")
	disputed := h.signupAt(t, longAgo, "+86 138 0013 8104", "")
	idle11 := h.signupAt(t, T.AddDate(0, -11, -1), "+86 138 0013 8105", "")
	idle10 := h.signupAt(t, T.AddDate(0, -10, 0), "+86 138 0013 8106", "")
	h.set(t, idle, "SET balance = :b", map[string]any{":b": map[string]string{"amount": "125.40", "currency": "CNY"}})
	h.set(t, frozen, "SET #status = :s", map[string]any{":s": "frozen"})
	h.set(t, investigated, "SET blocks = :b", map[string]any{":b": []string{"investigation"}})
	h.set(t, disputed, "SET blocks = :b", map[string]any{":b": []string{"dispute", "debt"}})
	// idle gave its address at signup, unverified; another account proved it since and holds the
	// claim, which closing idle must neither release nor be stopped by.
	stacktest.PutItem(t, h.db, h.table, map[string]any{"PK": "EMAIL#idle@example.com", "SK": "EMAIL", "accountId": "other-account"})
	// frozen proved an address: closing it releases that claim.
	stacktest.PutItem(t, h.db, h.table, map[string]any{"PK": "EMAIL#frozen@example.com", "SK": "EMAIL", "accountId": frozen})
	stacktest.PutItem(t, h.db, h.table, map[string]any{"PK": "ACCOUNT#" + frozen, "SK": "ACCOUNT#PROFILE",
		"email": "frozen@example.com", "emailVerified": true})

	// A month before T, the accounts idle 11 months then are warned; the blocked ones are not.
	c := h.runAt(t, T.AddDate(0, 0, -30))
	want(t, "first run", []int{c.Examined, c.Warned, c.Closed}, []int{5, 3, 0})
	want(t, "skipped", c.Skipped, map[string]int{"debt": 1, "dispute": 1, "investigation": 1})
	for _, id := range []string{idle, back, frozen} {
		want(t, "warnings of "+id, h.events(t, id, account.EventInactivityWarning), 1)
	}
	// back signs in after its warning; legacy was idle past 12 months and never warned.
	last := time.UnixMilli(int64(h.account(t, back)["lastActiveAt"].(float64)))
	if err := h.store.TouchActivity(context.Background(), back, last, T.AddDate(0, 0, -5)); err != nil {
		t.Fatal(err)
	}
	legacy := h.signupAt(t, T.AddDate(0, -13, 0), "+86 138 0013 8107", "")

	c = h.runAt(t, T)
	want(t, "run at T: warned, closed, notified", []int{c.Warned, c.Closed, c.Notified}, []int{2, 2, 2})
	want(t, "skipped again", c.Skipped, map[string]int{"debt": 1, "dispute": 1, "investigation": 1})
	for id, st := range map[string]string{idle: "closed", frozen: "closed", back: "active", investigated: "active", disputed: "active",
		idle11: "active", idle10: "active", legacy: "active"} {
		want(t, "status of "+id, h.account(t, id)["status"], st)
	}
	for id, n := range map[string]int{idle11: 1, legacy: 1, idle10: 0, back: 1, investigated: 0} {
		want(t, "warnings of "+id, h.events(t, id, account.EventInactivityWarning), n)
	}
	if _, ok := h.account(t, back)["inactivityWarnedAt"]; ok {
		t.Error("activity must void the warning")
	}

	// The closed account: claims released, sessions ended, profile kept, out of the index.
	acct := h.account(t, idle)
	if stacktest.GetItem(t, h.db, h.table, "PHONE#+8613800138100", "PHONE") != nil {
		t.Error("the phone's claim must be released: sign-in finds no account for the number")
	}
	if stacktest.GetItem(t, h.db, h.table, "EMAIL#frozen@example.com", "EMAIL") != nil {
		t.Error("the claim of the closed account's verified address must be released")
	}
	if claim := stacktest.GetItem(t, h.db, h.table, "EMAIL#idle@example.com", "EMAIL"); claim["accountId"] != "other-account" {
		t.Errorf("the claim of the address another account verified must stay: %v", claim)
	}
	want(t, "sessions of the closed account", h.sessions(t, idle), 0)
	want(t, "sessions of an open account", h.sessions(t, idle10), 1)
	if _, err := h.signin.Authenticate(context.Background(), h.tokens[idle]); !account.Is(err, account.CodeUnauthenticated) {
		t.Errorf("the closed account's session: %v, want unauthenticated", err)
	}
	if err := h.signIn(t, "+86 138 0013 8100"); !account.Is(err, account.CodeInvalidCredentials) {
		t.Errorf("sign-in to the closed account: %v, want invalid_credentials", err)
	}
	if err := h.signIn(t, "+86 138 0013 8106"); err != nil {
		t.Errorf("sign-in to an open account: %v", err)
	}
	profile := stacktest.GetItem(t, h.db, h.table, "ACCOUNT#"+idle, "ACCOUNT#PROFILE")
	if profile["realName"] != "Li Wei" || acct["phone"] != "+8613800138100" {
		t.Errorf("the profile must be kept: %v %v", acct, profile)
	}
	if _, inIndex := acct["GSI1PK"]; inIndex || acct["closedNotifiedAt"] == nil {
		t.Errorf("a notified closed account leaves the index: %v", acct)
	}
	want(t, "account_closed events", h.events(t, idle, account.EventAccountClosed), 1)
	msgs := closedMessages(t, h.topic)
	if m := msgs[idle]; len(m) != 1 || m[0].Balance != (closure.Balance{Amount: "125.40", Currency: "CNY"}) ||
		m[0].EventID != acct["closedEventId"] || !m[0].ClosedAt.Equal(T) || m[0].Reason != "inactivity" {
		t.Errorf("account.closed for %s: %+v", idle, m)
	}
	if m := msgs[frozen]; len(m) != 1 || m[0].Balance != (closure.Balance{Amount: "0"}) {
		t.Errorf("account.closed for the frozen account: %+v", m)
	}

	// The next day: no second warning, nothing closed.
	c = h.runAt(t, T.AddDate(0, 0, 1))
	want(t, "next day", []int{c.Warned, c.Closed}, []int{0, 0})
	for _, id := range []string{idle11, legacy} {
		want(t, "warnings of "+id, h.events(t, id, account.EventInactivityWarning), 1)
	}
	// A week later the legacy account's notice has run: it closes; idle11 is not due yet.
	c = h.runAt(t, T.AddDate(0, 0, 8))
	want(t, "a week later: closed", c.Closed, 1)
	want(t, "status of the legacy account", h.account(t, legacy)["status"], "closed")
	want(t, "status of idle11", h.account(t, idle11)["status"], "active")
	want(t, "messages", len(closedMessages(t, h.topic)), 3)

	// The released number (and email) can sign up a new account.
	again := h.signupAt(t, T.AddDate(0, 0, 9), "+86 138 0013 8100", "idle@example.com")
	if again == idle || h.account(t, again)["status"] != "active" {
		t.Fatalf("new account %s on the released number", again)
	}
	want(t, "claim of the released number", stacktest.GetItem(t, h.db, h.table, "PHONE#+8613800138100", "PHONE")["accountId"], again)
}

// bucket returns where an account is in GSI1 as a closure.Bucket.
func (h *harness) bucket(t *testing.T, id string) closure.Bucket {
	t.Helper()
	pk, _ := h.account(t, id)["GSI1PK"].(string)
	parts := strings.Split(pk, "#")
	if len(parts) != 3 {
		t.Fatalf("GSI1PK %q", pk)
	}
	month, _ := time.Parse("2006-01", parts[1])
	var shard int
	fmt.Sscan(parts[2], &shard)
	idx := closure.Idle
	if parts[0] == "CLOSING" {
		idx = closure.Warned
	}
	return closure.Bucket{Index: idx, Month: month, Shard: shard}
}

func TestActivityBetweenReadAndWriteWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.signupAt(t, T.AddDate(0, -12, -10), "+86 138 0013 8200", "")
	other := h.signupAt(t, T.AddDate(0, -12, -10), "+86 138 0013 8201", "")
	h.runAt(t, T.AddDate(0, 0, -30))
	h.clock.T = T
	js := h.store.ForClosure()
	s, _, err := js.Subject(context.Background(), id, true)
	if err != nil || len(s.Sessions) != 1 || !s.Warned() {
		t.Fatalf("subject %+v: %v", s, err)
	}
	from := h.bucket(t, id)
	if err := h.store.TouchActivity(context.Background(), id, s.LastActiveAt, T); err != nil {
		t.Fatal(err)
	}
	ok, cur, err := js.Close(context.Background(), closure.Closure{Subject: s, From: from,
		Event: account.Event{ID: "01KCLOSEDEVENT0000000000000", Type: account.EventAccountClosed, At: T}})
	if err != nil || ok || !cur.LastActiveAt.Equal(T) || cur.Warned() {
		t.Fatalf("close after activity: ok %v, now %+v, err %v", ok, cur, err)
	}
	want(t, "status", h.account(t, id)["status"], "active")
	want(t, "sessions", h.sessions(t, id), 1)

	// The same for a warning: the entry read before the activity no longer holds.
	h.set(t, other, "REMOVE inactivityWarnedAt", nil)
	h.set(t, other, "SET GSI1PK = :pk", map[string]any{":pk": "ACTIVE#2025-11#" + fmt.Sprintf("%02d", h.bucket(t, other).Shard)})
	from = h.bucket(t, other)
	if err := h.store.TouchActivity(context.Background(), other, time.Time{}, T); err != nil {
		t.Fatal(err)
	}
	ok, cur, err = js.Warn(context.Background(), closure.Warning{AccountID: other, From: from, Cutoff: T.AddDate(0, -11, 0),
		ClosesOn: T.AddDate(0, 1, 0), Event: account.Event{ID: "01KWARNEVENT000000000000000", Type: account.EventInactivityWarning, At: T}})
	if err != nil || ok || !cur.LastActiveAt.Equal(T) {
		t.Fatalf("warn after activity: ok %v, now %+v, err %v", ok, cur, err)
	}
}

func TestTouchActivityWritesAtMostOnceADay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.signupAt(t, T.AddDate(0, -3, 0), "+86 138 0013 8300", "")
	h.set(t, id, "SET inactivityWarnedAt = :w", map[string]any{":w": T.AddDate(0, 0, -1).UnixMilli()})
	last := T.AddDate(0, -3, 0)
	now := T.Add(5 * time.Hour)
	ctx := context.Background()
	if err := h.store.TouchActivity(ctx, id, last, now); err != nil {
		t.Fatal(err)
	}
	acct := h.account(t, id)
	want(t, "lastActiveAt", int64(acct["lastActiveAt"].(float64)), now.UnixMilli())
	if pk := acct["GSI1PK"].(string); !strings.HasPrefix(pk, "ACTIVE#2026-11#") || acct["GSI1SK"] != "2026-11-21#"+id {
		t.Errorf("index entry %v %v", pk, acct["GSI1SK"])
	}
	if _, ok := acct["inactivityWarnedAt"]; ok {
		t.Error("activity voids the warning")
	}
	h.calls.Reset()
	if err := h.store.TouchActivity(ctx, id, now, now.Add(time.Hour)); err != nil || h.calls.Total() != 0 {
		t.Fatalf("already today: %d calls, %v", h.calls.Total(), err)
	}
	// A caller that read before another request's touch today: its write is refused quietly.
	if err := h.store.TouchActivity(ctx, id, last, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	want(t, "lastActiveAt after a second touch the same day", int64(h.account(t, id)["lastActiveAt"].(float64)), now.UnixMilli())
	// A closed account never re-enters the index.
	h.set(t, id, "SET #status = :s REMOVE GSI1PK, GSI1SK", map[string]any{":s": "closed"})
	if err := h.store.TouchActivity(ctx, id, now, now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.account(t, id)["GSI1PK"]; ok {
		t.Error("a closed account was put back in the index")
	}
}

func TestFailedPublishIsRetriedByTheNextRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	id := h.signupAt(t, T.AddDate(0, -12, -10), "+86 138 0013 8400", "")
	h.runAt(t, T.AddDate(0, 0, -30))
	h.clock.T = T
	missing := h.topic + "-missing"
	sum, err := h.service(t, missing).Run(context.Background(), closure.Request{})
	if err != nil || sum.Invocation.Closed != 1 || sum.Invocation.NotifyFailed != 1 || sum.Invocation.Notified != 0 {
		t.Fatalf("run with a failing topic: %+v, %v", sum.Invocation, err)
	}
	if pk, _ := h.account(t, id)["GSI1PK"].(string); !strings.HasPrefix(pk, "CLOSED#") {
		t.Fatalf("a closed account whose message is owed stays in the index: %q", pk)
	}
	c := h.runAt(t, T.AddDate(0, 0, 1))
	want(t, "the next run publishes", []int{c.Notified, c.NotifyFailed, c.Closed}, []int{1, 0, 0})
	msgs := closedMessages(t, h.topic)
	if len(msgs[id]) != 1 || msgs[id][0].EventID != h.account(t, id)["closedEventId"] {
		t.Fatalf("messages %+v", msgs)
	}
	if _, ok := h.account(t, id)["GSI1PK"]; ok {
		t.Fatal("published: the account leaves the index")
	}
	c = h.runAt(t, T.AddDate(0, 0, 2))
	want(t, "and only once", []int{c.Notified, len(closedMessages(t, h.topic)[id])}, []int{0, 1})
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	toWarn := h.signupAt(t, T.AddDate(0, -11, -3), "+86 138 0013 8500", "")
	toClose := h.signupAt(t, T.AddDate(0, -12, -10), "+86 138 0013 8501", "")
	blocked := h.signupAt(t, T.AddDate(0, -12, -10), "+86 138 0013 8502", "")
	h.set(t, blocked, "SET blocks = :b", map[string]any{":b": []string{"debt"}})
	h.runAt(t, T.AddDate(0, 0, -30))
	before := snapshot(t, h)
	h.clock.T = T
	for name, run := range map[string]func() (closure.Summary, error){
		"DRY_RUN": func() (closure.Summary, error) {
			h.cfg.DryRun = true
			defer func() { h.cfg.DryRun = false }()
			return h.service(t, h.topic).Run(context.Background(), closure.Request{})
		},
		"event": func() (closure.Summary, error) {
			return h.service(t, h.topic).Run(context.Background(), closure.Request{DryRun: true})
		},
	} {
		sum, err := run()
		if err != nil || !sum.DryRun || !sum.Complete {
			t.Fatalf("%s: %+v %v", name, sum, err)
		}
		c := sum.Invocation
		want(t, name+": would warn, close, notify", []int{c.Warned, c.Closed, c.Notified}, []int{1, 1, 0})
		want(t, name+": skipped", c.Skipped, map[string]int{"debt": 1})
		if after := snapshot(t, h); after != before {
			t.Fatalf("%s changed the table", name)
		}
	}
	if n := len(closuretest.TopicMessages(t, h.topic)); n != 0 {
		t.Fatalf("a dry run published %d messages", n)
	}
	want(t, "statuses", []any{h.account(t, toWarn)["status"], h.account(t, toClose)["status"]}, []any{"active", "active"})
}

// snapshot renders every item of the table.
func snapshot(t *testing.T, h *harness) string {
	t.Helper()
	items := stacktest.Scan(t, h.db, h.table)
	var lines []string
	for _, it := range items {
		b, _ := json.Marshal(it)
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestOneInvocationHoldsARun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	js := h.store.ForClosure()
	ctx := context.Background()
	start := closure.RunStart{RunID: "2026-11-21", AsOf: T, Owner: "a", LeaseUntil: T.Add(15 * time.Minute), Now: T}
	if _, err := js.BeginRun(ctx, start); err != nil {
		t.Fatal(err)
	}
	b := start
	b.Owner, b.Now = "b", T.Add(time.Minute)
	if _, err := js.BeginRun(ctx, b); err != closure.ErrBusy {
		t.Fatalf("a second invocation: %v, want ErrBusy", err)
	}
	b.Now = T.Add(16 * time.Minute)
	if _, err := js.BeginRun(ctx, b); err != nil {
		t.Fatalf("after the lease lapsed: %v", err)
	}
	if err := js.EndRun(ctx, "2026-11-21", "a", false, T); err == nil {
		t.Fatal("an invocation that lost the lease must not end the run")
	}
	// A finished run does nothing more that day.
	h.clock.T = T.Add(20 * time.Minute)
	if err := js.EndRun(ctx, "2026-11-21", "b", false, T); err != nil {
		t.Fatal(err)
	}
	first := h.runAt(t, T.Add(time.Hour))
	sum, err := h.service(t, h.topic).Run(ctx, closure.Request{})
	if err != nil || !sum.Complete || sum.Invocation.Examined != 0 || sum.Run.Examined != first.Examined {
		t.Fatalf("the day's run again: %+v, %v", sum, err)
	}
}

// phoneSweep counts the calls of the phone-change sweep.
type phoneSweep struct{ calls, dry int }

func (p *phoneSweep) ApplyDue(_ context.Context, _ time.Time, dryRun bool) (int, error) {
	p.calls++
	if dryRun {
		p.dry++
	}
	return 2, nil
}

func TestPhoneChangeSweepRunsOnceARun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	sweep := &phoneSweep{}
	svc := closure.NewService(h.store.ForClosure(), newTopic(t, h.topic), sweep, h.clock, rand.Reader, h.cfg, closuretest.Logger(t))
	for range 2 {
		sum, err := svc.Run(context.Background(), closure.Request{})
		if err != nil || sum.Run.PhoneChanges != 2 {
			t.Fatalf("%+v %v", sum, err)
		}
	}
	if _, err := svc.Run(context.Background(), closure.Request{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	want(t, "sweeps, dry sweeps", []int{sweep.calls, sweep.dry}, []int{2, 1})
}
