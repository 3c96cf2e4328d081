package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/session"
)

type handler struct{ reset *reset.Service }

func newRouter(resets *reset.Service, sessions *session.Service, log *slog.Logger) *apigw.Router {
	h := handler{reset: resets}
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"POST /v1/password-resets/login":             h.login,
		"POST /v1/password-resets/login/alternative": h.alternative,
		"POST /v1/password-resets/payment":           apigw.Authed(sessions, h.payment),
		"POST /v1/payment-password/verify":           apigw.Authed(sessions, h.verifyPayment),
	})
}

func (h handler) payment(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in reset.PaymentRequest
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.ResetPayment(ctx, p, in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

func (h handler) verifyPayment(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in reset.VerifyRequest
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.VerifyPayment(ctx, p, in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

func (h handler) login(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in reset.LoginRequest
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.ResetLogin(ctx, in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

type alternativeBody struct {
	Phone           string          `json:"phone"`
	Region          string          `json:"region"`
	IDNumber        string          `json:"idNumber"`
	SecurityAnswers []factor.Answer `json:"securityAnswers"`
	BankCardNumber  string          `json:"bankCardNumber"`
	NewPassword     string          `json:"newPassword"`
}

func (h handler) alternative(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in alternativeBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	num, err := phone.Parse(in.Phone, in.Region)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	err = h.reset.ResetLoginWithoutSMS(ctx, reset.AlternativeRequest{Phone: num, IDNumber: in.IDNumber,
		Answers: in.SecurityAnswers, BankCardNumber: in.BankCardNumber, NewPassword: in.NewPassword})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}
