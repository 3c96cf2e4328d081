package main

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/phone"
)

// FuzzRequests is every OtpFunction route up to its first read: the body through apigw.Decode
// and the checks the handler and the flow make of it. Any request is accepted or refused with a
// 4xx problem — never a panic, never a 500.
func FuzzRequests(f *testing.F) {
	for _, s := range []struct {
		route             uint8
		body, contentType string
	}{
		{0, `{"phone":"+86 138 0013 8000","purpose":"signup"}`, "application/json"},
		{0, `{"phone":"07911 123456","region":"GB","purpose":"phone_change_new","changeId":"a.b"}`, ""},
		{0, `{"phone":"+86 138 0013 8000","purpose":"admin"}`, "application/x-www-form-urlencoded"},
		{0, `{"phone":["+86"],"purpose":1}`, "application/json"},
		{1, `{"challengeId":"01JZZZZZZZZZZZZZZZZZZZZZZZ","code":"123456"}`, "application/json"},
		{1, `{"challengeId":"","code":"１２３４５６"}`, ""},
	} {
		f.Add(s.route, s.body, s.contentType, false)
	}
	checks := []func(events.APIGatewayV2HTTPRequest) error{checkSend, checkVerify}
	f.Fuzz(func(t *testing.T, route uint8, body, contentType string, b64 bool) {
		req := faults.FuzzEvent(body, contentType, b64, "", "")
		faults.RequireClientError(t, checks[int(route)%len(checks)](req), route, body, contentType, b64)
	})
}

// checkSend is POST /v1/otp before the flow's first read.
func checkSend(req events.APIGatewayV2HTTPRequest) error {
	var in sendBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if err := account.Required("phone", in.Phone, "purpose", in.Purpose); err != nil {
		return err
	}
	if _, err := phone.Parse(in.Phone, in.Region); err != nil {
		return err
	}
	if p := account.Purpose(in.Purpose); !p.Valid() {
		return account.FieldError(account.CodeInvalidPurpose, "purpose", "unknown purpose")
	} else if p == account.PurposePhoneChangeNew {
		return account.Required("changeId", in.ChangeID)
	}
	return nil
}

// checkVerify is POST /v1/otp/verify before the flow's first read.
func checkVerify(req events.APIGatewayV2HTTPRequest) error {
	var in verifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	return account.Required("challengeId", in.ChallengeID, "code", in.Code)
}
