package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/session"
)

type handler struct {
	sessions *session.Service
	changes  *phonechange.Service
}

func newRouter(sessions *session.Service, changes *phonechange.Service, log *slog.Logger) *apigw.Router {
	h := handler{sessions: sessions, changes: changes}
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"POST /v1/phone-changes":                    h.start,
		"POST /v1/phone-changes/{changeId}/confirm": h.confirm,
		"POST /v1/phone-changes/{changeId}/cancel":  h.cancel,
	})
}

func (h handler) start(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	token, _ := apigw.BearerToken(req)
	p, err := h.sessions.Authenticate(ctx, token)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var in phonechange.StartRequest
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.changes.Start(ctx, p, in)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}

type confirmBody struct {
	VerificationToken string `json:"verificationToken"`
}

func (h handler) confirm(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	token, ok := apigw.BearerToken(req)
	if !ok {
		return events.APIGatewayV2HTTPResponse{}, account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	var in confirmBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.changes.Confirm(ctx, token, apigw.PathParam(req, "changeId"), in.VerificationToken)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}

type cancelBody struct {
	OldPhoneToken string `json:"oldPhoneVerificationToken"`
}

func (h handler) cancel(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in cancelBody
	if req.Body != "" {
		if err := apigw.Decode(req, &in); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	token, _ := apigw.BearerToken(req)
	err := h.changes.Cancel(ctx, phonechange.CancelRequest{SessionToken: token, ChangeID: apigw.PathParam(req, "changeId"),
		OldPhoneToken: in.OldPhoneToken})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}
