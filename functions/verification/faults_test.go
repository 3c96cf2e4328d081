package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/idv"
)

const faultKey = "faults-idv-webhook-key-0123456789abcd"

// faultFixture is VerificationFunction as main.go wires it (the manual provider: cases are
// decided by the callback here), on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, func(e *flowtest.Env) { e.Cfg.IDVWebhookSecret = faultKey })
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	f.Handler = newRouter(newHandler(store, idv.Manual{}, f.Clock, f.Cfg, f.Log), f.Log).Handle
	return f
}

const openJSON = `{"documentType":"passport","documentNumber":"E12345678","name":"Li Wei","nationality":"CN"}`

// opened signs up and opens a case through the clean handler; it returns the session and case.
func opened(t *testing.T, f *faults.Fixture) (session, caseID string) {
	a := f.SignUp(t)
	f.Remember("E12345678")
	resp, err := f.Handler(context.Background(), faults.Event("POST /v1/identity-verifications", openJSON, faults.Bearer(a.SessionToken)...))
	var v struct {
		VerificationID string `json:"verificationId"`
	}
	if err != nil || resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &v) != nil {
		t.Fatalf("setup open: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	return a.SessionToken, v.VerificationID
}

// signedCallback is the vendor's decision of caseID, signed at the fixture's clock.
func signedCallback(f *faults.Fixture, caseID, decision string) faults.Request {
	body := `{"verificationId":"` + caseID + `","decision":"` + decision + `","reasonCode":"blurry_photo"}`
	if decision == "approved" {
		body = `{"verificationId":"` + caseID + `","decision":"approved","faceMatch":true}`
	}
	ts, sig := idv.Sign([]byte(faultKey), f.Clock.Now(), []byte(body))
	return faults.Request{Event: faults.Event("POST /v1/identity-verifications/callback", body,
		idv.HeaderTimestamp, ts, idv.HeaderSignature, sig), Status: 200}
}

// TestFaultsVerification fails each DynamoDB call of every VerificationFunction route in turn.
func TestFaultsVerification(t *testing.T) {
	faults.Run(t, faultFixture,
		faults.Case{Name: "open", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember("E12345678")
			return faults.Request{Event: faults.Event("POST /v1/identity-verifications", openJSON, faults.Bearer(a.SessionToken)...), Status: 201}
		}},
		faults.Case{Name: "current", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			session, _ := opened(t, f)
			return faults.Request{Event: faults.Event("GET /v1/identity-verifications/current", "", faults.Bearer(session)...), Status: 200}
		}},
		faults.Case{Name: "callback approves", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			_, id := opened(t, f)
			return signedCallback(f, id, "approved")
		}},
		faults.Case{Name: "callback rejects", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			_, id := opened(t, f)
			return signedCallback(f, id, "rejected")
		}},
		faults.Case{Name: "callback, bad signature", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			r := signedCallback(f, "01KAAAAAAAAAAAAAAAAAAAAAAA.01KAAAAAAAAAAAAAAAAAAAAAAA", "approved")
			r.Event.Headers[strings.ToLower(idv.HeaderSignature)] = "v1=00"
			r.Status = 401
			return r
		}},
	)
}
