package apigw

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

// How a route is authenticated is said where it is registered, by the wrapper around its
// handler: Authed for a route that needs a session; OptionalSession for one a session may
// authenticate but need not; SessionInRead and OptionalSessionInRead for a route whose flow checks
// the session inside a read it makes anyway, which saves the round trip Authed would spend
// (make bench counts them against the budgets). A route without a wrapper is public.

// Authenticator checks a bearer session token (session.Service.Authenticate: one read).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (account.Principal, error)
}

// AuthedFunc serves a route for the signed-in principal p.
type AuthedFunc func(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// TokenFunc serves a route whose flow checks the session itself: token is the request's bearer
// token, "" when it sent none.
type TokenFunc func(ctx context.Context, token string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// SessionFunc returns the request's principal: nil when the request sent no Authorization
// header, else the session's, read when called.
type SessionFunc func(ctx context.Context) (*account.Principal, error)

// OptionalFunc serves a route a session may authenticate but need not.
type OptionalFunc func(ctx context.Context, session SessionFunc, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Authed serves f only for a live session: the bearer token is checked (one read) before f runs,
// and a request without one, or with one that is not live, is refused 401 unauthenticated.
func Authed(auth Authenticator, f AuthedFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		p, err := authenticate(ctx, auth, req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return f(account.WithDevice(ctx, p.DeviceID), p, req)
	}
}

// OptionalSession serves f with a session to call on: a request with an Authorization header is
// authenticated as Authed does it, one without gets a nil principal. The session is read only
// when f calls, so f can refuse a malformed body first, without a read.
func OptionalSession(auth Authenticator, f OptionalFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return f(ctx, func(ctx context.Context) (*account.Principal, error) {
			if Header(req, "Authorization") == "" {
				return nil, nil
			}
			p, err := authenticate(ctx, auth, req)
			if err != nil {
				return nil, err
			}
			return &p, nil
		}, req)
	}
}

// SessionInRead serves a route that needs a session whose flow reads it together with what the
// route reads anyway. A request without a bearer token is refused as Authed refuses it, before
// any read; f hands the token to its flow, which refuses a session that is not live.
func SessionInRead(f TokenFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		token, ok := BearerToken(req)
		if !ok {
			return events.APIGatewayV2HTTPResponse{}, noBearer()
		}
		return f(ctx, token, req)
	}
}

// OptionalSessionInRead serves a route a session may accompany but need not, whose flow reads it
// together with what the route reads anyway and decides what a request without one may do. f
// gets "" when the request has no bearer token.
func OptionalSessionInRead(f TokenFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		token, _ := BearerToken(req)
		return f(ctx, token, req)
	}
}

// authenticate checks req's bearer session; a request without a bearer token is refused without
// a read.
func authenticate(ctx context.Context, auth Authenticator, req events.APIGatewayV2HTTPRequest) (account.Principal, error) {
	token, ok := BearerToken(req)
	if !ok {
		return account.Principal{}, noBearer()
	}
	return auth.Authenticate(ctx, token)
}

func noBearer() error {
	return account.Errorf(account.CodeUnauthenticated, "send Authorization: Bearer <sessionToken>")
}
