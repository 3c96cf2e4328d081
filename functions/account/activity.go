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
	size, err := pageSize(req)
	if err != nil {
		return response{}, err
	}
	page, err := h.activity.List(ctx, p, req.QueryStringParameters["cursor"], size)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// pageSize reads ?limit=: 0 when absent (the default), and -1, refused as out of range, for 0.
func pageSize(req events.APIGatewayV2HTTPRequest) (int, error) {
	s, ok := req.QueryStringParameters["limit"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, account.FieldError(account.CodeInvalidField, "limit", "limit is a whole number")
	}
	if n == 0 {
		return -1, nil
	}
	return n, nil
}

// reportActivity is "this wasn't me" on one entry: the account is frozen.
func (h handler) reportActivity(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	out, err := h.activity.Report(ctx, p, apigw.PathParam(req, "eventId"))
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
