package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
	"github.com/wallet-accounts/wallet/shared/ses"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// faultFixture is AccountFunction as main.go wires it, on clients that fail on demand.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, nil)
	store := dynamo.New(f.FaultyDB, f.Table).WithEventTTL(f.Cfg.EventTTL)
	stacktest.VerifySender(t, f.Cfg.EmailFrom)
	mail := courier.NewMailer(ses.New(stacktest.SESClient(t, func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, f.Injector.Middleware)
	}), f.Cfg.EmailFrom))
	h, err := newHandler(store, f.Hasher, mail, f.Clock, f.Cfg, f.Log)
	if err != nil {
		t.Fatal(err)
	}
	f.Handler = newRouter(h, f.Log).Handle
	return f
}

// emailCodeRequest is POST /v1/account/email for a fresh address on a's session; the code the
// email carries is remembered for the canary scan once the request was sent (see lastEmailCode).
func emailCodeRequest(a flowtest.Account, addr string) faults.Request {
	return faults.Request{Event: faults.Event("POST /v1/account/email", `{"email":"`+addr+`"}`, faults.Bearer(a.SessionToken)...), Status: 202}
}

// emailVerifyRequest asks for a code to a fresh address on a's session (nothing failing) and
// returns the request that spends it.
func emailVerifyRequest(t *testing.T, f *faults.Fixture, a flowtest.Account) faults.Request {
	t.Helper()
	addr := flowtest.NewEmail(t)
	out := mustHandle(t, f, emailCodeRequest(a, addr))
	code := stacktest.WaitEmail(t, addr, 0, 5*time.Second).Code(t)
	f.Remember(code)
	return faults.Request{Event: faults.Event("POST /v1/account/email/verify", jsonOf(map[string]string{"challengeId": out["challengeId"].(string),
		"code": code}), faults.Bearer(a.SessionToken)...), Status: 200}
}

var (
	someDevice = &body.Device{ID: "device-signup-01", Name: "Test phone", Platform: "android"} // flowtest's id, without its secret
	newDevice  = &body.Device{ID: "device-faults-02", Name: "Tablet", Platform: "ios"}
)

const faultCard = "4111111111111111"

// signupDevice is the device a's signup enrolled, with the secret that proves it.
func signupDevice(a flowtest.Account) *body.Device {
	return &body.Device{ID: a.DeviceID, Name: "Test phone", Platform: "android", Secret: a.DeviceSecret}
}

func signInEvent(phone, password string, dev *body.Device, token string) faults.Request {
	b, _ := json.Marshal(signInBody{Phone: phone, Password: password, Device: dev, VerificationToken: token})
	return faults.Request{Event: faults.Event("POST /v1/sessions", string(b)), Status: 201}
}

// wrongSignIn is a sign-in with a wrong password: counting it by source IP is best effort.
func wrongSignIn(phone string, status int) faults.Request {
	req := signInEvent(phone, "not-the-password-7", someDevice, "")
	req.Status, req.Tolerated = status, map[int]string{4: "the per-IP failure count is best effort (logged)"}
	return req
}

// mustHandle sends a request during setup, nothing failing, and wants status.
func mustHandle(t *testing.T, f *faults.Fixture, req faults.Request) map[string]any {
	t.Helper()
	resp, err := f.Handler(context.Background(), req.Event)
	if err != nil || resp.StatusCode != req.Status {
		t.Fatalf("setup %s: %d %s %v", req.Event.RouteKey, resp.StatusCode, resp.Body, err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return out
}

// passkeyFinish is a registration's answer ready to send: begun on the session, answered by a
// fresh software authenticator; the ceremony's challenge is remembered for the canary scan.
func passkeyFinish(t *testing.T, f *faults.Fixture, a flowtest.Account) faults.Request {
	t.Helper()
	return passkeyFinishBy(t, f, a, newPasskeyAuthenticator())
}

func passkeyFinishBy(t *testing.T, f *faults.Fixture, a flowtest.Account, auth *passkeytest.Authenticator) faults.Request {
	t.Helper()
	out := mustHandle(t, f, faults.Request{Event: faults.Event("POST /v1/passkeys/registrations", "", faults.Bearer(a.SessionToken)...), Status: 201})
	f.Remember(passkeytest.Challenge(t, out["publicKey"]))
	b, _ := json.Marshal(map[string]any{"name": "Laptop", "credential": json.RawMessage(auth.Register(t, out["publicKey"]))})
	return faults.Request{Event: faults.Event("POST /v1/passkeys/registrations/{registrationId}", string(b),
		append(faults.Bearer(a.SessionToken), "{registrationId}", out["registrationId"].(string))...), Status: 201}
}

// passkeyOf registers a passkey on the session and returns a request to route on it.
func passkeyOf(t *testing.T, f *faults.Fixture, route, body string, status int) faults.Request {
	t.Helper()
	a := f.SignUp(t)
	pk := mustHandle(t, f, passkeyFinish(t, f, a))
	return faults.Request{Event: faults.Event(route, body, append(faults.Bearer(a.SessionToken), "{passkeyId}", pk["passkeyId"].(string))...), Status: status}
}

// withPasskey signs up an account with a registered passkey, and returns its authenticator.
func withPasskey(t *testing.T, f *faults.Fixture) (flowtest.Account, *passkeytest.Authenticator) {
	t.Helper()
	a, auth := f.SignUp(t), newPasskeyAuthenticator()
	mustHandle(t, f, passkeyFinishBy(t, f, a, auth))
	return a, auth
}

// passkeyAnswer opens a ceremony through the router and has auth answer it.
func passkeyAnswer(t *testing.T, f *faults.Fixture, auth *passkeytest.Authenticator) map[string]any {
	t.Helper()
	out := mustHandle(t, f, faults.Request{Event: faults.Event("POST /v1/sessions/passkey/options", ""), Status: 200})
	f.Remember(passkeytest.Challenge(t, out["publicKey"]))
	return map[string]any{"ceremonyId": out["ceremonyId"], "credential": json.RawMessage(auth.Assert(t, out["publicKey"]))}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestFaultsAccount fails each DynamoDB call of every AccountFunction route in turn (faults.Run).
func TestFaultsAccount(t *testing.T) {
	get := func(route string, status int, pairs ...string) func(*testing.T, *faults.Fixture) faults.Request {
		return func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event(route, "", append(faults.Bearer(a.SessionToken), pairs...)...), Status: status}
		}
	}
	faults.Run(t, faultFixture,
		faults.Case{Name: "sign in, known device", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return signInEvent(a.Phone.E164, a.Password, signupDevice(a), "")
		}},
		faults.Case{Name: "sign in with a replaced device secret", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			mustHandle(t, f, signInEvent(a.Phone.E164, a.Password, signupDevice(a), "")) // replaces the signup secret
			f.Clock.Advance(session.ReplaceGrace)                                        // past the grace for a race
			req := signInEvent(a.Phone.E164, a.Password, signupDevice(a), "")
			req.Status = 403 // revoked, then asked for a step-up as a new device
			return req
		}},
		faults.Case{Name: "sign in, new device with a step-up code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return signInEvent(a.Phone.E164, a.Password, newDevice, f.Token(t, a, account.PurposeLoginStepUp))
		}},
		faults.Case{Name: "sign in, wrong password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return wrongSignIn(f.SignUp(t).Phone.E164, 401)
		}},
		faults.Case{Name: "sign in, the wrong password that locks", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			for range f.Cfg.LoginMaxFailures - 1 {
				mustHandle(t, f, wrongSignIn(a.Phone.E164, 401))
			}
			return wrongSignIn(a.Phone.E164, 423)
		}},
		faults.Case{Name: "sign in, number without an account", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return wrongSignIn(flowtest.NewPhone(t).E164, 401)
		}},
		faults.Case{Name: "sign in by email, known device", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			addr := flowtest.NewEmail(t)
			f.BindEmail(t, a, addr)
			b, _ := json.Marshal(signInBody{Email: addr, Password: a.Password, Device: signupDevice(a)})
			return faults.Request{Event: faults.Event("POST /v1/sessions", string(b)), Status: 201}
		}},
		faults.Case{Name: "sign in by email, address without an account", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			req := emailSignInEvent(flowtest.NewEmail(t), "not-the-password-7")
			req.Status, req.Tolerated = 401, map[int]string{4: "the per-IP failure count is best effort (logged)"}
			return req
		}},
		faults.Case{Name: "ask for an email code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return emailCodeRequest(f.SignUp(t), flowtest.NewEmail(t))
		}},
		faults.Case{Name: "bind the email by its code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return emailVerifyRequest(t, f, f.SignUp(t))
		}},
		faults.Case{Name: "change the email by the new one's code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.BindEmail(t, a, flowtest.NewEmail(t))
			return emailVerifyRequest(t, f, a)
		}},
		faults.Case{Name: "remove the email", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.BindEmail(t, a, flowtest.NewEmail(t))
			return faults.Request{Event: faults.Event("DELETE /v1/account/email", "", faults.Bearer(a.SessionToken)...), Status: 204}
		}},
		faults.Case{Name: "sign out", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			req := faults.Request{Event: faults.Event("DELETE /v1/sessions/current", "", faults.Bearer(a.SessionToken)...), Status: 204}
			// The retry signs out a session of its own: a successful sign-out ended the first.
			dev := signupDevice(a)
			req.Retry = func(t *testing.T) events.APIGatewayV2HTTPRequest {
				out := mustHandle(t, f, signInEvent(a.Phone.E164, a.Password, dev, ""))
				dev.Secret = out["deviceSecret"].(string) // the next sign-in from this device sends the rotated one
				return faults.Event("DELETE /v1/sessions/current", "", faults.Bearer(out["sessionToken"].(string))...)
			}
			return req
		}},
		faults.Case{Name: "reauthenticate", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("POST /v1/sessions/current/reauthenticate", `{"password":"`+a.Password+`"}`,
				faults.Bearer(a.SessionToken)...), Status: 204}
		}},
		faults.Case{Name: "reauthenticate, wrong password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("POST /v1/sessions/current/reauthenticate", `{"password":"not-the-password-7"}`,
				faults.Bearer(a.SessionToken)...), Status: 403}
		}},
		faults.Case{Name: "account overview", Setup: get("GET /v1/account", 200)},
		faults.Case{Name: "devices", Setup: get("GET /v1/devices", 200)},
		faults.Case{Name: "remove a device", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			mustHandle(t, f, signInEvent(a.Phone.E164, a.Password, newDevice, f.Token(t, a, account.PurposeLoginStepUp)))
			return faults.Request{Event: faults.Event("DELETE /v1/devices/{deviceId}", "", append(faults.Bearer(a.SessionToken), "{deviceId}", newDevice.ID)...),
				Status: 204}
		}},
		faults.Case{Name: "link a card", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultCard)
			return faults.Request{Event: faults.Event("POST /v1/bank-cards", `{"cardNumber":"`+faultCard+`","paymentPassword":"`+a.PaymentPassword+`"}`,
				faults.Bearer(a.SessionToken)...), Status: 201}
		}},
		faults.Case{Name: "link a card, wrong payment password", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("POST /v1/bank-cards", `{"cardNumber":"`+faultCard+`","paymentPassword":"390418"}`,
				faults.Bearer(a.SessionToken)...), Status: 403}
		}},
		faults.Case{Name: "cards", Setup: get("GET /v1/bank-cards", 200)},
		faults.Case{Name: "unlink a card", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return unlinkCard(t, f, 0, 204)
		}},
		faults.Case{Name: "unlink a card, stale session", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return unlinkCard(t, f, f.Cfg.RecentAuthWindow+time.Second, 403)
		}},
		faults.Case{Name: "freeze from a session", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("POST /v1/account/freeze", "", faults.Bearer(a.SessionToken)...), Status: 200}
		}},
		faults.Case{Name: "freeze with a freeze code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			return faults.Request{Event: faults.Event("POST /v1/account/freeze", `{"verificationToken":"`+f.Token(t, a, account.PurposeFreeze)+`"}`),
				Status: 200}
		}},
		faults.Case{Name: "freeze with an alert's freeze token", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			token, hash, err := token.New(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Store.PutFreezeToken(context.Background(), a.ID, hash, f.Clock.Now().Add(7*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			f.Remember(token)
			return faults.Request{Event: faults.Event("POST /v1/account/freeze", `{"freezeToken":"`+token+`"}`), Status: 200}
		}},
		faults.Case{Name: "the freeze link's page", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event(landingGet, "", "{freezeToken}", alertToken(t, f, f.SignUp(t))), Status: 200, Page: true}
		}},
		faults.Case{Name: "the freeze link's page, its button", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return landingButton(alertToken(t, f, f.SignUp(t)), 200)
		}},
		faults.Case{Name: "the freeze link's page, its button again", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			tok := alertToken(t, f, f.SignUp(t))
			mustHandle(t, f, landingButton(tok, 200))
			return landingButton(tok, 400)
		}},
		faults.Case{Name: "passkey ceremony", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("POST /v1/sessions/passkey/options", ""), Status: 200}
		}},
		faults.Case{Name: "sign in with a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			_, auth := withPasskey(t, f)
			body := passkeyAnswer(t, f, auth)
			body["device"] = newDevice
			return faults.Request{Event: faults.Event("POST /v1/sessions/passkey", jsonOf(body)), Status: 201}
		}},
		faults.Case{Name: "sign in, a passkey as the step-up", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a, auth := withPasskey(t, f)
			return faults.Request{Event: faults.Event("POST /v1/sessions", jsonOf(map[string]any{"phone": a.Phone.E164, "password": a.Password,
				"device": newDevice, "passkey": passkeyAnswer(t, f, auth)})), Status: 201}
		}},
		faults.Case{Name: "reauthenticate with a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a, auth := withPasskey(t, f)
			return faults.Request{Event: faults.Event("POST /v1/sessions/current/reauthenticate", jsonOf(map[string]any{"passkey": passkeyAnswer(t, f, auth)}),
				faults.Bearer(a.SessionToken)...), Status: 204}
		}},
		faults.Case{Name: "passkey registration options", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("POST /v1/passkeys/registrations", "", faults.Bearer(f.SignUp(t).SessionToken)...), Status: 201}
		}},
		faults.Case{Name: "register a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return passkeyFinish(t, f, f.SignUp(t))
		}},
		faults.Case{Name: "passkeys", Setup: get("GET /v1/passkeys", 200)},
		faults.Case{Name: "rename a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return passkeyOf(t, f, "PATCH /v1/passkeys/{passkeyId}", `{"name":"Work laptop"}`, 204)
		}},
		faults.Case{Name: "remove a passkey", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return passkeyOf(t, f, "DELETE /v1/passkeys/{passkeyId}", "", 204)
		}},
		faults.Case{Name: "profile", Setup: get("GET /v1/account/profile", 200)},
		faults.Case{Name: "edit the profile", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return faults.Request{Event: faults.Event("PATCH /v1/account/profile", `{"realName":"Li Wei","address":"1 Harbour Road"}`,
				faults.Bearer(f.SignUp(t).SessionToken)...), Status: 200}
		}},
		faults.Case{Name: "activity", Setup: get("GET /v1/account/activity", 200)},
		faults.Case{Name: "activity, a page after a cursor", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			mustHandle(t, f, faults.Request{Event: faults.Event("PATCH /v1/account/profile", `{"citizenship":"CN"}`, // a second event
				faults.Bearer(a.SessionToken)...), Status: 200})
			out := mustHandle(t, f, activityPage(a, ""))
			return activityPage(a, out["nextCursor"].(string))
		}},
		faults.Case{Name: "report an activity entry", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			out := mustHandle(t, f, activityPage(a, ""))
			id := out["entries"].([]any)[0].(map[string]any)["eventId"].(string)
			return faults.Request{Event: faults.Event("POST /v1/account/activity/{eventId}/report", "",
				append(faults.Bearer(a.SessionToken), "{eventId}", id)...), Status: 200}
		}},
		faults.Case{Name: "request deletion", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return deletionRequest(f.SignUp(t), 202)
		}},
		faults.Case{Name: "request deletion, a card linked", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Remember(faultCard)
			mustHandle(t, f, faults.Request{Event: faults.Event("POST /v1/bank-cards", `{"cardNumber":"`+faultCard+`","paymentPassword":"`+a.PaymentPassword+`"}`,
				faults.Bearer(a.SessionToken)...), Status: 201})
			return deletionRequest(a, 409)
		}},
		faults.Case{Name: "cancel deletion", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			mustHandle(t, f, deletionRequest(a, 202))
			return faults.Request{Event: faults.Event("DELETE /v1/account/deletion", "", faults.Bearer(a.SessionToken)...), Status: 204}
		}},
		faults.Case{Name: "set the ID document", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			f.Remember("E12345678")
			return faults.Request{Event: faults.Event("PATCH /v1/account/profile", `{"citizenship":"CN","idType":"passport","idNumber":"E12345678"}`,
				faults.Bearer(f.SignUp(t).SessionToken)...), Status: 200}
		}},
	)
}

// deletionRequest is a's request to delete the account.
func deletionRequest(a flowtest.Account, status int) faults.Request {
	return faults.Request{Event: faults.Event("POST /v1/account/deletion", `{"paymentPassword":"`+a.PaymentPassword+`"}`,
		faults.Bearer(a.SessionToken)...), Status: status}
}

// activityPage asks for one entry of a's activity after cursor.
func activityPage(a flowtest.Account, cursor string) faults.Request {
	ev := faults.Event("GET /v1/account/activity", "", faults.Bearer(a.SessionToken)...)
	ev.QueryStringParameters = map[string]string{"limit": "1"}
	if cursor != "" {
		ev.QueryStringParameters["cursor"] = cursor
	}
	return faults.Request{Event: ev, Status: 200}
}

// unlinkCard links a card to a new account and returns the request that unlinks it, from the
// account's session once stale has passed.
func unlinkCard(t *testing.T, f *faults.Fixture, stale time.Duration, status int) faults.Request {
	t.Helper()
	a := f.SignUp(t)
	f.Remember(faultCard)
	out := mustHandle(t, f, faults.Request{Event: faults.Event("POST /v1/bank-cards",
		`{"cardNumber":"`+faultCard+`","paymentPassword":"`+a.PaymentPassword+`"}`, faults.Bearer(a.SessionToken)...), Status: 201})
	f.Clock.Advance(stale)
	return faults.Request{Event: faults.Event("DELETE /v1/bank-cards/{cardId}", "",
		append(faults.Bearer(a.SessionToken), "{cardId}", out["cardId"].(string))...), Status: status}
}

// alertToken stores a freeze token for a, as AlertFunction does, and remembers it.
func alertToken(t *testing.T, f *faults.Fixture, a flowtest.Account) string {
	t.Helper()
	tok, hash, err := token.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Store.PutFreezeToken(context.Background(), a.ID, hash, f.Clock.Now().Add(f.Cfg.FreezeTokenTTL)); err != nil {
		t.Fatal(err)
	}
	f.Remember(tok)
	return tok
}

// landingButton is the form post of the freeze link's page, as a browser sends it.
func landingButton(tok string, status int) faults.Request {
	return faults.Request{Event: faults.Event(landingPost, landingForm, "{freezeToken}", tok, "Content-Type", formType), Status: status, Page: true}
}
