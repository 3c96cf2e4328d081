package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/token"
)

type handler struct{ otp *otp.Service }

func newRouter(svc *otp.Service, log *slog.Logger) *apigw.Router {
	h := handler{otp: svc}
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		// A session only for a new number's code, read by SendState with the number's state.
		"POST /v1/otp":        apigw.OptionalSessionInRead(h.send),
		"POST /v1/otp/verify": h.verify,
	})
}

type sendBody struct {
	Phone    string `json:"phone"`
	Region   string `json:"region"`
	Purpose  string `json:"purpose"`
	ChangeID string `json:"changeId"`
}

func (h handler) send(ctx context.Context, bearer string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in sendBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := account.Required("phone", in.Phone, "purpose", in.Purpose); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	num, err := phone.Parse(in.Phone, in.Region)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	sreq := otp.SendRequest{Phone: num, Purpose: account.Purpose(in.Purpose),
		SourceIP: apigw.SourceIP(req), Lang: apigw.Header(req, "Accept-Language"), ChangeID: in.ChangeID}
	if bearer != "" {
		sreq.SessionHash = token.Hash(bearer)
	}
	out, err := h.otp.Send(ctx, sreq)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusAccepted, out), nil
}

type verifyBody struct {
	ChallengeID string `json:"challengeId"`
	Code        string `json:"code"`
}

func (h handler) verify(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in verifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := account.Required("challengeId", in.ChallengeID, "code", in.Code); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := h.otp.Verify(ctx, otp.VerifyRequest{ChallengeID: in.ChallengeID, Code: in.Code})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
