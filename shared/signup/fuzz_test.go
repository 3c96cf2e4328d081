package signup

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
)

// FuzzSignupRequest is POST /v1/accounts up to its first read: the body through apigw.Decode,
// the Idempotency-Key, the shape (fields, agreement, questions), the device, the profile, the
// login and payment password policies and the answers. Any input is accepted or refused with a
// 4xx *account.Error — never a panic, never a 500.
func FuzzSignupRequest(f *testing.F) {
	for _, s := range []struct{ body, key string }{
		{`{"verificationToken":"01J.x","loginPassword":"violet-harbor-seventy-2","paymentPassword":"295071","agreementVersion":"2026-11",` +
			`"securityAnswers":[{"questionId":"first_school","answer":"Riverside"},{"questionId":"first_pet","answer":"Mochi"},{"questionId":"childhood_street","answer":"Elm"}],` +
			`"device":{"id":"device-0001","name":"Phone","platform":"ios"},"profile":{"realName":"Lin Mei","dateOfBirth":"1990-04-15","citizenship":"cn",` +
			`"idType":"national_id","idNumber":"11010119900307451x","email":"Lin.Mei@Example.com","gender":"female"}}`, "key-0001"},
		{`{"verificationToken":"t","loginPassword":"p","paymentPassword":"1","agreementVersion":"2026-11","securityAnswers":[]}`, ""},
		{`{"profile":{"dateOfBirth":"0000-00-00","email":"a@b@c","idType":"passport"}}`, "\x00"},
		{`{"securityAnswers":[{"questionId":"first_pet","answer":"` + strings.Repeat("猫", 70) + `"}]}`, strings.Repeat("k", 129)},
		{`{"device":{"id":"` + strings.Repeat("\u00e9", 40) + `"}}`, ""},
	} {
		f.Add(s.body, s.key)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "PEPPER" {
			return "1:" + base64.StdEncoding.EncodeToString(make([]byte, 32))
		}
		return ""
	})
	if err != nil {
		f.Fatal(err)
	}
	s := &Service{cfg: cfg, policy: strength.CheckLoginPassword}
	f.Fuzz(func(t *testing.T, body, key string) {
		err := s.checkRequest(body, key)
		if err == nil {
			return
		}
		if e, ok := account.As(err); !ok || apigw.Status(e.Code)/100 != 4 {
			t.Fatalf("body %q key %q: %v; want a 4xx *account.Error", body, key, err)
		}
	})
}

// wireRequest is the body of POST /v1/accounts as functions/signup's signupBody spells it. Request
// has no JSON tags and a flow package cannot import a handler, so the fuzz target decodes into
// this copy and converts it as the handler does.
type wireRequest struct {
	VerificationToken string `json:"verificationToken"`
	LoginPassword     string `json:"loginPassword"`
	PaymentPassword   string `json:"paymentPassword"`
	SecurityAnswers   []struct {
		QuestionID string `json:"questionId"`
		Answer     string `json:"answer"`
	} `json:"securityAnswers"`
	AgreementVersion string `json:"agreementVersion"`
	Language         string `json:"language"`
	Device           *struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Platform string `json:"platform"`
		Secret   string `json:"secret"`
	} `json:"device"`
	Profile *struct {
		RealName    string `json:"realName"`
		Gender      string `json:"gender"`
		DateOfBirth string `json:"dateOfBirth"`
		Citizenship string `json:"citizenship"`
		IDType      string `json:"idType"`
		IDNumber    string `json:"idNumber"`
		Address     string `json:"address"`
		Occupation  string `json:"occupation"`
		Email       string `json:"email"`
	} `json:"profile"`
}

func (in wireRequest) request() Request {
	answers := make([]AnswerInput, len(in.SecurityAnswers))
	for i, a := range in.SecurityAnswers {
		answers[i] = AnswerInput(a)
	}
	return Request{VerificationToken: in.VerificationToken, LoginPassword: in.LoginPassword,
		PaymentPassword: in.PaymentPassword, SecurityAnswers: answers, AgreementVersion: in.AgreementVersion,
		Language: in.Language, Device: (*session.DeviceInput)(in.Device), Profile: (*ProfileInput)(in.Profile)}
}

// checkRequest runs what Signup checks before it reads anything, and then what build checks of
// the secrets and the profile.
func (s *Service) checkRequest(body, key string) error {
	var in wireRequest
	if err := apigw.Decode(events.APIGatewayV2HTTPRequest{Body: body, Headers: map[string]string{"content-type": "application/json"}}, &in); err != nil {
		return err
	}
	req := in.request()
	if _, err := idempotency.Derive(s.cfg.Pepper, "POST /v1/accounts", key, []byte(body)); err != nil {
		return err
	}
	if err := s.checkShape(req); err != nil {
		return err
	}
	if err := req.Device.Check(); err != nil {
		return err
	}
	profile, _, err := req.Profile.parse()
	if err != nil {
		return err
	}
	personal := secret.Personal{Phone: "+8613800138000", Name: profile.RealName, Email: profile.Email, Birthday: profile.DateOfBirth}
	if err := s.policy(req.LoginPassword, personal); err != nil {
		return err
	}
	if err := secret.CheckPaymentPassword(req.PaymentPassword, personal, req.LoginPassword); err != nil {
		return err
	}
	for _, a := range req.SecurityAnswers {
		if _, err := secret.CheckAnswer(a.Answer); err != nil {
			return err
		}
	}
	return nil
}
