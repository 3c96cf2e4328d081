package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/sms"
)

func newTestRouter(t *testing.T) interface {
	Handle(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
} {
	t.Helper()
	cfg := flowtest.Config(t, nil)
	db, table := stacktest.NewTable(t)
	svc := otp.NewService(dynamo.New(db, table), courier.New(sms.New(stacktest.SNSClient(t), "")),
		account.SystemClock{}, rand.Reader, cfg, slog.New(slog.DiscardHandler))
	return newRouter(svc, slog.New(slog.DiscardHandler))
}

func post(route, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{RouteKey: route, RawPath: strings.TrimPrefix(route, "POST "), Body: body,
		Headers:        map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", SourceIP: "198.51.100.9"}}}
}

// TestBadInputIsA4xxProblem: every way a client can get a request wrong is a 4xx problem document
// with a code, never a 500.
func TestBadInputIsA4xxProblem(t *testing.T) {
	r := newTestRouter(t)
	send, verify := "POST /v1/otp", "POST /v1/otp/verify"
	huge := `{"phone":"` + strings.Repeat("1", 1<<20) + `","purpose":"signup"}`
	for _, tc := range []struct {
		name, route, body string
		status            int
		code              account.Code
	}{
		{"malformed JSON", send, `{"phone":`, 400, account.CodeMalformedJSON},
		{"not an object", send, `["+8613800138000"]`, 400, account.CodeInvalidType},
		{"unknown field", send, `{"phone":"+8613800138000","purpose":"signup","admin":true}`, 400, account.CodeUnknownField},
		{"wrong type", send, `{"phone":8613800138000,"purpose":"signup"}`, 400, account.CodeInvalidType},
		{"1 MiB body", send, huge, 413, account.CodeBodyTooLarge},
		{"empty body", send, ``, 400, account.CodeMalformedJSON},
		{"missing phone", send, `{"purpose":"signup"}`, 400, account.CodeMissingField},
		{"missing purpose", send, `{"phone":"+8613800138000"}`, 400, account.CodeMissingField},
		{"unknown purpose", send, `{"phone":"+8613800138000","purpose":"admin"}`, 400, account.CodeInvalidPurpose},
		{"invalid phone", send, `{"phone":"12","purpose":"signup"}`, 400, account.CodeInvalidPhone},
		{"landline", send, `{"phone":"+86 10 6552 9988","purpose":"signup"}`, 400, account.CodeInvalidPhone},
		{"unsupported region", send, `{"phone":"+46 70 123 45 67","purpose":"signup"}`, 400, account.CodeUnsupportedRegion},
		{"missing challenge", verify, `{"challengeId":"01JZZZZZZZZZZZZZZZZZZZZZZZ","code":"123456"}`, 404, account.CodeChallengeNotFound},
		{"code not digits", verify, `{"challengeId":"01JZZZZZZZZZZZZZZZZZZZZZZZ","code":"12345x"}`, 400, account.CodeInvalidField},
		{"code too long", verify, `{"challengeId":"01JZZZZZZZZZZZZZZZZZZZZZZZ","code":"1234567"}`, 400, account.CodeInvalidField},
		{"missing code", verify, `{"challengeId":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}`, 400, account.CodeMissingField},
		{"absurd challenge id", verify, `{"challengeId":"` + strings.Repeat("x", 500) + `","code":"123456"}`, 404, account.CodeChallengeNotFound},
		{"unknown route", "POST /v1/otp/other", `{}`, 404, account.CodeRouteNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Handle(context.Background(), post(tc.route, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			if res.StatusCode != tc.status || res.Headers["Content-Type"] != "application/problem+json" ||
				json.Unmarshal([]byte(res.Body), &p) != nil || p.Code != string(tc.code) || p.Status != tc.status {
				t.Fatalf("got %d %s %s, want %d %s", res.StatusCode, res.Headers["Content-Type"], res.Body, tc.status, tc.code)
			}
		})
	}
}
