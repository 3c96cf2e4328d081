package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

func newTestRouter(t *testing.T) (*apigw.Router, *flowtest.Env) {
	t.Helper()
	env := flowtest.New(t, nil)
	h, err := newHandler(env.Store, env.Hasher, env.Issuer.Inbox(), env.Clock, env.Cfg, env.Log)
	if err != nil {
		t.Fatal(err)
	}
	return newRouter(h, env.Log), env
}

// request is an API Gateway event for route; extra are pairs: "{param}" and its value, "?name"
// and a query parameter's value, or a header and its value.
func request(route, body string, extra ...string) events.APIGatewayV2HTTPRequest {
	method, path, _ := strings.Cut(route, " ")
	req := events.APIGatewayV2HTTPRequest{RouteKey: route, RawPath: path, Body: body,
		Headers:        map[string]string{"content-type": "application/json"},
		PathParameters: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, SourceIP: "198.51.100.9"}}}
	for i := 0; i+1 < len(extra); i += 2 {
		if name, ok := strings.CutPrefix(extra[i], "?"); ok {
			if req.QueryStringParameters == nil {
				req.QueryStringParameters = map[string]string{}
			}
			req.QueryStringParameters[name] = extra[i+1]
			continue
		}
		if name, ok := strings.CutPrefix(extra[i], "{"); ok {
			req.PathParameters[strings.TrimSuffix(name, "}")] = extra[i+1]
			continue
		}
		req.Headers[strings.ToLower(extra[i])] = extra[i+1]
	}
	return req
}

// TestBadInputIsA4xxProblem: every way a client can get a request to AccountFunction wrong is a
// 4xx problem document with a code, never a 500.
func TestBadInputIsA4xxProblem(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	bearer := "Bearer " + a.SessionToken
	const (
		signIn   = "POST /v1/sessions"
		link     = "POST /v1/bank-cards"
		unlink   = "DELETE /v1/bank-cards/{cardId}"
		remove   = "DELETE /v1/devices/{deviceId}"
		freezeIt = "POST /v1/account/freeze"
	)
	device := `"device":{"id":"device-handler-1","name":"Phone","platform":"ios"}`
	signInBody := func(fields string) string {
		return `{"phone":"+8613800138000","password":"violet-harbor-seventy-2",` + fields + `}`
	}
	for _, tc := range []struct {
		name, route, body string
		extra             []string
		status            int
		code              account.Code
	}{
		// Sign-in.
		{"malformed JSON", signIn, `{"phone":`, nil, 400, account.CodeMalformedJSON},
		{"not an object", signIn, `["+8613800138000"]`, nil, 400, account.CodeInvalidType},
		{"empty body", signIn, ``, nil, 400, account.CodeMalformedJSON},
		{"unknown field", signIn, signInBody(device + `,"otp":"123456"`), nil, 400, account.CodeUnknownField},
		{"wrong type", signIn, `{"phone":8613800138000,"password":"x",` + device + `}`, nil, 400, account.CodeInvalidType},
		{"device not an object", signIn, signInBody(`"device":"iphone"`), nil, 400, account.CodeInvalidType},
		{"unknown device field", signIn, signInBody(`"device":{"id":"device-handler-1","name":"P","platform":"ios","imei":"1"}`), nil, 400, account.CodeUnknownField},
		{"missing phone", signIn, `{"password":"x",` + device + `}`, nil, 400, account.CodeMissingField},
		{"missing password", signIn, `{"phone":"+8613800138000",` + device + `}`, nil, 400, account.CodeMissingField},
		{"missing device", signIn, signInBody(`"region":"CN"`), nil, 400, account.CodeMissingField},
		{"short device id", signIn, signInBody(`"device":{"id":"d1","name":"Phone","platform":"ios"}`), nil, 400, account.CodeInvalidField},
		{"unnamed device", signIn, signInBody(`"device":{"id":"device-handler-1","name":"","platform":"ios"}`), nil, 400, account.CodeInvalidField},
		{"unknown platform", signIn, signInBody(`"device":{"id":"device-handler-1","name":"Phone","platform":"symbian"}`), nil, 400, account.CodeInvalidField},
		{"invalid phone", signIn, `{"phone":"12","password":"x",` + device + `}`, nil, 400, account.CodeInvalidPhone},
		{"absurd password", signIn, `{"phone":"+8613800138000","password":"` + strings.Repeat("p", 2000) + `",` + device + `}`, nil, 400, account.CodeInvalidField},
		{"1 MiB body", signIn, `{"phone":"` + strings.Repeat("1", 1<<20) + `"}`, nil, 413, account.CodeBodyTooLarge},
		{"text body", signIn, signInBody(device), []string{"Content-Type", "text/plain"}, 415, account.CodeUnsupportedMedia},
		{"unknown phone", signIn, signInBody(device), nil, 401, account.CodeInvalidCredentials},

		// A session is needed, and a bad one is refused.
		{"no bearer: account", "GET /v1/account", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: devices", "GET /v1/devices", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: sign out", "DELETE /v1/sessions/current", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: remove device", remove, ``, []string{"{deviceId}", a.DeviceID}, 401, account.CodeUnauthenticated},
		{"no bearer: link card", link, `{}`, nil, 401, account.CodeUnauthenticated},
		{"no bearer: cards", "GET /v1/bank-cards", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: unlink card", unlink, ``, []string{"{cardId}", strings.Repeat("a", 24)}, 401, account.CodeUnauthenticated},
		{"basic auth", "GET /v1/account", ``, []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, account.CodeUnauthenticated},
		{"malformed token", "GET /v1/account", ``, []string{"Authorization", "Bearer not-a-token"}, 401, account.CodeUnauthenticated},
		{"unknown token", "GET /v1/devices", ``, []string{"Authorization", "Bearer " + strings.Repeat("A", 43)}, 401, account.CodeUnauthenticated},
		{"token in a URL-ish header", "GET /v1/account", ``, []string{"Authorization", "Bearer a b"}, 401, account.CodeUnauthenticated},

		// Devices.
		{"bad device id", remove, ``, []string{"Authorization", bearer, "{deviceId}", "x"}, 400, account.CodeInvalidField},
		{"absent device", remove, ``, []string{"Authorization", bearer, "{deviceId}", "device-nobody-99"}, 404, account.CodeNotFound},

		// Bank cards.
		{"CVV", link, `{"cardNumber":"4111111111111111","paymentPassword":"295071","cvv":"123"}`, []string{"Authorization", bearer}, 400, account.CodeUnknownField},
		{"not Luhn", link, `{"cardNumber":"4111111111111112","paymentPassword":"295071"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidCardNumber},
		{"letters in card", link, `{"cardNumber":"4111-1111-abcd-1111","paymentPassword":"295071"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidCardNumber},
		{"card as number", link, `{"cardNumber":4111111111111111,"paymentPassword":"295071"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidType},
		{"no payment password", link, `{"cardNumber":"4111111111111111"}`, []string{"Authorization", bearer}, 400, account.CodeMissingField},
		{"payment password not digits", link, `{"cardNumber":"4111111111111111","paymentPassword":"29x071"}`, []string{"Authorization", bearer}, 400, account.CodePaymentPasswordInvalid},
		{"long holder name", link, `{"cardNumber":"4111111111111111","paymentPassword":"295071","holderName":"` + strings.Repeat("n", 65) + `"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidField},
		{"bad card id", unlink, ``, []string{"Authorization", bearer, "{cardId}", "ACCOUNT"}, 400, account.CodeInvalidField},
		{"absent card", unlink, ``, []string{"Authorization", bearer, "{cardId}", strings.Repeat("0", 24)}, 404, account.CodeNotFound},

		// Freeze.
		{"freeze without credentials", freezeIt, ``, nil, 401, account.CodeUnauthenticated},
		{"freeze with an empty object", freezeIt, `{}`, nil, 401, account.CodeUnauthenticated},
		{"freeze with two tokens", freezeIt, `{"verificationToken":"a.b","freezeToken":"c"}`, nil, 400, account.CodeInvalidField},
		{"freeze with a session and a token", freezeIt, `{"freezeToken":"c"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidField},
		{"bad freeze token", freezeIt, `{"freezeToken":"` + strings.Repeat("A", 43) + `"}`, nil, 400, account.CodeInvalidFreezeToken},
		{"bad verification token", freezeIt, `{"verificationToken":"01J.xyz"}`, nil, 400, account.CodeInvalidToken},
		{"freeze unknown field", freezeIt, `{"reason":"lost"}`, nil, 400, account.CodeUnknownField},
		{"freeze with a bad session", freezeIt, ``, []string{"Authorization", "Bearer " + strings.Repeat("B", 43)}, 401, account.CodeUnauthenticated},

		// Profile and activity.
		{"no bearer: profile", "GET /v1/account/profile", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: activity", "GET /v1/account/activity", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: report", "POST /v1/account/activity/{eventId}/report", ``, []string{"{eventId}", "01J00000000000000000000000"}, 401, account.CodeUnauthenticated},
		{"profile unknown field", "PATCH /v1/account/profile", `{"nickname":"x"}`, []string{"Authorization", bearer}, 400, account.CodeUnknownField},
		{"profile bad date", "PATCH /v1/account/profile", `{"dateOfBirth":"07/03/1990"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidField},
		{"profile clears citizenship", "PATCH /v1/account/profile", `{"citizenship":""}`, []string{"Authorization", bearer}, 400, account.CodeInvalidField},
		{"profile ID without type", "PATCH /v1/account/profile", `{"idNumber":"E12345678"}`, []string{"Authorization", bearer}, 400, account.CodeInvalidField},
		{"profile name as number", "PATCH /v1/account/profile", `{"realName":7}`, []string{"Authorization", bearer}, 400, account.CodeInvalidType},
		{"activity limit 0", "GET /v1/account/activity", ``, []string{"Authorization", bearer, "?limit", "0"}, 400, account.CodeInvalidField},
		{"activity limit 51", "GET /v1/account/activity", ``, []string{"Authorization", bearer, "?limit", "51"}, 400, account.CodeInvalidField},
		{"activity limit words", "GET /v1/account/activity", ``, []string{"Authorization", bearer, "?limit", "ten"}, 400, account.CodeInvalidField},
		{"activity bad cursor", "GET /v1/account/activity", ``, []string{"Authorization", bearer, "?cursor", "EVENT#1"}, 400, account.CodeInvalidField},
		{"report a malformed id", "POST /v1/account/activity/{eventId}/report", ``, []string{"Authorization", bearer, "{eventId}", "EVENT#x"}, 400, account.CodeInvalidField},
		{"report an unknown event", "POST /v1/account/activity/{eventId}/report", ``, []string{"Authorization", bearer, "{eventId}", "01J00000000000000000000000"}, 404, account.CodeNotFound},

		{"unknown route", "PUT /v1/devices", `{}`, nil, 404, account.CodeRouteNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Handle(context.Background(), request(tc.route, tc.body, tc.extra...))
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			if res.StatusCode != tc.status || res.Headers["Content-Type"] != "application/problem+json" ||
				json.Unmarshal([]byte(res.Body), &p) != nil || p.Code != string(tc.code) || p.Status != tc.status {
				t.Fatalf("got %d %s %.300s, want %d %s", res.StatusCode, res.Headers["Content-Type"], res.Body, tc.status, tc.code)
			}
		})
	}
	// None of it froze the account or ended its session.
	if res, _ := r.Handle(context.Background(), request("GET /v1/account", ``, "Authorization", bearer)); res.StatusCode != 200 ||
		!strings.Contains(res.Body, `"status":"active"`) || !strings.Contains(res.Body, `"phone":"+86 137****`) {
		t.Fatalf("account after the bad requests: %d %s", res.StatusCode, res.Body)
	}
}

// TestRoundTripsAccountRoutes counts each route's DynamoDB round trips through the real adapter
// (budgets: sign-in <= 3; an authenticated request 1 for the session plus its own work).
func TestRoundTripsAccountRoutes(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	bearer := []string{"Authorization", "Bearer " + a.SessionToken}
	steps := []struct {
		name, route, body string
		extra             []string
		status, budget    int
	}{
		{"sign-in", "POST /v1/sessions", `{"phone":"` + a.Phone.E164 + `","password":"` + a.Password +
			`","device":{"id":"device-bench-0002","name":"Laptop","platform":"web"},"verificationToken":"` +
			env.Token(t, a, account.PurposeLoginStepUp) + `"}`, nil, 201, 3},
		{"GET /v1/account", "GET /v1/account", ``, bearer, 200, 2},
		{"GET /v1/devices", "GET /v1/devices", ``, bearer, 200, 2},
		{"POST /v1/bank-cards", "POST /v1/bank-cards", `{"cardNumber":"4111111111111111","paymentPassword":"` + a.PaymentPassword + `"}`, bearer, 201, 3},
		{"GET /v1/bank-cards", "GET /v1/bank-cards", ``, bearer, 200, 2},
		{"GET /v1/account/profile", "GET /v1/account/profile", ``, bearer, 200, 2},
		{"PATCH /v1/account/profile", "PATCH /v1/account/profile", `{"realName":"Li Wei","citizenship":"CN"}`, bearer, 200, 3},
		{"GET /v1/account/activity", "GET /v1/account/activity", ``, bearer, 200, 3},
		{"POST /v1/account/freeze", "POST /v1/account/freeze", ``, bearer, 200, 3},
	}
	for _, s := range steps {
		env.Calls.Reset()
		res, err := r.Handle(context.Background(), request(s.route, s.body, s.extra...))
		if err != nil || res.StatusCode != s.status {
			t.Fatalf("%s: %d %s %v", s.name, res.StatusCode, res.Body, err)
		}
		n := env.Calls.Count("DynamoDB")
		t.Logf("%s: %d round trips (%s)", s.name, n, env.Calls)
		if n > s.budget {
			t.Errorf("%s: %d round trips, budget %d", s.name, n, s.budget)
		}
	}
}
