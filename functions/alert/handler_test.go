package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"
	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// harness is the handler over the real alert service: a fresh table in DynamoDB Local, SMS
// through moto, and an SDK middleware that can fail one Publish.
type harness struct {
	env  *flowtest.Env
	h    handler
	fail *stacktest.FailOnce
	sent *counter
}

// counter counts the publishes that reached moto, by number.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("counter", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if p, ok := in.Parameters.(*sns.PublishInput); ok && err == nil {
			c.mu.Lock()
			c.n[*p.PhoneNumber]++
			c.mu.Unlock()
		}
		return out, md, err
	}), middleware.Before)
}

func (c *counter) to(phone string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[phone]
}

// staticSessions authenticates the token "good" as one account.
type staticSessions struct{ accountID string }

func (s staticSessions) Authenticate(_ context.Context, token string) (account.Principal, error) {
	if token != strings.Repeat("g", 43) {
		return account.Principal{}, account.Errorf(account.CodeUnauthenticated, "sign in")
	}
	return account.Principal{AccountID: s.accountID}, nil
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := flowtest.New(t, nil)
	hs := &harness{env: env, fail: &stacktest.FailOnce{Operation: "Publish"}, sent: &counter{n: map[string]int{}}}
	client := stacktest.SNSClient(t, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, hs.sent.middleware) })
	svc, err := alert.NewService(env.Store, sms.New(client, ""), env.Clock, rand.Reader, env.Cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs.h = newHandler(svc, staticSessions{}, slog.New(slog.DiscardHandler))
	return hs
}

// signedIn makes the handler's sessions authenticate the test's token as the account.
func (hs *harness) signedIn(accountID string) {
	hs.h = newHandler(hs.h.alerts, staticSessions{accountID: accountID}, slog.New(slog.DiscardHandler))
}

// failNextPublish makes the next Publish fail before it leaves the client.
func (hs *harness) failNextPublish(t *testing.T) {
	t.Helper()
	client := stacktest.SNSClient(t, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, hs.fail.Middleware, hs.sent.middleware) })
	svc, err := alert.NewService(hs.env.Store, sms.New(client, ""), hs.env.Clock, rand.Reader, hs.env.Cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs.h = newHandler(svc, hs.h.sessions, slog.New(slog.DiscardHandler))
}

// streamRecord is the stream record of a new event item, as the filter passes it.
func streamRecord(seq int, accountID string, ev account.Event) events.DynamoDBEventRecord {
	details := map[string]events.DynamoDBAttributeValue{}
	for k, v := range ev.Details {
		details[k] = events.NewStringAttribute(v)
	}
	img := map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("ACCOUNT#" + accountID), "SK": events.NewStringAttribute("EVENT#" + ev.ID),
		"accountId": events.NewStringAttribute(accountID), "eventId": events.NewStringAttribute(ev.ID),
		"type": events.NewStringAttribute(ev.Type), "at": events.NewNumberAttribute(strconv.FormatInt(ev.At.UnixMilli(), 10)),
		"details": events.NewMapAttribute(details), "itemType": events.NewStringAttribute("event"),
	}
	return events.DynamoDBEventRecord{EventName: "INSERT", EventSource: "aws:dynamodb", EventVersion: "1.1",
		Change: events.DynamoDBStreamRecord{NewImage: img, SequenceNumber: strconv.Itoa(seq), StreamViewType: "NEW_AND_OLD_IMAGES"}}
}

func (hs *harness) event(typ string, details map[string]string) account.Event {
	now := hs.env.Clock.Now()
	return account.Event{ID: ulid.MustNew(ulid.Timestamp(now), rand.Reader).String(), Type: typ, At: now, Details: details}
}

// invoke hands the handler an event as Lambda does: JSON.
func (hs *harness) invoke(t *testing.T, event any) (json.RawMessage, error) {
	t.Helper()
	raw, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	out, err := hs.h.handle(context.Background(), raw)
	b, _ := json.Marshal(out)
	return b, err
}

func failures(t *testing.T, out json.RawMessage) []string {
	t.Helper()
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.BatchItemFailures == nil {
		t.Fatalf("not a partial batch response: %s", out)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// TestRedeliveredBatchSendsNothingTwice: the same stream batch delivered twice sends each SMS
// once.
func TestRedeliveredBatchSendsNothingTwice(t *testing.T) {
	hs := newHarness(t)
	a := hs.env.SignUp(t)
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		streamRecord(1, a.ID, hs.event(account.EventPasswordReset, nil)),
		streamRecord(2, a.ID, hs.event(account.EventNewDeviceLogin, map[string]string{"platform": "ios"})),
	}}
	for range 2 {
		out, err := hs.invoke(t, batch)
		if err != nil || len(failures(t, out)) != 0 {
			t.Fatalf("%s %v", out, err)
		}
	}
	if n := hs.sent.to(a.Phone.E164); n != 2 {
		t.Fatalf("%d SMS, want 2", n)
	}
}

// TestAFailedPublishFailsOnlyItsRecord: SNS failing one publish reports that record alone in
// batchItemFailures; the retry Lambda makes from it sends it once and the others not again.
func TestAFailedPublishFailsOnlyItsRecord(t *testing.T) {
	hs := newHarness(t)
	accts := []flowtest.Account{hs.env.SignUp(t), hs.env.SignUp(t), hs.env.SignUp(t)}
	var batch events.DynamoDBEvent
	for i, a := range accts {
		batch.Records = append(batch.Records, streamRecord(i+1, a.ID, hs.event(account.EventPaymentPasswordReset, nil)))
	}
	// The first record's SMS goes out; the second's publish fails; the third's goes out.
	if out, err := hs.invoke(t, events.DynamoDBEvent{Records: batch.Records[:1]}); err != nil || len(failures(t, out)) != 0 {
		t.Fatalf("%s %v", out, err)
	}
	hs.failNextPublish(t)
	out, err := hs.invoke(t, events.DynamoDBEvent{Records: batch.Records[1:]})
	if err != nil || strings.Join(failures(t, out), ",") != "2" || !hs.fail.Failed() {
		t.Fatalf("want only record 2 failed: %s %v", out, err)
	}
	// Lambda retries from the first failed record; here the whole batch again, to be sure.
	out, err = hs.invoke(t, batch)
	if err != nil || len(failures(t, out)) != 0 {
		t.Fatalf("retry: %s %v", out, err)
	}
	for i, a := range accts {
		if n := hs.sent.to(a.Phone.E164); n != 1 {
			t.Errorf("account %d: %d SMS, want 1", i+1, n)
		}
	}
}

func snsEvent(messages ...string) events.SNSEvent {
	var ev events.SNSEvent
	for i, m := range messages {
		ev.Records = append(ev.Records, events.SNSEventRecord{EventSource: "aws:sns", EventVersion: "1.0",
			SNS: events.SNSEntity{MessageID: strconv.Itoa(i), Message: m}})
	}
	return ev
}

// TestTransactionMessages: a malformed message is dropped (no error, so no retry); a failed
// publish fails the invocation, and the retry sends the SMS once.
func TestTransactionMessages(t *testing.T) {
	hs := newHarness(t)
	a := hs.env.SignUp(t)
	save := `{"largeTransaction":{"amount":"100","currency":"CNY"},"nighttime":{"enabled":false,"start":"23:00","end":"07:00","timezone":"UTC"}}`
	hs.signedIn(a.ID)
	res, err := hs.invoke(t, httpRequest("PUT", save))
	if err != nil || !strings.Contains(string(res), `"statusCode":200`) {
		t.Fatalf("save settings: %s %v", res, err)
	}
	if _, err := hs.invoke(t, snsEvent(`{"eventId":`, `{"eventId":"t0"}`)); err != nil {
		t.Fatalf("malformed messages are dropped: %v", err)
	}
	msg := `{"eventId":"t1","accountId":"` + a.ID + `","amount":"100.00","currency":"CNY","merchant":"M","occurredAt":"2026-11-21T10:00:00Z"}`
	hs.failNextPublish(t)
	if _, err := hs.invoke(t, snsEvent(msg)); err == nil {
		t.Fatal("a failed publish must fail the invocation")
	}
	for range 2 {
		if _, err := hs.invoke(t, snsEvent(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if n := hs.sent.to(a.Phone.E164); n != 1 {
		t.Fatalf("%d SMS, want 1", n)
	}
}

func httpRequest(method, body string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: method + " /v1/alert-settings", RawPath: "/v1/alert-settings",
		Headers: map[string]string{"authorization": "Bearer " + strings.Repeat("g", 43), "content-type": "application/json"}, Body: body}
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = method, "/v1/alert-settings"
	return req
}

func TestSettingsRoutes(t *testing.T) {
	hs := newHarness(t)
	a := hs.env.SignUp(t)
	hs.signedIn(a.ID)
	out, err := hs.invoke(t, httpRequest("GET", ""))
	if err != nil || !strings.Contains(string(out), `"statusCode":200`) || !strings.Contains(string(out), `\"timezone\":\"Asia/Shanghai\"`) {
		t.Fatalf("get: %s %v", out, err)
	}
	bad := `{"nighttime":{"enabled":true,"start":"23:00","end":"07:00","timezone":"Nowhere/Town"}}`
	if out, _ := hs.invoke(t, httpRequest("PUT", bad)); !strings.Contains(string(out), `"statusCode":400`) || !strings.Contains(string(out), "invalid_time_zone") {
		t.Fatalf("bad zone: %s", out)
	}
	req := httpRequest("GET", "")
	delete(req.Headers, "authorization")
	if out, _ := hs.invoke(t, req); !strings.Contains(string(out), `"statusCode":401`) {
		t.Fatalf("no session: %s", out)
	}
}

// TestSampleEventsRun: the events/ samples are events the handler takes; their account does not
// exist, so they are logged and dropped, not failed.
func TestSampleEventsRun(t *testing.T) {
	hs := newHarness(t)
	for _, name := range []string{"alert-stream.json", "transaction.json"} {
		raw, err := os.ReadFile("../../events/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := hs.h.handle(context.Background(), raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp, ok := out.(events.DynamoDBEventResponse); ok && len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s: %+v", name, resp)
		}
	}
}

// TestSourceTellsTheTriggersApart: the three triggers' events by shape.
func TestSourceTellsTheTriggersApart(t *testing.T) {
	for raw, want := range map[string]string{
		`{"Records":[{"eventSource":"aws:dynamodb"}]}`: "aws:dynamodb",
		`{"Records":[{"EventSource":"aws:sns"}]}`:      "aws:sns",
		`{"version":"2.0","routeKey":"GET /v1/x"}`:     "",
		`{"Records":[]}`: "",
		`[]`:             "",
	} {
		if got := source(json.RawMessage(raw)); got != want {
			t.Errorf("%s: %q, want %q", raw, got, want)
		}
	}
}
