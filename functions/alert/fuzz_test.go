package main

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// FuzzRequests is PUT /v1/alert-settings up to its first read: the body through apigw.Decode and
// alert.CheckSettings (times, the time zone, the threshold and its currency). Any request is
// accepted or refused with a 4xx problem — never a panic, never a 500. (GET takes no body.)
func FuzzRequests(f *testing.F) {
	for _, body := range []string{
		`{"largeTransaction":{"amount":"5000.00","currency":"CNY"},"nighttime":{"enabled":true,"start":"23:00","end":"07:00","timezone":"Asia/Shanghai"}}`,
		`{"largeTransaction":null,"nighttime":{"enabled":false,"start":"00:00","end":"00:00","timezone":"UTC"}}`,
		`{"largeTransaction":{"amount":"-1e9","currency":"cny"},"nighttime":{"enabled":true,"start":"24:00","end":"7:00","timezone":"../../etc/passwd"}}`,
		`{"nighttime":{"enabled":true,"start":"23:00","end":"07:00","timezone":"Local"}}`,
		`{"largeTransaction":{"amount":"9999999999999999.99999","currency":"XXX"}}`,
	} {
		f.Add(body, "application/json", false)
	}
	f.Fuzz(func(t *testing.T, body, contentType string, b64 bool) {
		faults.RequireClientError(t, checkSettings(faults.FuzzEvent(body, contentType, b64, "Bearer x", "")), body, contentType, b64)
	})
}

func checkSettings(req events.APIGatewayV2HTTPRequest) error {
	if _, ok := apigw.BearerToken(req); !ok {
		return account.Errorf(account.CodeUnauthenticated, "sign in")
	}
	var in settingsBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	_, err := alert.CheckSettings(in.input())
	return err
}
