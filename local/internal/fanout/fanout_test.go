package fanout

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// TestNotificationBecomesAnSNSEventRetriedOnFailure: a notification as moto POSTs it reaches
// the function as an events.SNSEvent; a failed invocation is retried, twice at most.
func TestNotificationBecomesAnSNSEventRetriedOnFailure(t *testing.T) {
	s, err := Start(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.backoff = time.Millisecond
	var mu sync.Mutex
	var got []events.SNSEvent
	fail := map[string]int{"m1": 1, "m2": 10}
	endpoint := s.Endpoint(Target{Function: "AlertFunction", Event: "Transactions", Invoke: func(_ context.Context, event []byte) (*runtimeapi.Result, error) {
		var ev events.SNSEvent
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		id := ev.Records[0].SNS.MessageID
		if fail[id] > 0 {
			fail[id]--
			return &runtimeapi.Result{Err: &runtimeapi.FunctionError{Type: "x", Message: "boom"}}, nil
		}
		return &runtimeapi.Result{Payload: []byte("null")}, nil
	}})
	s.Subscribed(endpoint, "arn:aws:sns:us-east-1:123456789012:topic:sub")
	for _, id := range []string{"m1", "m2"} {
		body := `{"Type":"Notification","MessageId":"` + id + `","TopicArn":"arn:aws:sns:us-east-1:123456789012:topic",` +
			`"Message":"{\"eventId\":\"e\"}","Timestamp":"2026-11-21T10:00:00.000Z","SignatureVersion":"2"}`
		res, err := http.Post(endpoint, "text/plain; charset=UTF-8", strings.NewReader(body))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("post: %v %v", res, err)
		}
		res.Body.Close()
	}
	if res, _ := http.Post(s.url+"/sns/Nope/X", "text/plain", strings.NewReader("{}")); res == nil || res.StatusCode != 404 {
		t.Fatalf("unknown endpoint: %v", res)
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 5 {
			break
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, ev := range got {
		r := ev.Records[0]
		if r.EventSource != "aws:sns" || r.EventSubscriptionArn == "" || r.SNS.Message != `{"eventId":"e"}` || r.SNS.Timestamp.IsZero() {
			t.Fatalf("event %+v", r)
		}
		count[r.SNS.MessageID]++
	}
	if count["m1"] != 2 || count["m2"] != 3 {
		t.Fatalf("invocations %v: m1 once retried, m2 tried 3 times then discarded", count)
	}
}
