package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/sms"
	"github.com/wallet-accounts/wallet/shared/token"
)

// faultFixture is OtpFunction as main.go wires it, on clients that fail on demand. The fixed
// clock never leaves the hour, so the per-IP hourly limit is lifted: every run sends from one IP.
func faultFixture(t *testing.T) *faults.Fixture {
	f := faults.NewFixture(t, func(e *flowtest.Env) { e.Cfg.OTPIPHourly = 1 << 20 })
	svc := otp.NewService(dynamo.New(f.FaultyDB, f.Table), courier.New(sms.New(f.FaultySNS, "")), f.Clock, rand.Reader, f.Cfg, f.Log)
	f.Handler = newRouter(svc, f.Log).Handle
	return f
}

func sendEvent(phone account.Phone, purpose account.Purpose, pairs ...string) faults.Request {
	body, _ := json.Marshal(sendBody{Phone: phone.E164, Purpose: string(purpose)})
	return faults.Request{Event: faults.Event("POST /v1/otp", string(body), pairs...), Status: 202}
}

var smsCode = regexp.MustCompile(`\b\d{6}\b`)

// sentCode sends a code for phone and purpose through f's router and reads it from moto.
func sentCode(t *testing.T, f *faults.Fixture, phone account.Phone, purpose account.Purpose) (challengeID, code string) {
	t.Helper()
	seen := len(stacktest.SMSTo(t, phone.E164))
	resp, err := f.Handler(context.Background(), sendEvent(phone, purpose).Event)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("send: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var out otp.SendResult
	_ = json.Unmarshal([]byte(resp.Body), &out)
	code = smsCode.FindString(stacktest.WaitSMS(t, phone.E164, seen, 5*time.Second).Text)
	f.Remember(code)
	return out.ChallengeID, code
}

// TestFaultsOTP fails each DynamoDB and SNS call of every OTP route in turn (faults.Run).
func TestFaultsOTP(t *testing.T) {
	faults.Run(t, faultFixture,
		faults.Case{Name: "send signup, new number", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return sendEvent(flowtest.NewPhone(t), account.PurposeSignup)
		}},
		faults.Case{Name: "send signup, number with an account (notice)", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			f.Clock.Advance(f.Cfg.OTPResendAfter) // past the cooldown of the code signup used
			return sendEvent(a.Phone, account.PurposeSignup)
		}},
		faults.Case{Name: "send reset_login, number with an account", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return sendEvent(f.SignUp(t).Phone, account.PurposeResetLogin)
		}},
		faults.Case{Name: "send reset_login, number without one (nothing sent)", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			return sendEvent(flowtest.NewPhone(t), account.PurposeResetLogin)
		}},
		faults.Case{Name: "resend: a new code replaces the old", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			ph := flowtest.NewPhone(t)
			sentCode(t, f, ph, account.PurposeSignup)
			f.Clock.Advance(f.Cfg.OTPResendAfter)
			return sendEvent(ph, account.PurposeSignup)
		}},
		faults.Case{Name: "send phone_change_new from a session", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			a := f.SignUp(t)
			changes := phonechange.NewService(f.Store, f.Hasher, f.Clock, rand.Reader, f.Cfg, f.Log)
			start, err := changes.Start(context.Background(), account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken)},
				phonechange.StartRequest{LoginPassword: a.Password, OldPhoneToken: f.Token(t, a, account.PurposePhoneChangeOld)})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(sendBody{Phone: flowtest.NewPhone(t).E164, Purpose: string(account.PurposePhoneChangeNew), ChangeID: start.ChangeID})
			return faults.Request{Event: faults.Event("POST /v1/otp", string(body), faults.Bearer(a.SessionToken)...), Status: 202}
		}},
		faults.Case{Name: "verify, right code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			id, code := sentCode(t, f, flowtest.NewPhone(t), account.PurposeSignup)
			body, _ := json.Marshal(verifyBody{ChallengeID: id, Code: code})
			return faults.Request{Event: faults.Event("POST /v1/otp/verify", string(body)), Status: 200}
		}},
		faults.Case{Name: "verify, wrong code", Setup: func(t *testing.T, f *faults.Fixture) faults.Request {
			id, code := sentCode(t, f, flowtest.NewPhone(t), account.PurposeSignup)
			wrong := []byte(code)
			wrong[0] = '0' + (wrong[0]-'0'+1)%10
			body, _ := json.Marshal(verifyBody{ChallengeID: id, Code: string(wrong)})
			return faults.Request{Event: faults.Event("POST /v1/otp/verify", string(body)), Status: 400}
		}},
	)
}

// limitless lifts the OTP limits, for tests of something else.
func limitless(c *config.Config) {
	c.OTPResendAfter = 0
	c.OTPPhoneHourly, c.OTPPhoneDaily, c.OTPIPHourly, c.OTPPrefixHourly = 1<<20, 1<<20, 1<<20, 1<<20
	c.PumpingMinSends = 1 << 20 // no prefix is judged: these send many codes they never verify
	c.SMSDailyBudget = 1 << 30
}
