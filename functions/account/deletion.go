package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

type deletionBody struct {
	PaymentPassword string `json:"paymentPassword"`
}

// requestDeletion is POST /v1/account/deletion: 202 with when the account closes.
func (h handler) requestDeletion(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in deletionBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.deletions.Request(ctx, p, in.PaymentPassword)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusAccepted, out), nil
}

// cancelDeletion is DELETE /v1/account/deletion.
func (h handler) cancelDeletion(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.deletions.Cancel(ctx, p); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}
