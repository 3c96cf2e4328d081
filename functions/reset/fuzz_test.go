package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/functions/internal/subject"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
)

// FuzzRequests is every ResetFunction route up to its first read: the body through apigw.Decode
// and the checks the handler and the flow make of it, the new passwords' policies included. Any
// request is accepted or refused with a 4xx problem — never a panic, never a 500.
func FuzzRequests(f *testing.F) {
	for _, s := range []struct {
		route uint8
		body  string
	}{
		{0, `{"verificationToken":"01J.x","newPassword":"amber-lantern-forty-7","device":{"id":"device-0001","name":"P","platform":"ios"},"secondFactor":{"questionId":"first_pet","answer":"Mochi"}}`},
		{0, `{"verificationToken":"x","newPassword":"short","secondFactor":{"idNumber":"` + strings.Repeat("9", 40) + `"}}`},
		{1, `{"phone":"+86 138 0013 8000","idNumber":"110101199003074514","securityAnswers":[{"questionId":"first_pet","answer":"Mochi"},{"questionId":"first_school","answer":"R"}],"bankCardNumber":"4111111111111111","newPassword":"amber-lantern-forty-7"}`},
		{1, `{"phone":"+86","securityAnswers":[{"questionId":"a","answer":"b"},{"questionId":"a","answer":"b"}]}`},
		{2, `{"verificationToken":"01J.x","idNumber":"1","newPaymentPassword":"123456"}`},
		{3, `{"paymentPassword":"２９５０７１","verificationToken":""}`},
		{4, `{"phone":"+86 138 0013 8000","loginPassword":"violet-harbor-seventy-2","securityAnswer":{"questionId":"first_pet","answer":"Mochi"}}`},
		{4, `{"phone":"+86 138 0013 8000","loginPassword":"x","idNumber":"1","securityAnswer":{"questionId":"","answer":""}}`},
		{4, `{"email":"Li.Wei@Example.com","loginPassword":"violet-harbor-seventy-2","idNumber":"110101199003074514"}`},
		{4, `{"email":"li@example.com","phone":"+86 138 0013 8000","loginPassword":"x","idNumber":"1"}`},
		{4, `{"email":"Li Wei <li@example.com>\\u0000","loginPassword":"x","securityAnswer":{"questionId":"a","answer":"b"}}`},
	} {
		f.Add(s.route, s.body, "application/json", false)
	}
	checks := []func(events.APIGatewayV2HTTPRequest) error{checkLogin, checkAlternative, checkPayment, checkVerify, checkLock}
	f.Fuzz(func(t *testing.T, route uint8, body, contentType string, b64 bool) {
		req := faults.FuzzEvent(body, contentType, b64, "", "")
		faults.RequireClientError(t, checks[int(route)%len(checks)](req), route, body, contentType, b64)
	})
}

func checkLogin(req events.APIGatewayV2HTTPRequest) error {
	var in loginBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if err := account.Required("verificationToken", in.VerificationToken, "newPassword", in.NewPassword); err != nil {
		return err
	}
	if err := in.Device.Input().Check(); err != nil {
		return err
	}
	return strength.CheckLoginPassword(in.NewPassword, secret.Personal{Phone: "+8613800138000"})
}

// checkLock is POST /v1/account/lock up to its first read.
func checkLock(req events.APIGatewayV2HTTPRequest) error {
	var in lockBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	num, addr, err := subject.Parse(in.Phone, in.Region, in.Email)
	if err != nil {
		return err
	}
	r := reset.LockRequest{Phone: num, Email: addr, LoginPassword: in.LoginPassword, IDNumber: in.IDNumber}
	if in.SecurityAnswer != nil {
		r.Answer = &body.Answers([]body.Answer{*in.SecurityAnswer})[0]
	}
	return r.Check()
}

func checkAlternative(req events.APIGatewayV2HTTPRequest) error {
	var in alternativeBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if _, err := phone.Parse(in.Phone, in.Region); err != nil {
		return err
	}
	if err := account.Required("idNumber", in.IDNumber, "bankCardNumber", in.BankCardNumber, "newPassword", in.NewPassword); err != nil {
		return err
	}
	if err := factor.CheckAnswerShape(body.Answers(in.SecurityAnswers)); err != nil {
		return err
	}
	return strength.CheckLoginPassword(in.NewPassword, secret.Personal{Phone: "+8613800138000"})
}

func checkPayment(req events.APIGatewayV2HTTPRequest) error {
	var in paymentBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if err := account.Required("verificationToken", in.VerificationToken, "newPaymentPassword", in.NewPaymentPassword); err != nil {
		return err
	}
	return secret.CheckPaymentPassword(in.NewPaymentPassword, secret.Personal{Phone: "+8613800138000"}, "")
}

func checkVerify(req events.APIGatewayV2HTTPRequest) error {
	var in verifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	return account.Required("paymentPassword", in.PaymentPassword)
}
