package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// alerter is the alert service as the handler uses it.
type alerter interface {
	Deliver(ctx context.Context, accountID string, ev account.Event) error
	Transaction(ctx context.Context, tx alert.Transaction) error
	Settings(ctx context.Context, p account.Principal) (alert.SettingsView, error)
	SaveSettings(ctx context.Context, p account.Principal, in alert.SettingsInput) (alert.SettingsView, error)
}

type handler struct {
	alerts   alerter
	sessions apigw.Authenticator
	router   *apigw.Router
	log      *slog.Logger
}

type response = events.APIGatewayV2HTTPResponse

func newHandler(alerts alerter, sessions apigw.Authenticator, log *slog.Logger) handler {
	h := handler{alerts: alerts, sessions: sessions, log: log}
	h.router = apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"GET /v1/alert-settings": apigw.Authed(h.sessions, h.getSettings),
		"PUT /v1/alert-settings": apigw.Authed(h.sessions, h.putSettings),
	})
	return h
}

// handle serves the function's three triggers, told apart by their shape: the table's stream
// (records from aws:dynamodb), the transactions topic (records from aws:sns), and HTTP API
// requests (anything else).
func (h handler) handle(ctx context.Context, raw json.RawMessage) (any, error) {
	switch source(raw) {
	case "aws:dynamodb":
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode stream event: %w", err)
		}
		return h.stream(invocation(ctx), ev), nil
	case "aws:sns":
		var ev events.SNSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SNS event: %w", err)
		}
		return nil, h.transactions(invocation(ctx), ev)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("decode HTTP API event: %w", err)
	}
	return h.router.Handle(ctx, req)
}

// source is the eventSource of an event's first record ("aws:dynamodb", "aws:sns"), or "". (SNS
// spells the key EventSource; encoding/json matches keys without regard to case.)
func source(raw json.RawMessage) string {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if json.Unmarshal(raw, &probe) != nil || len(probe.Records) == 0 {
		return ""
	}
	return probe.Records[0].EventSource
}

// invocation is ctx with the Lambda request id for the logs and a counter of the calls made.
func invocation(ctx context.Context) context.Context {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logging.WithRequestID(ctx, lc.AwsRequestID)
	}
	ctx, _ = logging.WithCalls(ctx)
	return ctx
}

// stream delivers a batch of the table's stream: one security event per record (the template's
// filter passes only new event items). A record whose SMS could not all be sent is reported in
// batchItemFailures by its sequence number, so Lambda retries from it; the others are done. A
// record that is not an event item is logged and skipped.
func (h handler) stream(ctx context.Context, ev events.DynamoDBEvent) events.DynamoDBEventResponse {
	start := time.Now()
	out := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for _, r := range ev.Records {
		accountID, e, err := eventOf(r)
		if err != nil {
			h.log.WarnContext(ctx, "stream record skipped", "reason", err.Error(), "sequence", r.Change.SequenceNumber)
			continue
		}
		if err := h.alerts.Deliver(ctx, accountID, e); err != nil {
			h.log.ErrorContext(ctx, "alert not delivered; the record will be retried", "account", accountID, "event", e.ID,
				"type", e.Type, "err", err.Error())
			out.BatchItemFailures = append(out.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		}
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "stream batch", slog.Int("records", len(ev.Records)),
		slog.Int("failed", len(out.BatchItemFailures)), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		logging.CallsFrom(ctx).Attr())
	return out
}

// errNotEvent says a stream record does not carry a new security event.
var errNotEvent = errors.New("not a new event item")

// eventOf reads the security event a stream record inserts: the account's id and the event.
func eventOf(r events.DynamoDBEventRecord) (string, account.Event, error) {
	img := r.Change.NewImage
	if r.EventName != "INSERT" || text(img[dynamo.EventAttrItemType]) != dynamo.EventItemType {
		return "", account.Event{}, errNotEvent
	}
	accountID := text(img[dynamo.EventAttrAccountID])
	e := account.Event{ID: text(img[dynamo.EventAttrEventID]), Type: text(img[dynamo.EventAttrType]), Details: map[string]string{}}
	if at, ok := img[dynamo.EventAttrAt]; ok && at.DataType() == events.DataTypeNumber {
		ms, err := strconv.ParseInt(at.Number(), 10, 64)
		if err != nil {
			return "", account.Event{}, fmt.Errorf("event time: %w", err)
		}
		e.At = time.UnixMilli(ms).UTC()
	}
	if d, ok := img[dynamo.EventAttrDetails]; ok && d.DataType() == events.DataTypeMap {
		for k, v := range d.Map() {
			e.Details[k] = text(v)
		}
	}
	if accountID == "" || e.ID == "" || e.Type == "" || e.At.IsZero() {
		return "", account.Event{}, errors.New("event item without accountId, eventId, type or at")
	}
	return accountID, e, nil
}

// text is a string attribute's value, or "".
func text(v events.DynamoDBAttributeValue) string {
	if v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// transactions handles messages of the transactions topic. A malformed message is logged and
// dropped (no retry can mend it); any other failure fails the invocation, so Lambda retries it
// (the asynchronous retries, then the on-failure destination), and the sent-marker keeps a
// retried message from sending its SMS twice.
func (h handler) transactions(ctx context.Context, ev events.SNSEvent) error {
	var errs []error
	for _, r := range ev.Records {
		tx, err := alert.ParseTransaction([]byte(r.SNS.Message))
		if err != nil {
			h.log.WarnContext(ctx, "transaction message dropped", "message", r.SNS.MessageID, "reason", err.Error())
			continue
		}
		if err := h.alerts.Transaction(ctx, tx); err != nil {
			h.log.ErrorContext(ctx, "transaction not handled; it will be retried", "message", r.SNS.MessageID,
				"transaction", tx.EventID, "err", err.Error())
			errs = append(errs, err)
		}
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "transaction messages", slog.Int("records", len(ev.Records)),
		slog.Int("failed", len(errs)), logging.CallsFrom(ctx).Attr())
	return errors.Join(errs...)
}

func (h handler) getSettings(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	out, err := h.alerts.Settings(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// settingsBody is the body of PUT /v1/alert-settings: alert.SettingsInput as the API spells it.
type settingsBody struct {
	LargeTransaction *moneyBody     `json:"largeTransaction"`
	Nighttime        *nighttimeBody `json:"nighttime"`
}

// moneyBody is an amount: alert.MoneyView as the API spells it.
type moneyBody struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// nighttimeBody is the nighttime-protection window: alert.NighttimeInput as the API spells it.
type nighttimeBody struct {
	Enabled  *bool  `json:"enabled"`
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"timezone"`
}

// input is in as the flow takes it.
func (in settingsBody) input() alert.SettingsInput {
	return alert.SettingsInput{LargeTransaction: (*alert.MoneyView)(in.LargeTransaction), Nighttime: (*alert.NighttimeInput)(in.Nighttime)}
}

func (h handler) putSettings(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in settingsBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.alerts.SaveSettings(ctx, p, in.input())
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
