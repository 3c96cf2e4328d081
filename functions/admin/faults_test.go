package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/idv"
)

// faultFixture is AdminFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	f.Handler = newRouter(newHandler(store, f.Clock, f.Cfg, f.Log), f.Log).Handle
	return f
}

const agentARN = "arn:aws:iam::123456789012:user/agent"

// signed is a request as API Gateway's IAM authorizer passes it on: with the signer in the context.
func signed(route, body string, pairs ...string) events.APIGatewayV2HTTPRequest {
	return faults.SignedEvent(agentARN, "AKIAAGENT", route, body, pairs...)
}

const caseBodyJSON = `{"reason":"holder called","caseId":"CS-1"}`

// act is an action on a fresh account, after the setup actions (each must answer 200).
func act(route string, status int, body string, before ...string) func(*testing.T, *faults.Fixture) faults.Request {
	return func(t *testing.T, f *faults.Fixture) faults.Request {
		a := f.SignUp(t)
		for _, r := range before {
			req := signed(r, caseBodyJSON, "{accountId}", a.ID)
			if r == "POST /internal/v1/accounts/{accountId}/flags" {
				req.Body = `{"reason":"r","caseId":"CS-0","set":["dispute"]}`
			}
			if resp, err := f.Handler(context.Background(), req); err != nil || resp.StatusCode != 200 {
				t.Fatalf("setup %s: %d %s %v", r, resp.StatusCode, resp.Body, err)
			}
		}
		return faults.Request{Event: signed(route, body, "{accountId}", a.ID), Status: status}
	}
}

// TestFaultsAdmin fails each DynamoDB call of every AdminFunction route in turn (faults.Run).
func TestFaultsAdmin(t *testing.T) {
	const (
		freeze   = "POST /internal/v1/accounts/{accountId}/freeze"
		unfreeze = "POST /internal/v1/accounts/{accountId}/unfreeze"
		signOut  = "POST /internal/v1/accounts/{accountId}/sign-out"
		flags    = "POST /internal/v1/accounts/{accountId}/flags"
		closeIt  = "POST /internal/v1/accounts/{accountId}/close"
	)
	faults.Run(t, faultFixture,
		faults.Case{Name: "find by phone", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			req := signed("GET /internal/v1/accounts", "")
			req.QueryStringParameters = map[string]string{"phone": a.Phone.E164}
			req.RawQueryString = "phone=" + url.QueryEscape(a.Phone.E164)
			return faults.Request{Event: req, Status: 200}
		}},
		faults.Case{Name: "look up", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: signed("GET /internal/v1/accounts/{accountId}", "", "{accountId}", f.SignUp(t).ID), Status: 200}
		}},
		faults.Case{Name: "audit trail", Setup: act("GET /internal/v1/accounts/{accountId}/audit", 200, "", freeze)},
		faults.Case{Name: "freeze", Setup: act(freeze, 200, caseBodyJSON)},
		faults.Case{Name: "freeze a frozen account", Setup: act(freeze, 409, caseBodyJSON, freeze)},
		faults.Case{Name: "unfreeze", Setup: act(unfreeze, 200, caseBodyJSON, freeze)},
		faults.Case{Name: "sign out", Setup: act(signOut, 200, caseBodyJSON)},
		faults.Case{Name: "set flags", Setup: act(flags, 200, `{"reason":"r","caseId":"CS-1","set":["debt","investigation"]}`)},
		faults.Case{Name: "clear a flag", Setup: act(flags, 200, `{"reason":"r","caseId":"CS-1","clear":["dispute"]}`, flags)},
		faults.Case{Name: "close", Setup: act(closeIt, 200, caseBodyJSON)},
		faults.Case{Name: "close a frozen account", Setup: act(closeIt, 200, caseBodyJSON, freeze)},
		faults.Case{Name: "close, flagged", Setup: act(closeIt, 409, caseBodyJSON, flags)},
		faults.Case{Name: "no reason", Setup: act(freeze, 400, `{"caseId":"CS-1"}`)},
		faults.Case{Name: "approve an identity verification", Setup: decide(200, `{"decision":"approve","level":"verified","reason":"documents checked","caseId":"CS-1"}`)},
		faults.Case{Name: "reject an identity verification", Setup: decide(200, `{"decision":"reject","reasonCode":"blurry_photo","reason":"unreadable","caseId":"CS-1"}`)},
	)
}

// decide is customer service's decision of a case a fresh account opened (with the clean store).
func decide(status int, body string) func(*testing.T, *faults.Fixture) faults.Request {
	return func(t *testing.T, f *faults.Fixture) faults.Request {
		a := f.SignUp(t)
		f.Remember("E12345678")
		svc := idv.NewService(f.Store.ForIDV(f.Cfg.AuditTTL), idv.Manual{}, f.Cfg, f.Clock, rand.Reader, f.Log)
		v, err := svc.Open(context.Background(), account.Principal{AccountID: a.ID, FreshAt: f.Clock.Now()},
			idv.Request{DocumentType: "passport", DocumentNumber: "E12345678", Name: "Li Wei", Nationality: "CN"}, "")
		if err != nil {
			t.Fatalf("setup open: %v", err)
		}
		return faults.Request{Event: signed("POST /internal/v1/identity-verifications/{verificationId}/decision", body,
			"{verificationId}", v.VerificationID), Status: status}
	}
}
