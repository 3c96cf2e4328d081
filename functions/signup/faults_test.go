package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/signup"
)

// faultFixture is SignupFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	svc := signup.NewService(store, f.Hasher, strength.CheckLoginPassword, f.Clock, rand.Reader, f.Cfg, f.Log)
	f.Handler = newRouter(svc, f.Log).Handle
	return f
}

// signupEvent is a signup for a fresh number with a real token; profile may be nil; pairs are
// headers.
func signupEvent(t *testing.T, f *faults.Fixture, profile *profileBody, pairs ...string) faults.Request {
	t.Helper()
	req := signupBody{VerificationToken: f.Issuer.Token(t, flowtest.NewPhone(t), account.PurposeSignup),
		LoginPassword: "quartz-meadow-lantern-41", PaymentPassword: "604917", AgreementVersion: f.Cfg.AgreementVersion,
		Device:  &body.Device{ID: "device-faults-01", Name: "Phone", Platform: "ios"},
		Profile: profile,
		SecurityAnswers: []body.Answer{{QuestionID: "first_school", Answer: "Hillcrest Academy"},
			{QuestionID: "first_pet", Answer: "Biscuit"}, {QuestionID: "childhood_street", Answer: "Birch Lane"}}}
	f.Remember(req.VerificationToken, req.LoginPassword, req.PaymentPassword, "Hillcrest Academy", "Biscuit", "Birch Lane")
	if profile != nil {
		f.Remember(profile.IDNumber)
	}
	b, _ := json.Marshal(req)
	return faults.Request{Event: faults.Event("POST /v1/accounts", string(b), pairs...), Status: 201}
}

// TestFaultsSignup fails each DynamoDB call of every SignupFunction route in turn (faults.Run).
func TestFaultsSignup(t *testing.T) {
	n := 0
	key := func() string { n++; return fmt.Sprintf("faults-signup-key-%d", n) }
	faults.Run(t, faultFixture,
		faults.Case{Name: "questions (no AWS call)", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("GET /v1/security-questions", ""), Status: 200}
		}},
		faults.Case{Name: "sign up", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return signupEvent(t, f, nil)
		}},
		faults.Case{Name: "sign up with a profile, email and ID", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			n++
			return signupEvent(t, f, &profileBody{RealName: "Lin Mei", Email: fmt.Sprintf("lin.mei.%d@example.com", n),
				IDType: "national_id", IDNumber: "11010119900307451X"})
		}},
		faults.Case{Name: "sign up with an Idempotency-Key", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return signupEvent(t, f, nil, "Idempotency-Key", key())
		}},
		faults.Case{Name: "replay of an idempotent signup", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			req := signupEvent(t, f, nil, "Idempotency-Key", key())
			if resp, err := f.Handler(context.Background(), req.Event); err != nil || resp.StatusCode != 201 {
				t.Fatalf("first signup: %d %s %v", resp.StatusCode, resp.Body, err)
			}
			return req
		}},
	)
}
