package apigw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// TestUnavailableDependencyIs503: an error marked account.ErrUnavailable, however deeply wrapped,
// is answered 503 service_unavailable with Retry-After and the generic detail; the dependency's
// text is logged, never answered. An *account.Error in the chain still wins.
func TestUnavailableDependencyIs503(t *testing.T) {
	const depText = "operation error DynamoDB: GetItem, ThrottlingException: Rate exceeded (table accounts-prod)"
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   account.Code
	}{
		{"marked", fmt.Errorf("read account: %w", fmt.Errorf("%w: %w", account.ErrUnavailable, errors.New(depText))), 503, account.CodeUnavailable},
		{"joined", errors.Join(errors.New("first"), fmt.Errorf("%w: %s", account.ErrUnavailable, depText)), 503, account.CodeUnavailable},
		{"unmarked", fmt.Errorf("read account: %w", errors.New(depText)), 500, account.CodeInternal},
		{"account error wins", fmt.Errorf("%w: %w", account.ErrUnavailable, account.Errorf(account.CodeSMSUnavailable, "no sms")), 503, account.CodeSMSUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := NewRouter(logging.New(&buf, slog.LevelInfo), map[string]HandlerFunc{
				"GET /v1/account": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
					return events.APIGatewayV2HTTPResponse{}, tc.err
				},
			})
			resp, err := r.Handle(context.Background(), request("GET /v1/account", "GET", "/v1/account"))
			if err != nil {
				t.Fatal(err)
			}
			doc := decodeProblem(t, resp.Body)
			if resp.StatusCode != tc.status || doc["code"] != string(tc.code) || strings.Contains(resp.Body, "Throttling") {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tc.status, tc.code)
			}
			if tc.code == account.CodeUnavailable {
				if resp.Headers["Retry-After"] != "1" || doc["retryAfterSeconds"] != float64(1) || doc["detail"] != unavailableDetail {
					t.Errorf("503 without Retry-After or with another detail: %v %s", resp.Headers, resp.Body)
				}
				if !strings.Contains(buf.String(), "dependency unavailable") || !strings.Contains(buf.String(), `"code":"service_unavailable"`) {
					t.Errorf("the dependency's error must be logged with its code: %s", buf.String())
				}
			}
		})
	}
}
