package main

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// FuzzRequests is every PhoneChangeFunction route's decoding: the body through apigw.Decode as
// the handler does it, and the change id. (What the flow checks of a start is
// phonechange.FuzzStartRequest.) Any request is accepted or refused with a 4xx problem — never a
// panic, never a 500.
func FuzzRequests(f *testing.F) {
	for _, s := range []struct {
		route       uint8
		body, param string
	}{
		{0, `{"loginPassword":"p","oldPhoneVerificationToken":"01J.x"}`, ""},
		{1, `{"verificationToken":"01J.x"}`, "01JAAAAAAAAAAAAAAAAAAAAAAA.01JBBBBBBBBBBBBBBBBBBBBBBB"},
		{1, `{}`, "a.b.c"},
		{2, ``, "%2e%2e"},
		{2, `{"oldPhoneVerificationToken":7}`, ""},
	} {
		f.Add(s.route, s.body, "application/json", false, "Bearer x", s.param)
	}
	checks := []func(events.APIGatewayV2HTTPRequest) error{checkStart, checkConfirm, checkCancel}
	f.Fuzz(func(t *testing.T, route uint8, body, contentType string, b64 bool, auth, param string) {
		req := faults.FuzzEvent(body, contentType, b64, auth, param)
		faults.RequireClientError(t, checks[int(route)%len(checks)](req), route, body, contentType, b64, auth, param)
	})
}

func checkStart(req events.APIGatewayV2HTTPRequest) error {
	var in startBody
	return apigw.Decode(req, &in)
}

func checkConfirm(req events.APIGatewayV2HTTPRequest) error {
	if _, ok := apigw.BearerToken(req); !ok {
		return account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	var in confirmBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	_, _, _ = account.SplitChangeID(apigw.PathParam(req, "changeId"))
	return nil
}

func checkCancel(req events.APIGatewayV2HTTPRequest) error {
	var in cancelBody
	if req.Body != "" {
		return apigw.Decode(req, &in)
	}
	return nil
}
