package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// faultFixture is PhoneChangeFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	sessions := session.NewService(store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log)
	changes := phonechange.NewService(store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log)
	f.Handler = newRouter(sessions, changes, f.Log).Handle
	return f
}

const faultIDNumber = "110101199003074514"

func identity(a flowtest.Account) *identityBody {
	return &identityBody{IDNumber: a.IDNumber, PaymentPassword: a.PaymentPassword, SecurityAnswers: []body.Answer{
		{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}, {QuestionID: "first_school", Answer: a.Answers["first_school"]}}}
}

func startEvent(a flowtest.Account, req startBody, status int) faults.Request {
	b, _ := json.Marshal(req)
	return faults.Request{Event: faults.Event("POST /v1/phone-changes", string(b), faults.Bearer(a.SessionToken)...), Status: status}
}

// started opens a change for a (the identity path when the account has an ID number) and
// returns its id and a phone_change_new token for a fresh number.
func started(t *testing.T, f *faults.Fixture, a flowtest.Account) (changeID, newToken string) {
	t.Helper()
	req := startBody{LoginPassword: a.Password}
	if a.IDNumber != "" {
		req.Identity = identity(a)
	} else {
		req.OldPhoneToken = f.Token(t, a, account.PurposePhoneChangeOld)
	}
	svc := phonechange.NewService(f.Store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log)
	res, err := svc.Start(context.Background(), account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken)}, req.request())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.Issuer.TokenFor(otp.SendRequest{Phone: flowtest.NewPhone(t), Purpose: account.PurposePhoneChangeNew,
		SessionHash: token.Hash(a.SessionToken), ChangeID: res.ChangeID})
	if err != nil {
		t.Fatal(err)
	}
	f.Remember(tok)
	return res.ChangeID, tok
}

func changeEvent(route, changeID, body string, status int, pairs ...string) faults.Request {
	return faults.Request{Event: faults.Event(route, body, append(pairs, "{changeId}", changeID)...), Status: status}
}

// TestFaultsPhoneChange fails each DynamoDB call of every PhoneChangeFunction route in turn.
func TestFaultsPhoneChange(t *testing.T) {
	const confirm, cancel = "POST /v1/phone-changes/{changeId}/confirm", "POST /v1/phone-changes/{changeId}/cancel"
	faults.Run(t, faultFixture,
		faults.Case{Name: "start, old phone", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return startEvent(a, startBody{LoginPassword: a.Password, OldPhoneToken: f.Token(t, a, account.PurposePhoneChangeOld)}, 201)
		}},
		faults.Case{Name: "start, identity", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t, flowtest.WithIDNumber(faultIDNumber))
			return startEvent(a, startBody{LoginPassword: a.Password, Identity: identity(a)}, 201)
		}},
		faults.Case{Name: "start, wrong password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return startEvent(a, startBody{LoginPassword: "not-the-password-7", OldPhoneToken: f.Token(t, a, account.PurposePhoneChangeOld)}, 401)
		}},
		faults.Case{Name: "confirm, old phone: completes", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			id, tok := started(t, f, a)
			return changeEvent(confirm, id, `{"verificationToken":"`+tok+`"}`, 200, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "confirm, identity: held", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t, flowtest.WithIDNumber(faultIDNumber))
			id, tok := started(t, f, a)
			return changeEvent(confirm, id, `{"verificationToken":"`+tok+`"}`, 200, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "confirm after the hold: completes", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t, flowtest.WithIDNumber(faultIDNumber))
			id, tok := started(t, f, a)
			held := changeEvent(confirm, id, `{"verificationToken":"`+tok+`"}`, 200, faults.Bearer(a.SessionToken)...)
			if resp, err := f.Handler(context.Background(), held.Event); err != nil || resp.StatusCode != 200 {
				t.Fatalf("hold: %d %s %v", resp.StatusCode, resp.Body, err)
			}
			f.Clock.Advance(f.Cfg.PhoneChangeHold)
			return changeEvent(confirm, id, `{}`, 200, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "cancel from the session", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			id, _ := started(t, f, a)
			return changeEvent(cancel, id, ``, 204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "cancel with the old phone's code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			id, _ := started(t, f, a)
			return changeEvent(cancel, id, `{"oldPhoneVerificationToken":"`+f.Token(t, a, account.PurposePhoneChangeOld)+`"}`, 204)
		}},
	)
}
