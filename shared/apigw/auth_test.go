package apigw

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

// countingAuth takes the token "live" as account a1's session and counts its reads.
type countingAuth struct{ reads int }

func (c *countingAuth) Authenticate(_ context.Context, token string) (account.Principal, error) {
	c.reads++
	if token != "live" {
		return account.Principal{}, account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	return account.Principal{AccountID: "a1"}, nil
}

func withAuth(header string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{}}
	if header != "" {
		req.Headers["authorization"] = header
	}
	return req
}

func wantUnauthenticated(t *testing.T, err error) {
	t.Helper()
	if !account.Is(err, account.CodeUnauthenticated) {
		t.Fatalf("got %v, want unauthenticated", err)
	}
}

func TestAuthed(t *testing.T) {
	var got account.Principal
	f := func(_ context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got = p
		return NoContent(), nil
	}
	for _, header := range []string{"", "Basic dXNlcjpwYXNz", "Bearer a b"} {
		auth := &countingAuth{}
		_, err := Authed(auth, f)(context.Background(), withAuth(header))
		wantUnauthenticated(t, err)
		if auth.reads != 0 {
			t.Fatalf("%q: %d reads; a request without a bearer token is refused without one", header, auth.reads)
		}
	}
	auth := &countingAuth{}
	_, err := Authed(auth, f)(context.Background(), withAuth("Bearer dead"))
	wantUnauthenticated(t, err)
	if _, err := Authed(auth, f)(context.Background(), withAuth("Bearer live")); err != nil || got.AccountID != "a1" || auth.reads != 2 {
		t.Fatalf("principal %+v, err %v, reads %d", got, err, auth.reads)
	}
}

func TestOptionalSession(t *testing.T) {
	var got *account.Principal
	f := func(ctx context.Context, session SessionFunc, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		p, err := session(ctx)
		got = p
		return NoContent(), err
	}
	auth := &countingAuth{}
	if _, err := OptionalSession(auth, f)(context.Background(), withAuth("")); err != nil || got != nil || auth.reads != 0 {
		t.Fatalf("no header: principal %v, err %v, reads %d", got, err, auth.reads)
	}
	_, err := OptionalSession(auth, f)(context.Background(), withAuth("Basic dXNlcjpwYXNz"))
	wantUnauthenticated(t, err)
	if _, err := OptionalSession(auth, f)(context.Background(), withAuth("Bearer live")); err != nil || got == nil || got.AccountID != "a1" || auth.reads != 1 {
		t.Fatalf("live session: principal %v, err %v, reads %d", got, err, auth.reads)
	}
	lazy := func(context.Context, SessionFunc, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return NoContent(), nil
	}
	if _, err := OptionalSession(auth, lazy)(context.Background(), withAuth("Bearer live")); err != nil || auth.reads != 1 {
		t.Fatalf("a session never asked for was read: err %v, reads %d", err, auth.reads)
	}
}

func TestSessionInRead(t *testing.T) {
	var got string
	f := func(_ context.Context, token string, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got = token
		return NoContent(), nil
	}
	for _, header := range []string{"", "Basic dXNlcjpwYXNz", "Bearer a b"} {
		got = "unset"
		_, err := SessionInRead(f)(context.Background(), withAuth(header))
		wantUnauthenticated(t, err)
		if got != "unset" {
			t.Fatalf("%q: served without a bearer token", header)
		}
		if _, err := OptionalSessionInRead(f)(context.Background(), withAuth(header)); err != nil || got != "" {
			t.Fatalf("%q optional: token %q, err %v", header, got, err)
		}
	}
	token := strings.Repeat("t", 43)
	for _, h := range []HandlerFunc{SessionInRead(f), OptionalSessionInRead(f)} {
		got = ""
		if _, err := h(context.Background(), withAuth("Bearer "+token)); err != nil || got != token {
			t.Fatalf("token %q, err %v", got, err)
		}
	}
}
