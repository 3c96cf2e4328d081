package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

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

func (h handler) create(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in signup.Request
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.signup.Signup(ctx, in, []byte(req.Body), apigw.Header(req, idempotency.Header))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}
