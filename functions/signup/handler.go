package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/signup"
)

type handler struct{ signup *signup.Service }

func newRouter(svc *signup.Service, log *slog.Logger) *apigw.Router {
	h := handler{signup: svc}
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"GET /v1/security-questions": h.questions,
		"POST /v1/accounts":          h.create,
	})
}

type questionsBody struct {
	Questions []question `json:"questions"`
}

type question struct {
	ID string `json:"id"`
	EN string `json:"en"`
	ZH string `json:"zh"`
}

func (h handler) questions(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var out questionsBody
	for _, q := range secret.Questions() {
		out.Questions = append(out.Questions, question{ID: q.ID, EN: q.EN, ZH: q.ZH})
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// signupBody is the body of POST /v1/accounts.
type signupBody struct {
	VerificationToken string        `json:"verificationToken"`
	LoginPassword     string        `json:"loginPassword"`
	PaymentPassword   string        `json:"paymentPassword"`
	SecurityAnswers   []body.Answer `json:"securityAnswers"`
	AgreementVersion  string        `json:"agreementVersion"`
	Language          string        `json:"language"`
	Device            *body.Device  `json:"device"`
	Profile           *profileBody  `json:"profile"`
}

// profileBody is the optional profile: signup.ProfileInput as the API spells it.
type profileBody struct {
	RealName    string `json:"realName"`
	Gender      string `json:"gender"`
	DateOfBirth string `json:"dateOfBirth"`
	Citizenship string `json:"citizenship"`
	IDType      string `json:"idType"`
	IDNumber    string `json:"idNumber"`
	Address     string `json:"address"`
	Occupation  string `json:"occupation"`
	Email       string `json:"email"`
}

// request is in as the flow takes it.
func (in signupBody) request() signup.Request {
	answers := make([]signup.AnswerInput, len(in.SecurityAnswers))
	for i, a := range in.SecurityAnswers {
		answers[i] = signup.AnswerInput(a)
	}
	return signup.Request{VerificationToken: in.VerificationToken, LoginPassword: in.LoginPassword,
		PaymentPassword: in.PaymentPassword, SecurityAnswers: answers, AgreementVersion: in.AgreementVersion,
		Language: in.Language, Device: in.Device.Input(), Profile: (*signup.ProfileInput)(in.Profile)}
}

func (h handler) create(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in signupBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.signup.Signup(ctx, in.request(), []byte(req.Body), apigw.Header(req, idempotency.Header))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}
