package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// faultFixture is ResetFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	payments := paypass.New(store, f.Hasher, f.Clock, f.Cfg, f.Log)
	resets := reset.NewService(store, payments, f.Hasher, strength.CheckLoginPassword, f.Clock, rand.Reader, f.Cfg, f.Log).
		WithPasskeys(ceremony.NewService(store, f.Cfg, f.Clock, rand.Reader, f.Log)).
		WithFreezer(freeze.NewService(store, f.Clock, rand.Reader, f.Log))
	f.Handler = newRouter(resets, session.NewService(store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log), f.Log).Handle
	return f
}

const (
	faultNewPassword = "amber-lantern-forty-7"
	faultIDNumber    = "110101199003074514"
	faultCard        = "4111111111111111"
)

// signupDevice is the device a's signup enrolled, with the secret that proves it.
func signupDevice(a flowtest.Account) *body.Device {
	return &body.Device{ID: a.DeviceID, Name: "Test phone", Platform: "android", Secret: a.DeviceSecret}
}

func jsonEvent(route string, body any, status int, pairs ...string) faults.Request {
	b, _ := json.Marshal(body)
	return faults.Request{Event: faults.Event(route, string(b), pairs...), Status: status}
}

// passkeyFactor registers a passkey for a (as a fresh session would) and returns an answer to a
// new ceremony by it: a risky reset's second factor.
func passkeyFactor(t *testing.T, f *faults.Fixture, a flowtest.Account) *body.Passkey {
	t.Helper()
	ctx, svc := context.Background(), ceremony.NewService(f.Store, f.Cfg, f.Clock, rand.Reader, f.Log)
	auth := passkeytest.New("localhost", "http://localhost:3000", virtualwebauthn.AuthenticatorOptions{})
	p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken), FreshAt: f.Clock.Now()}
	reg, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: reg.RegistrationID, Name: "Key",
		Credential: auth.Register(t, reg.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	opts, err := svc.BeginAssertion(ctx, passkey.PurposeSignIn, "")
	if err != nil {
		t.Fatal(err)
	}
	f.Remember(passkeytest.Challenge(t, opts.PublicKey))
	return &body.Passkey{CeremonyID: opts.CeremonyID, Credential: auth.Assert(t, opts.PublicKey)}
}

// withCard signs up an account with an ID number and a linked card, for the reset without SMS.
func withCard(t *testing.T, f *faults.Fixture) flowtest.Account {
	t.Helper()
	a := f.SignUp(t, flowtest.WithIDNumber(faultIDNumber))
	cards := card.NewService(f.Store, paypass.New(f.Store, f.Hasher, f.Clock, f.Cfg, f.Log), f.Cfg, f.Clock, rand.Reader, f.Log)
	p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken)}
	if _, err := cards.Link(context.Background(), p, card.LinkRequest{CardNumber: faultCard, PaymentPassword: a.PaymentPassword}); err != nil {
		t.Fatal(err)
	}
	f.Remember(faultCard, faultIDNumber, faultNewPassword)
	return a
}

func alternative(a flowtest.Account, phone, idNumber string, status int) faults.Request {
	return jsonEvent("POST /v1/password-resets/login/alternative", alternativeBody{Phone: phone, IDNumber: idNumber,
		SecurityAnswers: []body.Answer{{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}, {QuestionID: "first_school", Answer: a.Answers["first_school"]}},
		BankCardNumber:  faultCard, NewPassword: faultNewPassword}, status)
}

// TestFaultsReset fails each DynamoDB call of every ResetFunction route in turn (faults.Run).
func TestFaultsReset(t *testing.T) {
	faults.Run(t, faultFixture,
		faults.Case{Name: "change the login password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultNewPassword)
			return jsonEvent("PUT /v1/account/login-password", changeLoginBody{CurrentPassword: a.Password, NewPassword: faultNewPassword},
				204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "change the login password, wrong current one", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("PUT /v1/account/login-password", changeLoginBody{CurrentPassword: "not-the-password-7", NewPassword: faultNewPassword},
				403, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "change the payment password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember("481937")
			return jsonEvent("PUT /v1/account/payment-password", changePaymentBody{CurrentPaymentPassword: a.PaymentPassword,
				NewPaymentPassword: "481937"}, 204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "change the security answers", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember("Hillside Primary", "Biscuit", "Oak Lane")
			return jsonEvent("PUT /v1/account/security-answers", changeAnswersBody{PaymentPassword: a.PaymentPassword,
				SecurityAnswers: []body.Answer{{QuestionID: "first_school", Answer: "Hillside Primary"}, {QuestionID: "first_pet", Answer: "Biscuit"},
					{QuestionID: "childhood_street", Answer: "Oak Lane"}}}, 204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "lost-phone lock", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("POST /v1/account/lock", lockBody{Phone: a.Phone.E164, LoginPassword: a.Password,
				SecurityAnswer: &body.Answer{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}}, 200)
		}},
		faults.Case{Name: "lost-phone lock by email", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			addr := flowtest.NewEmail(t)
			f.BindEmail(t, a, addr)
			return jsonEvent("POST /v1/account/lock", lockBody{Email: addr, LoginPassword: a.Password,
				SecurityAnswer: &body.Answer{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}}, 200)
		}},
		faults.Case{Name: "lost-phone lock by email, address without an account", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("POST /v1/account/lock", lockBody{Email: flowtest.NewEmail(t), LoginPassword: a.Password, IDNumber: faultIDNumber}, 401)
		}},
		faults.Case{Name: "lost-phone lock, wrong data", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("POST /v1/account/lock", lockBody{Phone: a.Phone.E164, LoginPassword: a.Password, IDNumber: faultIDNumber}, 401)
		}},
		faults.Case{Name: "login reset by code, known device", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultNewPassword)
			return jsonEvent("POST /v1/password-resets/login", loginBody{VerificationToken: f.Token(t, a, account.PurposeResetLogin),
				NewPassword: faultNewPassword, Device: signupDevice(a)}, 204)
		}},
		faults.Case{Name: "login reset by code, new device, security answer", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultNewPassword)
			req := loginBody{VerificationToken: f.Token(t, a, account.PurposeResetLogin), NewPassword: faultNewPassword}
			q := askedQuestion(t, f, req)
			req.SecondFactor = &factorBody{QuestionID: q, Answer: a.Answers[q]}
			return jsonEvent("POST /v1/password-resets/login", req, 204)
		}},
		faults.Case{Name: "login reset by code, new device, a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultNewPassword)
			return jsonEvent("POST /v1/password-resets/login", loginBody{VerificationToken: f.Token(t, a, account.PurposeResetLogin),
				NewPassword: faultNewPassword, SecondFactor: &factorBody{Passkey: passkeyFactor(t, f, a)}}, 204)
		}},
		faults.Case{Name: "login reset by code, wrong second factor", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			req := loginBody{VerificationToken: f.Token(t, a, account.PurposeResetLogin), NewPassword: faultNewPassword}
			req.SecondFactor = &factorBody{QuestionID: askedQuestion(t, f, req), Answer: "not the answer"}
			return jsonEvent("POST /v1/password-resets/login", req, 401)
		}},
		faults.Case{Name: "login reset of a frozen account, with the ID number", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t, flowtest.WithIDNumber(faultIDNumber))
			p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken)}
			if _, err := freeze.NewService(f.Store, f.Clock, rand.Reader, f.Log).Freeze(context.Background(), freeze.Request{Principal: &p}); err != nil {
				t.Fatal(err)
			}
			f.Remember(faultNewPassword)
			return jsonEvent("POST /v1/password-resets/login", loginBody{VerificationToken: f.Token(t, a, account.PurposeResetLogin),
				NewPassword: faultNewPassword, Device: signupDevice(a), SecondFactor: &factorBody{IDNumber: faultIDNumber}}, 204)
		}},
		faults.Case{Name: "login reset without SMS", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := withCard(t, f)
			return alternative(a, a.Phone.E164, faultIDNumber, 204)
		}},
		faults.Case{Name: "login reset without SMS, wrong ID number", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := withCard(t, f)
			return alternative(a, a.Phone.E164, "110101199003074515", 401)
		}},
		faults.Case{Name: "login reset without SMS, number without an account", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := withCard(t, f)
			return alternative(a, flowtest.NewPhone(t).E164, faultIDNumber, 401)
		}},
		faults.Case{Name: "payment password reset", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember("731950")
			return jsonEvent("POST /v1/password-resets/payment", paymentBody{VerificationToken: f.Token(t, a, account.PurposeResetPayment),
				NewPaymentPassword: "731950"}, 204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "payment password verify", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("POST /v1/payment-password/verify", verifyBody{PaymentPassword: a.PaymentPassword}, 204, faults.Bearer(a.SessionToken)...)
		}},
		faults.Case{Name: "payment password verify, wrong", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return jsonEvent("POST /v1/payment-password/verify", verifyBody{PaymentPassword: "390418"}, 403, faults.Bearer(a.SessionToken)...)
		}},
	)
}

// askedQuestion sends a risky login reset without a second factor, as a client does first, and
// returns the security question it is asked.
func askedQuestion(t *testing.T, f *faults.Fixture, req loginBody) string {
	t.Helper()
	ev := jsonEvent("POST /v1/password-resets/login", req, 403).Event
	resp, err := f.Handler(context.Background(), ev)
	var p struct {
		QuestionID string `json:"questionId"`
	}
	if err != nil || resp.StatusCode != 403 || json.Unmarshal([]byte(resp.Body), &p) != nil || p.QuestionID == "" {
		t.Fatalf("second factor asked: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	return p.QuestionID
}
