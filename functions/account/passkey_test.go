package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// passkeyOrigin is the default RP_ORIGINS the test configuration has.
const passkeyOrigin = "http://localhost:3000"

// handle sends one request and wants status; it returns the decoded answer.
func handle(t *testing.T, h func(context.Context, events.APIGatewayV2HTTPRequest) (response, error), status int, route, body string, extra ...string) map[string]any {
	t.Helper()
	res, err := h(context.Background(), request(route, body, extra...))
	if err != nil || res.StatusCode != status {
		t.Fatalf("%s: %d %s %v, want %d", route, res.StatusCode, res.Body, err, status)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(res.Body), &out)
	return out
}

// finishBody begins a registration for the session and returns the finish route's path
// parameter and body (the authenticator's answer), and the ceremony's challenge.
func finishBody(t *testing.T, h func(context.Context, events.APIGatewayV2HTTPRequest) (response, error), bearer []string, auth *passkeytest.Authenticator) (id, body, challenge string) {
	t.Helper()
	out := handle(t, h, 201, "POST /v1/passkeys/registrations", ``, bearer...)
	b, _ := json.Marshal(map[string]any{"name": "Laptop", "credential": json.RawMessage(auth.Register(t, out["publicKey"]))})
	return out["registrationId"].(string), string(b), passkeytest.Challenge(t, out["publicKey"])
}

func newPasskeyAuthenticator() *passkeytest.Authenticator {
	return passkeytest.New("localhost", passkeyOrigin, virtualwebauthn.AuthenticatorOptions{})
}

// TestPasskeyRoutes: register, list, rename and remove through the router, each within its
// round-trip budget (1 for the session plus its own work), and what the routes refuse.
func TestPasskeyRoutes(t *testing.T) {
	r, env := newTestRouter(t)
	a := env.SignUp(t)
	bearer := []string{"Authorization", "Bearer " + a.SessionToken}
	budget := func(what string, max int) {
		t.Helper()
		if n := env.Calls.Count("DynamoDB"); n > max {
			t.Errorf("%s: %d round trips, budget %d (%s)", what, n, max, env.Calls)
		}
		env.Calls.Reset()
	}
	env.Calls.Reset()
	id, body, _ := finishBody(t, r.Handle, bearer, newPasskeyAuthenticator())
	budget("POST /v1/passkeys/registrations", 2)
	pk := handle(t, r.Handle, 201, "POST /v1/passkeys/registrations/{registrationId}", body, append(bearer, "{registrationId}", id)...)
	budget("POST /v1/passkeys/registrations/{registrationId}", 3)
	if pk["name"] != "Laptop" || len(pk["passkeyId"].(string)) != 24 || pk["lastUsedAt"] != nil || len(pk) != 3 {
		t.Fatalf("passkey view %v", pk)
	}
	list := handle(t, r.Handle, 200, "GET /v1/passkeys", ``, bearer...)
	budget("GET /v1/passkeys", 2)
	if ps := list["passkeys"].([]any); len(ps) != 1 || ps[0].(map[string]any)["passkeyId"] != pk["passkeyId"] {
		t.Fatalf("list %v", list)
	}
	path := append(bearer, "{passkeyId}", pk["passkeyId"].(string))
	handle(t, r.Handle, 204, "PATCH /v1/passkeys/{passkeyId}", `{"name":"Work laptop"}`, path...)
	budget("PATCH /v1/passkeys/{passkeyId}", 2)
	handle(t, r.Handle, 204, "DELETE /v1/passkeys/{passkeyId}", ``, path...)
	budget("DELETE /v1/passkeys/{passkeyId}", 3)

	id, body, _ = finishBody(t, r.Handle, bearer, newPasskeyAuthenticator())
	finish := append(bearer, "{registrationId}", id)
	absent := append(bearer, "{passkeyId}", strings.Repeat("0", 24))
	for _, tc := range []struct {
		name, route, body string
		extra             []string
		status            int
		code              account.Code
	}{
		{"no bearer: begin", "POST /v1/passkeys/registrations", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: finish", "POST /v1/passkeys/registrations/{registrationId}", body, []string{"{registrationId}", id}, 401, account.CodeUnauthenticated},
		{"no bearer: list", "GET /v1/passkeys", ``, nil, 401, account.CodeUnauthenticated},
		{"no bearer: rename", "PATCH /v1/passkeys/{passkeyId}", `{"name":"x"}`, absent[2:], 401, account.CodeUnauthenticated},
		{"no bearer: remove", "DELETE /v1/passkeys/{passkeyId}", ``, absent[2:], 401, account.CodeUnauthenticated},
		{"forged ceremony", "POST /v1/passkeys/registrations/{registrationId}", body, append(bearer, "{registrationId}", "AAAA"), 400, account.CodeInvalidCeremony},
		{"no name", "POST /v1/passkeys/registrations/{registrationId}", `{"credential":{}}`, finish, 400, account.CodeMissingField},
		{"no credential", "POST /v1/passkeys/registrations/{registrationId}", `{"name":"Key"}`, finish, 400, account.CodeMissingField},
		{"credential not one", "POST /v1/passkeys/registrations/{registrationId}", `{"name":"Key","credential":"x"}`, finish, 400, account.CodePasskeyRejected},
		{"unknown field", "POST /v1/passkeys/registrations/{registrationId}", `{"name":"Key","credential":{},"pin":"1234"}`, finish, 400, account.CodeUnknownField},
		{"text body", "POST /v1/passkeys/registrations/{registrationId}", body, append(finish, "Content-Type", "text/plain"), 415, account.CodeUnsupportedMedia},
		{"long name", "PATCH /v1/passkeys/{passkeyId}", `{"name":"` + strings.Repeat("n", 65) + `"}`, absent, 400, account.CodeInvalidField},
		{"bad passkey id", "PATCH /v1/passkeys/{passkeyId}", `{"name":"x"}`, append(bearer, "{passkeyId}", "ACCOUNT"), 400, account.CodeInvalidField},
		{"absent passkey: rename", "PATCH /v1/passkeys/{passkeyId}", `{"name":"x"}`, absent, 404, account.CodeNotFound},
		{"absent passkey: remove", "DELETE /v1/passkeys/{passkeyId}", ``, absent, 404, account.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Handle(context.Background(), request(tc.route, tc.body, tc.extra...))
			if err != nil || res.StatusCode != tc.status || !strings.Contains(res.Body, `"code":"`+string(tc.code)+`"`) ||
				res.Headers["Content-Type"] != "application/problem+json" {
				t.Fatalf("got %d %.300s %v, want %d %s", res.StatusCode, res.Body, err, tc.status, tc.code)
			}
		})
	}
	// The ceremony refused above for its bad requests still registers, once.
	handle(t, r.Handle, 201, "POST /v1/passkeys/registrations/{registrationId}", body, finish...)
	handle(t, r.Handle, 409, "POST /v1/passkeys/registrations/{registrationId}", body, finish...)
}
