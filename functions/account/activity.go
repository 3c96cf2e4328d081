package main

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// activityList is GET /v1/account/activity?limit=&cursor=.
func (h handler) activityList(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	size := 0
	if s, ok := req.QueryStringParameters["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return response{}, account.FieldError(account.CodeInvalidField, "limit", "limit is a whole number")
		}
		size = n
		if n == 0 {
			size = -1 // asked for none: refused as out of range, not read as the default
		}
	}
	page, err := h.activity.List(ctx, p, req.QueryStringParameters["cursor"], size)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// reportActivity is "this wasn't me" on one entry: the account is frozen.
func (h handler) reportActivity(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	out, err := h.activity.Report(ctx, p, apigw.PathParam(req, "eventId"))
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
