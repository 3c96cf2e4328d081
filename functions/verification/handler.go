package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/idv"
)

type handler struct {
	sessions apigw.Authenticator
	idv      *idv.Service
}

type response = events.APIGatewayV2HTTPResponse

// newRouter serves identity verification: the holder's routes need a session; the callback is
// public and authenticated by its HMAC signature alone.
func newRouter(h handler, log *slog.Logger) *apigw.Router {
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"POST /v1/identity-verifications":          apigw.Authed(h.sessions, h.open),
		"GET /v1/identity-verifications/current":   apigw.Authed(h.sessions, h.current),
		"POST /v1/identity-verifications/callback": h.callback,
	})
}

type openBody struct {
	DocumentType   string `json:"documentType"`
	DocumentNumber string `json:"documentNumber"`
	Name           string `json:"name"`
	Nationality    string `json:"nationality"`
}

// open is POST /v1/identity-verifications: 201 with the case.
func (h handler) open(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in openBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	v, err := h.idv.Open(ctx, p, idv.Request(in), callbackURL(req))
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, v), nil
}

// callbackURL is where the vendor sends its decision: this request's scheme, host and path (a
// stage prefix included) with /callback.
func callbackURL(req events.APIGatewayV2HTTPRequest) string {
	scheme := apigw.Header(req, "X-Forwarded-Proto")
	if scheme == "" {
		scheme = "http" // the local stack; API Gateway always says https
	}
	return scheme + "://" + req.RequestContext.DomainName + strings.TrimSuffix(req.RawPath, "/") + "/callback"
}

// current is GET /v1/identity-verifications/current: the newest case.
func (h handler) current(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	v, err := h.idv.Current(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

type callbackBody struct {
	VerificationID string `json:"verificationId"`
	Decision       string `json:"decision"`
	ReasonCode     string `json:"reasonCode"`
	FaceMatch      bool   `json:"faceMatch"`
}

// callback is POST /v1/identity-verifications/callback: the signature is checked over the exact
// bytes (and recorded against replay) before the body is decoded or any case is read.
func (h handler) callback(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	raw, err := apigw.RawJSON(req)
	if err != nil {
		return response{}, err
	}
	v, err := h.idv.Verify(ctx, apigw.Header(req, idv.HeaderTimestamp), apigw.Header(req, idv.HeaderSignature), raw)
	if err != nil {
		return response{}, err
	}
	var in callbackBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.idv.Callback(ctx, v, idv.VendorDecision{CaseID: in.VerificationID, Decision: in.Decision,
		ReasonCode: in.ReasonCode, FaceMatch: in.FaceMatch})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
