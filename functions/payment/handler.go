package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/payment"
)

type handler struct {
	payments *payment.Service
	router   *apigw.Router
	log      *slog.Logger
}

type response = events.APIGatewayV2HTTPResponse

// newRouter serves the holder's routes (a session) and the payments system's (the internal API:
// the IAM principal API Gateway verified).
func newRouter(h handler, sessions apigw.Authenticator, log *slog.Logger) *apigw.Router {
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"GET /v1/payment-settings": apigw.Authed(sessions, h.settings),
		"PUT /v1/payment-settings": apigw.Authed(sessions, h.putSettings),
		// Confirm reads the session in one batch with the authorization, its account and the proof.
		"POST /v1/payment-authorizations/{authorizationId}/confirm":          apigw.SessionInRead(h.confirm),
		"POST /internal/v1/payment-authorizations":                           apigw.IAMAuthed(h.authorize),
		"POST /internal/v1/payment-authorizations/{authorizationId}/capture": apigw.IAMAuthed(h.settle(h.payments.Capture)),
		"POST /internal/v1/payment-authorizations/{authorizationId}/void":    apigw.IAMAuthed(h.settle(h.payments.Void)),
	})
}

// handle serves an HTTP API event, or, from the schedule, expires what waited too long.
func (h handler) handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Source string `json:"source"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.Source == "aws.events" {
		n, err := h.payments.ExpireDue(ctx)
		return map[string]int{"expired": n}, err
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("decode HTTP API event: %w", err)
	}
	return h.router.Handle(ctx, req)
}

// authorizeBody is POST /internal/v1/payment-authorizations.
type authorizeBody struct {
	AccountID      string    `json:"accountId"`
	Amount         string    `json:"amount"`
	Currency       string    `json:"currency"`
	Payee          payeeBody `json:"payee"`
	IdempotencyKey string    `json:"idempotencyKey"`
	DeviceID       string    `json:"deviceId"`
}

type payeeBody struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (h handler) authorize(ctx context.Context, arn string, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in authorizeBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	ans, err := h.payments.Authorize(ctx, payment.Request{Caller: arn, AccountID: in.AccountID, Amount: in.Amount, Currency: in.Currency,
		Payee: payment.Payee{ID: in.Payee.ID, Name: in.Payee.Name}, IdempotencyKey: in.IdempotencyKey, DeviceID: in.DeviceID})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, view(ans)), nil
}

// settle serves capture and void.
func (h handler) settle(act func(context.Context, string) (payment.Answer, error)) apigw.IAMFunc {
	return func(ctx context.Context, _ string, req events.APIGatewayV2HTTPRequest) (response, error) {
		ans, err := act(ctx, apigw.PathParam(req, "authorizationId"))
		if err != nil {
			return response{}, err
		}
		return apigw.JSON(http.StatusOK, view(ans)), nil
	}
}

// confirmBody is POST /v1/payment-authorizations/{authorizationId}/confirm.
type confirmBody struct {
	Payment           shownBody       `json:"payment"`
	PaymentPassword   string          `json:"paymentPassword"`
	VerificationToken string          `json:"verificationToken"`
	Passkey           json.RawMessage `json:"passkey"`
}

// shownBody is the payment as the holder was shown it.
type shownBody struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	PayeeID  string `json:"payeeId"`
}

func (h handler) confirm(ctx context.Context, token string, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in confirmBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	var pk []byte
	if len(in.Passkey) > 0 && string(in.Passkey) != "null" {
		pk = in.Passkey
	}
	ans, err := h.payments.Confirm(ctx, payment.ConfirmRequest{SessionToken: token, AuthorizationID: apigw.PathParam(req, "authorizationId"),
		Shown:           payment.Shown{Amount: in.Payment.Amount, Currency: in.Payment.Currency, PayeeID: in.Payment.PayeeID},
		PaymentPassword: in.PaymentPassword, VerificationToken: in.VerificationToken, Passkey: pk})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, view(ans)), nil
}

func (h handler) settings(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	v, err := h.payments.Settings(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

// settingsBody is PUT /v1/payment-settings.
type settingsBody struct {
	PasswordFree    bool   `json:"passwordFree"`
	Currency        string `json:"currency"`
	PerPayment      string `json:"perPayment"`
	Daily           string `json:"daily"`
	PaymentPassword string `json:"paymentPassword"`
}

func (h handler) putSettings(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in settingsBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	v, err := h.payments.PutSettings(ctx, p, payment.SettingsChange{PasswordFree: in.PasswordFree, Currency: in.Currency,
		PerPayment: in.PerPayment, Daily: in.Daily, PaymentPassword: in.PaymentPassword})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

// answerView is an authorization as both APIs show it.
type answerView struct {
	Decision        payment.Decision `json:"decision"`
	AuthorizationID string           `json:"authorizationId,omitempty"`
	Status          payment.Status   `json:"status,omitempty"`
	Amount          string           `json:"amount"`
	Currency        string           `json:"currency"`
	Payee           *payeeBody       `json:"payee,omitempty"`
	Methods         []payment.Method `json:"methods,omitempty"`
	ConfirmBy       *time.Time       `json:"confirmBy,omitempty"`
	// Passkey is the WebAuthn request options for navigator.credentials.get: the challenge
	// binds this payment.
	Passkey json.RawMessage `json:"passkeyOptions,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Limit   *limitView      `json:"limit,omitempty"`
	Level   account.Level   `json:"requiredLevel,omitempty"`
}

// limitView names the limit a denied payment would pass and what remains of it.
type limitView struct {
	Window    limits.Window `json:"window"`
	Limit     string        `json:"limit"`
	Remaining string        `json:"remaining"`
	Currency  string        `json:"currency"`
}

func view(a payment.Answer) answerView {
	v := answerView{Decision: a.Decision, AuthorizationID: a.AuthorizationID, Status: a.Status, Amount: a.Amount.String(),
		Currency: a.Amount.Currency, Methods: a.Methods, Passkey: a.PasskeyOptions, Reason: a.Reason, Level: a.Level}
	if a.Payee.ID != "" {
		v.Payee = &payeeBody{ID: a.Payee.ID, Name: a.Payee.Name}
	}
	if !a.ConfirmBy.IsZero() {
		t := a.ConfirmBy.UTC()
		v.ConfirmBy = &t
	}
	if e := a.Exceeded; e != nil {
		cur := a.Amount.Currency
		v.Limit = &limitView{Window: e.Window, Limit: money.Format(e.Limit, cur), Remaining: money.Format(e.Remaining, cur), Currency: cur}
	}
	return v
}
