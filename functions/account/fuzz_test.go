package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/subject"
	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/activity"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/profile"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// FuzzRequests is every AccountFunction route up to its first read: the bearer token, the path
// parameter, the body through apigw.Decode and the checks the handler and the flow make of them.
// Any request is accepted or refused with a 4xx problem — never a panic, never a 500.
func FuzzRequests(f *testing.F) {
	device := `"device":{"id":"device-0001","name":"Phone","platform":"ios"}`
	for _, s := range []struct {
		route                    uint8
		body, auth, param, ctype string
	}{
		{0, `{"phone":"+86 138 0013 8000","password":"violet-harbor-seventy-2",` + device + `}`, "", "", "application/json"},
		{0, `{"phone":"13800138000","region":"CN","password":"x",` + device + `,"verificationToken":"01J.abc"}`, "", "", ""},
		{0, `{"phone":"+8613800138000","password":"` + strings.Repeat("p", 1100) + `","device":{"id":"d"}}`, "", "", ""},
		{1, `{"cardNumber":"4111 1111 1111 1111","paymentPassword":"295071","holderName":"LIN MEI"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{1, `{"cardNumber":"4111111111111111","cvv":"123"}`, "Basic x", "", ""},
		{2, `{"freezeToken":"` + strings.Repeat("A", 43) + `"}`, "", "", ""},
		{2, ``, "Bearer a b", "", ""},
		{3, ``, "Bearer " + strings.Repeat("_", 43), "device-nobody-99", ""},
		{4, ``, "bearer x", "ACCOUNT", ""},
		{5, landingForm, "", strings.Repeat("A", 43), "application/x-www-form-urlencoded"},
		{5, `{"freezeToken":"x"}`, "", "a/b", "application/json"},
		{6, `{"ceremonyId":"AQID","credential":{"id":"x","rawId":"x","type":"public-key","response":{}},` + device + `}`, "", "", ""},
		{6, `{"ceremonyId":"","credential":null,"device":{"id":"d","secret":"short"}}`, "", "", ""},
		{7, `{"password":"violet-harbor-seventy-2"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{7, `{"password":"x","passkey":{"ceremonyId":"a","credential":{}}}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{7, `{}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{8, `{"realName":"Li Wei","dateOfBirth":"1990-03-07","citizenship":"cn","idType":"passport","idNumber":"E12345678"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{8, `{"gender":null,"idNumber":"x","address":"\u0000"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{9, ``, "Bearer " + strings.Repeat("A", 43), "MDFLQUNDT1VOVDAwMDAwMDAwMDAwMDAwMDA", ""},
		{10, ``, "Bearer " + strings.Repeat("A", 43), "01J00000000000000000000000", ""},
		{10, ``, "Bearer " + strings.Repeat("A", 43), "../EVENT#x", ""},
		{0, `{"email":"Li.Wei@Example.com","password":"violet-harbor-seventy-2",` + device + `}`, "", "", ""},
		{0, `{"email":"li@example.com","phone":"+8613800138000","password":"x",` + device + `}`, "", "", ""},
		{11, `{"email":"Li.Wei@Example.com"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{11, `{"email":"` + strings.Repeat("a", 250) + `@example.com"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{11, `{"email":"a@b@c","extra":1}`, "", "", ""},
		{12, `{"challengeId":"01J9Z3X5Y6W7V8T9S0R1Q2P3N4","code":"042917"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
		{12, `{"challengeId":"","code":"x"}`, "Bearer " + strings.Repeat("A", 43), "", ""},
	} {
		f.Add(s.route, s.body, s.ctype, false, s.auth, s.param)
	}
	checks := []func(events.APIGatewayV2HTTPRequest) error{checkSignIn, checkLinkCard, checkFreeze, checkRemoveDevice, checkUnlinkCard,
		checkLanding, checkPasskeySignIn, checkReauthenticate, checkEditProfile, checkActivity, checkReport, checkStartEmail, checkVerifyEmail}
	f.Fuzz(func(t *testing.T, route uint8, body, contentType string, b64 bool, auth, param string) {
		req := faults.FuzzEvent(body, contentType, b64, auth, param)
		faults.RequireClientError(t, checks[int(route)%len(checks)](req), route, body, contentType, b64, auth, param)
	})
}

// checkSession is what an authenticated route checks of its bearer token before reading it.
func checkSession(req events.APIGatewayV2HTTPRequest) error {
	if _, ok := apigw.BearerToken(req); !ok {
		return account.Errorf(account.CodeUnauthenticated, "send Authorization: Bearer <sessionToken>")
	}
	return nil
}

func checkSignIn(req events.APIGatewayV2HTTPRequest) error {
	var in signInBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if _, _, err := subject.Parse(in.Phone, in.Region, in.Email); err != nil {
		return err
	}
	if err := account.Required("password", in.Password); err != nil {
		return err
	}
	if in.Device == nil {
		return account.FieldError(account.CodeMissingField, "device", "device is required")
	}
	if len(in.Password) > 1024 {
		return account.FieldError(account.CodeInvalidField, "password", "password is too long")
	}
	_, _ = otp.TokenChallengeID(in.VerificationToken)
	return in.Device.Input().Check()
}

// checkStartEmail is POST /v1/account/email up to its first read (DELETE has no body: checkSession).
func checkStartEmail(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	var in emailBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	_, err := account.ParseEmail(in.Email, "email")
	return err
}

// checkVerifyEmail is POST /v1/account/email/verify up to its first read.
func checkVerifyEmail(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	var in emailVerifyBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	return account.Required("challengeId", in.ChallengeID, "code", in.Code)
}

func checkLinkCard(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	var in linkBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if err := account.Required("cardNumber", in.CardNumber, "paymentPassword", in.PaymentPassword); err != nil {
		return err
	}
	_, err := secret.CheckCardNumber(in.CardNumber)
	return err
}

func checkFreeze(req events.APIGatewayV2HTTPRequest) error {
	var in freezeBody
	if strings.TrimSpace(req.Body) != "" {
		if err := apigw.Decode(req, &in); err != nil {
			return err
		}
	}
	if apigw.Header(req, "Authorization") != "" {
		return checkSession(req)
	}
	_, _ = otp.TokenChallengeID(in.VerificationToken)
	return nil
}

func checkRemoveDevice(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	if !session.ValidDeviceID(apigw.PathParam(req, "deviceId")) {
		return account.FieldError(account.CodeInvalidField, "deviceId", "deviceId is 8 to 64 printable ASCII characters")
	}
	return nil
}

func checkUnlinkCard(req events.APIGatewayV2HTTPRequest) error {
	return checkSession(req)
}

// checkLanding is the freeze link's page, which reads nothing (its page for any request), and its
// button up to the first read.
func checkLanding(req events.APIGatewayV2HTTPRequest) error {
	if res, err := (handler{}).landing(context.Background(), req); err != nil || res.StatusCode != 200 {
		return fmt.Errorf("the link's page answered %d, %v", res.StatusCode, err)
	}
	if err := apigw.CheckForm(req, landingForm); err != nil {
		return err
	}
	if tok := apigw.PathParam(req, "freezeToken"); !token.WellFormed(tok) {
		return freeze.ErrInvalidToken
	}
	return nil
}

// checkPasskeySignIn is POST /v1/sessions/passkey up to the ceremony's check.
func checkPasskeySignIn(req events.APIGatewayV2HTTPRequest) error {
	var in passkeySignInBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	if err := account.Required("ceremonyId", in.CeremonyID); err != nil {
		return err
	}
	if in.Device == nil {
		return account.FieldError(account.CodeMissingField, "device", "device is required")
	}
	return in.Device.Input().Check()
}

// checkReauthenticate is POST /v1/sessions/current/reauthenticate up to the session's read.
func checkReauthenticate(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	var in reauthBody
	return in.decode(req)
}

// checkEditProfile is PATCH /v1/account/profile up to the session's read.
func checkEditProfile(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	var in profileBody
	if err := apigw.Decode(req, &in); err != nil {
		return err
	}
	return profile.Patch{RealName: in.RealName, Gender: in.Gender, DateOfBirth: in.DateOfBirth, Address: in.Address,
		Occupation: in.Occupation, Citizenship: in.Citizenship, IDType: in.IDType, IDNumber: in.IDNumber}.Check(time.Now())
}

// checkActivity is GET /v1/account/activity up to the session's read; the path parameter stands
// in for the cursor, the body's length for the limit.
func checkActivity(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	req.QueryStringParameters = map[string]string{"cursor": apigw.PathParam(req, "eventId"), "limit": fmt.Sprint(len(req.Body) - 5)}
	size, err := pageSize(req)
	if err != nil {
		return err
	}
	_, _, err = activity.CheckPage(req.QueryStringParameters["cursor"], size)
	return err
}

// checkReport is POST /v1/account/activity/{eventId}/report up to the session's read.
func checkReport(req events.APIGatewayV2HTTPRequest) error {
	if err := checkSession(req); err != nil {
		return err
	}
	return activity.CheckEventID(apigw.PathParam(req, "eventId"))
}
