package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/session"
)

type handler struct{ changes *phonechange.Service }

func newRouter(sessions *session.Service, changes *phonechange.Service, log *slog.Logger) *apigw.Router {
	h := handler{changes: changes}
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"POST /v1/phone-changes": apigw.Authed(sessions, h.start),
		// ConfirmState reads the session in one batch with the change and the proof.
		"POST /v1/phone-changes/{changeId}/confirm": apigw.SessionInRead(h.confirm),
		// A session, or a code from the old number; read with the change as for confirm.
		"POST /v1/phone-changes/{changeId}/cancel": apigw.OptionalSessionInRead(h.cancel),
	})
}

// startBody is the body of POST /v1/phone-changes.
type startBody struct {
	LoginPassword string        `json:"loginPassword"`
	OldPhoneToken string        `json:"oldPhoneVerificationToken"`
	Identity      *identityBody `json:"identity"`
}

// identityBody is the proof for a lost old number.
type identityBody struct {
	IDNumber        string        `json:"idNumber"`
	SecurityAnswers []body.Answer `json:"securityAnswers"`
	PaymentPassword string        `json:"paymentPassword"`
}

// request is in as the flow takes it.
func (in startBody) request() phonechange.StartRequest {
	out := phonechange.StartRequest{LoginPassword: in.LoginPassword, OldPhoneToken: in.OldPhoneToken}
	if id := in.Identity; id != nil {
		out.Identity = &phonechange.Identity{IDNumber: id.IDNumber, SecurityAnswers: body.Answers(id.SecurityAnswers),
			PaymentPassword: id.PaymentPassword}
	}
	return out
}

func (h handler) start(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in startBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.changes.Start(ctx, p, in.request())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}

type confirmBody struct {
	VerificationToken string `json:"verificationToken"`
}

func (h handler) confirm(ctx context.Context, token string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
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

func (h handler) cancel(ctx context.Context, token string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in cancelBody
	if req.Body != "" {
		if err := apigw.Decode(req, &in); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	err := h.changes.Cancel(ctx, phonechange.CancelRequest{SessionToken: token, ChangeID: apigw.PathParam(req, "changeId"),
		OldPhoneToken: in.OldPhoneToken})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.NoContent(), nil
}
