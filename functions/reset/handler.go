package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/functions/internal/subject"
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
		"PUT /v1/account/login-password":             apigw.Authed(sessions, h.changeLogin),
		"POST /v1/account/lock":                      h.lockAccount,
		"PUT /v1/account/payment-password":           apigw.Authed(sessions, h.changePayment),
		"PUT /v1/account/security-answers":           apigw.Authed(sessions, h.changeAnswers),
	})
}

// paymentBody is the body of POST /v1/password-resets/payment.
type paymentBody struct {
	VerificationToken  string `json:"verificationToken"`
	IDNumber           string `json:"idNumber"`
	NewPaymentPassword string `json:"newPaymentPassword"`
}

func (h handler) payment(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in paymentBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.ResetPayment(ctx, p, reset.PaymentRequest(in)); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// changeLoginBody is the body of PUT /v1/account/login-password.
type changeLoginBody struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (h handler) changeLogin(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in changeLoginBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.ChangeLogin(ctx, p, reset.ChangeLoginRequest(in)); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// changePaymentBody is the body of PUT /v1/account/payment-password.
type changePaymentBody struct {
	CurrentPaymentPassword string `json:"currentPaymentPassword"`
	NewPaymentPassword     string `json:"newPaymentPassword"`
}

func (h handler) changePayment(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in changePaymentBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.ChangePayment(ctx, p, reset.ChangePaymentRequest(in)); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// changeAnswersBody is the body of PUT /v1/account/security-answers.
type changeAnswersBody struct {
	PaymentPassword string        `json:"paymentPassword"`
	SecurityAnswers []body.Answer `json:"securityAnswers"`
}

func (h handler) changeAnswers(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in changeAnswersBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	err := h.reset.ChangeAnswers(ctx, p, reset.ChangeAnswersRequest{PaymentPassword: in.PaymentPassword, Answers: body.Answers(in.SecurityAnswers)})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// verifyBody is the body of POST /v1/payment-password/verify.
type verifyBody struct {
	PaymentPassword   string `json:"paymentPassword"`
	VerificationToken string `json:"verificationToken"`
}

func (h handler) verifyPayment(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in verifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.reset.VerifyPayment(ctx, p, reset.VerifyRequest(in)); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// loginBody is the body of POST /v1/password-resets/login.
type loginBody struct {
	VerificationToken string       `json:"verificationToken"`
	NewPassword       string       `json:"newPassword"`
	Device            *body.Device `json:"device"`
	SecondFactor      *factorBody  `json:"secondFactor"`
}

// factorBody is a second factor: reset.Factor as the API spells it.
type factorBody struct {
	QuestionID string        `json:"questionId"`
	Answer     string        `json:"answer"`
	IDNumber   string        `json:"idNumber"`
	Passkey    *body.Passkey `json:"passkey"` // a passkey of the account
}

// factor is b as the flow takes it; nil stays nil.
func (b *factorBody) factor() *reset.Factor {
	if b == nil {
		return nil
	}
	return &reset.Factor{QuestionID: b.QuestionID, Answer: b.Answer, IDNumber: b.IDNumber, Passkey: b.Passkey.Answer()}
}

func (h handler) login(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in loginBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	err := h.reset.ResetLogin(ctx, reset.LoginRequest{VerificationToken: in.VerificationToken, NewPassword: in.NewPassword,
		Device: in.Device.Input(), SecondFactor: in.SecondFactor.factor()})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// alternativeBody is the body of POST /v1/password-resets/login/alternative.
type alternativeBody struct {
	Phone           string        `json:"phone"`
	Region          string        `json:"region"`
	IDNumber        string        `json:"idNumber"`
	SecurityAnswers []body.Answer `json:"securityAnswers"`
	BankCardNumber  string        `json:"bankCardNumber"`
	NewPassword     string        `json:"newPassword"`
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
		Answers: body.Answers(in.SecurityAnswers), BankCardNumber: in.BankCardNumber, NewPassword: in.NewPassword})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}

// lockBody is the body of POST /v1/account/lock.
type lockBody struct {
	Phone          string       `json:"phone"`
	Email          string       `json:"email"` // instead of the phone: the account's verified email
	Region         string       `json:"region"`
	LoginPassword  string       `json:"loginPassword"`
	IDNumber       string       `json:"idNumber"`
	SecurityAnswer *body.Answer `json:"securityAnswer"`
}

func (h handler) lockAccount(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in lockBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	num, addr, err := subject.Parse(in.Phone, in.Region, in.Email)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var answer *factor.Answer
	if in.SecurityAnswer != nil {
		answer = &body.Answers([]body.Answer{*in.SecurityAnswer})[0]
	}
	res, err := h.reset.Lock(ctx, reset.LockRequest{Phone: num, Email: addr, LoginPassword: in.LoginPassword, IDNumber: in.IDNumber, Answer: answer})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusOK, res), nil
}
