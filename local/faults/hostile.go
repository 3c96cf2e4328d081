package faults

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// RequireClientError fails t unless err is nil or an *account.Error answered with a 4xx status:
// what a route must make of any input a client can send. input is reported on failure.
func RequireClientError(t testing.TB, err error, input ...any) {
	t.Helper()
	if err == nil {
		return
	}
	if e, ok := account.As(err); !ok || apigw.Status(e.Code)/100 != 4 {
		t.Fatalf("input %q: %v; want nil or a 4xx *account.Error", input, err)
	}
}

// FuzzEvent is a request as a hostile client may shape it: any body, any Content-Type, base64
// or not, any Authorization header and path parameter.
func FuzzEvent(body, contentType string, b64 bool, authorization, pathParam string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{Body: body, IsBase64Encoded: b64,
		Headers: map[string]string{"content-type": contentType, "authorization": authorization},
		PathParameters: map[string]string{"deviceId": pathParam, "cardId": pathParam, "changeId": pathParam, "freezeToken": pathParam,
			"eventId": pathParam}}
}
