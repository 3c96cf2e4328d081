package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/email"
)

// The account's email address: bound by a code sent to it (shared/email).

type emailBody struct {
	Email string `json:"email"`
}

// startEmail is POST /v1/account/email: fresh proof, then a code to the new address; 202 with
// the challenge.
func (h handler) startEmail(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in emailBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.emails.Start(ctx, p, email.StartRequest{Email: in.Email, SourceIP: apigw.SourceIP(req),
		Lang: apigw.Header(req, "Accept-Language")})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusAccepted, out), nil
}

type emailVerifyBody struct {
	ChallengeID string `json:"challengeId"`
	Code        string `json:"code"`
}

// verifyEmail is POST /v1/account/email/verify: the code binds its address; 200 with the email.
func (h handler) verifyEmail(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in emailVerifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	if err := account.Required("challengeId", in.ChallengeID, "code", in.Code); err != nil {
		return response{}, err
	}
	out, err := h.emails.Verify(ctx, p, email.VerifyRequest{ChallengeID: in.ChallengeID, Code: in.Code})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// removeEmail is DELETE /v1/account/email: fresh proof; 204.
func (h handler) removeEmail(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.emails.Remove(ctx, p); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}
