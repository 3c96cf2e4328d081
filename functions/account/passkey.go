package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/session"
)

// registrationView opens a registration: publicKey is what the client passes to
// navigator.credentials.create({publicKey}), with its binary members base64url-encoded.
type registrationView struct {
	RegistrationID string `json:"registrationId"`
	PublicKey      any    `json:"publicKey"`
}

func (h handler) beginPasskey(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	opts, err := h.passkeys.BeginRegistration(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, registrationView{RegistrationID: opts.RegistrationID, PublicKey: opts.PublicKey}), nil
}

// finishPasskeyBody answers a registration: credential is the PublicKeyCredential's JSON
// (PublicKeyCredential.toJSON()), passed to the WebAuthn library as it came.
type finishPasskeyBody struct {
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// passkeyView is a passkey as its holder sees it: no credential id, no key.
type passkeyView struct {
	PasskeyID  string     `json:"passkeyId"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"` // absent until first used
}

func viewPasskey(pk passkey.Passkey) passkeyView {
	v := passkeyView{PasskeyID: pk.ID, Name: pk.Name, CreatedAt: pk.CreatedAt}
	if !pk.LastUsedAt.IsZero() {
		v.LastUsedAt = &pk.LastUsedAt
	}
	return v
}

func (h handler) finishPasskey(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in finishPasskeyBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	pk, err := h.passkeys.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: apigw.PathParam(req, "registrationId"),
		Name: in.Name, Credential: in.Credential})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, viewPasskey(pk)), nil
}

type passkeysView struct {
	Passkeys []passkeyView `json:"passkeys"`
}

func (h handler) passkeyList(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	pks, err := h.passkeys.List(ctx, p)
	if err != nil {
		return response{}, err
	}
	out := passkeysView{Passkeys: make([]passkeyView, len(pks))}
	for i, pk := range pks {
		out.Passkeys[i] = viewPasskey(pk)
	}
	return apigw.JSON(http.StatusOK, out), nil
}

type renamePasskeyBody struct {
	Name string `json:"name"`
}

func (h handler) renamePasskey(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in renamePasskeyBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	if err := h.passkeys.Rename(ctx, p, apigw.PathParam(req, "passkeyId"), in.Name); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

func (h handler) removePasskey(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.passkeys.Remove(ctx, p, apigw.PathParam(req, "passkeyId")); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

// assertionView opens an assertion: publicKey is what the client passes to
// navigator.credentials.get({publicKey}), and ceremonyId goes back with the answer.
type assertionView struct {
	CeremonyID string `json:"ceremonyId"`
	PublicKey  any    `json:"publicKey"`
}

// passkeyOptions opens a discoverable ceremony, for a passkey sign-in, a step-up, a
// reauthentication or a reset's second factor alike. It reads and writes nothing, takes no
// body, and so tells nothing about any number or account.
func (h handler) passkeyOptions(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (response, error) {
	opts, err := h.passkeys.BeginAssertion(ctx, passkey.PurposeSignIn, "")
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, assertionView{CeremonyID: opts.CeremonyID, PublicKey: opts.PublicKey}), nil
}

type passkeySignInBody struct {
	CeremonyID string          `json:"ceremonyId"`
	Credential json.RawMessage `json:"credential"`
	Device     *body.Device    `json:"device"`
}

func (h handler) passkeySignIn(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in passkeySignInBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	if err := account.Required("ceremonyId", in.CeremonyID); err != nil {
		return response{}, err
	}
	if in.Device == nil {
		return response{}, account.FieldError(account.CodeMissingField, "device", "device is required")
	}
	out, err := h.sessions.SignInWithPasskey(ctx, session.PasskeySignInRequest{
		Passkey: passkey.Answer{CeremonyID: in.CeremonyID, Credential: in.Credential}, Device: *in.Device.Input()})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}
