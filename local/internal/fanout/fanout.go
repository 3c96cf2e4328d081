// Package fanout delivers SNS topic messages to functions as Lambda's SNS trigger does: it
// serves an HTTP endpoint per subscription, which moto_server POSTs each notification of the
// topic to (moto delivers http subscriptions itself, at publish time, with no confirmation
// step), answers at once, and invokes the function asynchronously with an events.SNSEvent of
// one record, retrying a failed invocation twice with a backoff as Lambda's asynchronous
// invocation does; then the event is discarded (the on-failure destination).
package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
)

// Invoker runs a function with one event.
type Invoker func(ctx context.Context, event []byte) (*runtimeapi.Result, error)

// Target is one SNS event of a function.
type Target struct {
	Function string // logical id
	Event    string // the event's name in the template
	Invoke   Invoker
}

// Server receives moto's notifications and hands them to the functions.
type Server struct {
	log     *slog.Logger
	url     string
	srv     *http.Server
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	retries int
	backoff time.Duration

	mu      sync.Mutex
	targets map[string]*subscription // by path
}

type subscription struct {
	Target
	arn string // the subscription's ARN, once subscribed
}

// maxBody bounds a notification: SNS messages are at most 256 KiB, and the envelope is small.
const maxBody = 1 << 20

// Start listens on a free loopback port.
func Start(log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("SNS fan-out: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{log: log, url: "http://" + ln.Addr().String(), ctx: ctx, cancel: cancel, retries: 2,
		backoff: time.Second, targets: map[string]*subscription{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("SNS fan-out stopped", "err", err)
		}
	}()
	return s, nil
}

// Endpoint registers t and returns the URL to subscribe to its topic.
func (s *Server) Endpoint(t Target) string {
	path := "/sns/" + t.Function + "/" + t.Event
	s.mu.Lock()
	s.targets[path] = &subscription{Target: t}
	s.mu.Unlock()
	return s.url + path
}

// Subscribed records the ARN of the subscription behind endpoint, for the events' records.
func (s *Server) Subscribed(endpoint, arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.targets[strings.TrimPrefix(endpoint, s.url)]; ok {
		sub.arn = arn
	}
}

// Close stops accepting notifications and waits for the deliveries in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.cancel()
	s.wg.Wait()
	return err
}

// notification is the body SNS (and moto) POSTs to an http subscription.
type notification struct {
	Type              string         `json:"Type"`
	MessageID         string         `json:"MessageId"`
	TopicArn          string         `json:"TopicArn"`
	Subject           string         `json:"Subject"`
	Message           string         `json:"Message"`
	Timestamp         string         `json:"Timestamp"`
	SignatureVersion  string         `json:"SignatureVersion"`
	Signature         string         `json:"Signature"`
	SigningCertURL    string         `json:"SigningCertURL"`
	UnsubscribeURL    string         `json:"UnsubscribeURL"`
	MessageAttributes map[string]any `json:"MessageAttributes"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sub, ok := s.targets[r.URL.Path]
	s.mu.Unlock()
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	var n notification
	if err == nil {
		err = json.Unmarshal(body, &n)
	}
	if err != nil {
		http.Error(w, "not an SNS notification", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	if n.Type != "Notification" {
		s.log.Info("SNS fan-out: ignored", "type", n.Type, "function", sub.Function)
		return
	}
	event, err := json.Marshal(snsEvent(n, sub.arn))
	if err != nil {
		s.log.Error("SNS fan-out: encode event", "err", err)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliver(sub.Target, n.MessageID, event)
	}()
}

// snsEvent is the event Lambda's SNS trigger hands a function for one notification.
func snsEvent(n notification, subscriptionARN string) events.SNSEvent {
	ts, _ := time.Parse(time.RFC3339Nano, n.Timestamp)
	return events.SNSEvent{Records: []events.SNSEventRecord{{EventVersion: "1.0", EventSource: "aws:sns",
		EventSubscriptionArn: subscriptionARN,
		SNS: events.SNSEntity{Type: n.Type, MessageID: n.MessageID, TopicArn: n.TopicArn, Subject: n.Subject,
			Message: n.Message, Timestamp: ts.UTC(), SignatureVersion: n.SignatureVersion, Signature: n.Signature,
			SigningCertURL: n.SigningCertURL, UnsubscribeURL: n.UnsubscribeURL, MessageAttributes: n.MessageAttributes}}}}
}

// deliver invokes the function, retrying a failure as an asynchronous invocation is retried.
func (s *Server) deliver(t Target, messageID string, event []byte) {
	wait := s.backoff
	for attempt := 0; ; attempt++ {
		res, err := t.Invoke(s.ctx, event)
		switch {
		case err != nil && s.ctx.Err() != nil:
			return
		case err == nil && res.Err == nil:
			return
		case err != nil:
			s.log.Warn("SNS fan-out: not delivered", "function", t.Function, "message", messageID, "err", err)
		default:
			s.log.Warn("SNS fan-out: function failed", "function", t.Function, "message", messageID, "error", res.Err.Error())
		}
		if attempt == s.retries {
			s.log.Error("SNS fan-out: event discarded after its retries (on-failure destination)", "function", t.Function,
				"message", messageID, "retries", s.retries)
			return
		}
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			return
		}
		wait *= 2
	}
}
