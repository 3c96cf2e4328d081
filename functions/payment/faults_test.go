package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/dynamo"
)

// faultFixture is PaymentFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	h, err := newHandler(store, f.Hasher, f.Clock, f.Cfg, f.Log)
	if err != nil {
		t.Fatal(err)
	}
	f.Handler = h.router.Handle
	return f
}

const payerARN = "arn:aws:iam::123456789012:role/payments"

// signed is a request as API Gateway's IAM authorizer passes it on.
func signed(route, body string, pairs ...string) events.APIGatewayV2HTTPRequest {
	return faults.SignedEvent(payerARN, "AKIAPAY", route, body, pairs...)
}

const authorizeRoute = "POST /internal/v1/payment-authorizations"

func authorizeBodyJSON(a flowtest.Account, amount, key string) string {
	return `{"accountId":"` + a.ID + `","amount":"` + amount + `","currency":"CNY","payee":{"id":"shop-1","name":"Corner Shop"},` +
		`"idempotencyKey":"` + key + `","deviceId":"` + a.DeviceID + `"}`
}

// authorized is a pending authorization of 100 CNY on a fresh account, made with the clean client.
func authorized(t *testing.T, f *faults.Fixture) (flowtest.Account, string) {
	a := f.SignUp(t)
	resp, err := f.Handler(context.Background(), signed(authorizeRoute, authorizeBodyJSON(a, "100", "setup")))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("setup authorize: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var out struct {
		AuthorizationID string `json:"authorizationId"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatal(err)
	}
	return a, out.AuthorizationID
}

func confirmJSON(pin string) string {
	return `{"payment":{"amount":"100.00","currency":"CNY","payeeId":"shop-1"},"paymentPassword":"` + pin + `"}`
}

func settle(route string, status int, confirmFirst bool) func(*testing.T, *faults.Fixture) faults.Request {
	return func(t *testing.T, f *faults.Fixture) faults.Request {
		a, id := authorized(t, f)
		if confirmFirst {
			req := faults.Event("POST /v1/payment-authorizations/{authorizationId}/confirm", confirmJSON(a.PaymentPassword),
				append(faults.Bearer(a.SessionToken), "{authorizationId}", id)...)
			if resp, err := f.Handler(context.Background(), req); err != nil || resp.StatusCode != 200 {
				t.Fatalf("setup confirm: %d %s %v", resp.StatusCode, resp.Body, err)
			}
		}
		return faults.Request{Event: signed(route, "", "{authorizationId}", id), Status: status}
	}
}

// TestFaultsPayment fails each DynamoDB call of every PaymentFunction route in turn (faults.Run):
// no failure leaves a reservation leaked or doubled (faults.CheckTable) or half a confirmation.
func TestFaultsPayment(t *testing.T) {
	const confirm = "POST /v1/payment-authorizations/{authorizationId}/confirm"
	on := `{"passwordFree":true,"currency":"CNY","perPayment":"50","daily":"200","paymentPassword":"`
	faults.Run(t, faultFixture,
		faults.Case{Name: "authorize", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: signed(authorizeRoute, authorizeBodyJSON(f.SignUp(t), "100", "k1")), Status: 200}
		}},
		faults.Case{Name: "authorize over the limit", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: signed(authorizeRoute, authorizeBodyJSON(f.SignUp(t), "1000.01", "k1")), Status: 200}
		}},
		faults.Case{Name: "authorize again", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a, _ := authorized(t, f)
			return faults.Request{Event: signed(authorizeRoute, authorizeBodyJSON(a, "100", "setup")), Status: 200}
		}},
		faults.Case{Name: "confirm", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a, id := authorized(t, f)
			return faults.Request{Event: faults.Event(confirm, confirmJSON(a.PaymentPassword), append(faults.Bearer(a.SessionToken), "{authorizationId}", id)...), Status: 200}
		}},
		faults.Case{Name: "confirm, wrong password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a, id := authorized(t, f)
			return faults.Request{Event: faults.Event(confirm, confirmJSON("000000"), append(faults.Bearer(a.SessionToken), "{authorizationId}", id)...), Status: 403}
		}},
		faults.Case{Name: "capture", Setup: settle("POST /internal/v1/payment-authorizations/{authorizationId}/capture", 200, true)},
		faults.Case{Name: "void", Setup: settle("POST /internal/v1/payment-authorizations/{authorizationId}/void", 200, false)},
		faults.Case{Name: "password-free on", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("PUT /v1/payment-settings", on+a.PaymentPassword+`"}`, faults.Bearer(a.SessionToken)...), Status: 200}
		}},
	)
}
