package main

import (
	"context"
	"net/http"
)

// payments are the payment routes: the payments system's authorization, capture and void on the
// internal API (SigV4), and the holder's confirmation with the payment password. The budgets:
// authorize <= 2 round trips, confirm <= 3 (the session's read included), capture and void <= 2.
func payments() []scenario {
	return []scenario{
		{Name: "payment authorize", Route: "POST /internal/v1/payment-authorizations", Setup: payers, Request: authorizeRequest,
			Want: 200, Requests: 100, Ops: []op{batchGet(7), transactWrite(5)}, DynamoDB: atMost(2)},
		{Name: "payment confirm (payment password)", Route: "POST /v1/payment-authorizations/{authorizationId}/confirm",
			Setup: authorized(false), Request: confirmPaymentRequest, Want: 200, Requests: 20,
			Ops: []op{batchGet(3), transactWrite(2)}, Argon2: 1, DynamoDB: atMost(3)},
		{Name: "payment capture", Route: "POST /internal/v1/payment-authorizations/{authorizationId}/capture",
			Setup: authorized(true), Request: settleRequest("capture"), Want: 200, Requests: 20,
			Ops: []op{getItem(), transactWrite(4)}, DynamoDB: atMost(2)},
		{Name: "payment void", Route: "POST /internal/v1/payment-authorizations/{authorizationId}/void",
			Setup: authorized(false), Request: settleRequest("void"), Want: 200, Requests: 20,
			Ops: []op{getItem(), transactWrite(4)}, DynamoDB: atMost(2)},
	}
}

// payers is sharedAccounts with each account's id.
func payers(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := sharedAccounts(ctx, b, n)
	if err != nil {
		return nil, err
	}
	return fs, b.each(ctx, fs, accountID)
}

// accountID fills in the fixture's account id from GET /v1/account.
func accountID(ctx context.Context, f *fixture, c *client) error {
	var out struct {
		AccountID string `json:"accountId"`
	}
	err := c.expect(ctx, call{Method: "GET", Path: "/v1/account", Header: bearer(f.Session)}, http.StatusOK, "setup: account", &out)
	f.AccountID = out.AccountID
	return err
}

// authorized is a payment of 1 CNY authorized for each of n fresh accounts, pending, or approved
// by its holder when confirmed.
func authorized(confirmed bool) func(ctx context.Context, b *bench, n int) ([]fixture, error) {
	return func(ctx context.Context, b *bench, n int) ([]fixture, error) {
		fs, err := signedUp(ctx, b, n)
		if err != nil {
			return nil, err
		}
		return fs, b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
			if err := accountID(ctx, f, c); err != nil {
				return err
			}
			var out struct {
				AuthorizationID string `json:"authorizationId"`
			}
			if err := c.expect(ctx, authorizeRequest(b, *f), http.StatusOK, "setup: authorize", &out); err != nil {
				return err
			}
			f.Authz = out.AuthorizationID
			if !confirmed {
				return nil
			}
			return c.expect(ctx, confirmPaymentRequest(b, *f), http.StatusOK, "setup: confirm", &map[string]any{})
		})
	}
}

func authorizeRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/internal/v1/payment-authorizations", Internal: true, Body: map[string]any{
		"accountId": f.AccountID, "amount": "1.00", "currency": "CNY", "payee": map[string]string{"id": "bench-shop", "name": "Bench Shop"},
		"idempotencyKey": "bench-" + randomHex(8)}}
}

func confirmPaymentRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/payment-authorizations/" + f.Authz + "/confirm", Header: bearer(f.Session),
		Body: map[string]any{"payment": map[string]string{"amount": "1.00", "currency": "CNY", "payeeId": "bench-shop"},
			"paymentPassword": benchPIN}}
}

func settleRequest(action string) func(*bench, fixture) call {
	return func(_ *bench, f fixture) call {
		return call{Method: "POST", Path: "/internal/v1/payment-authorizations/" + f.Authz + "/" + action, Internal: true}
	}
}
