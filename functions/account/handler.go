package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/functions/internal/body"
	"github.com/wallet-accounts/wallet/functions/internal/subject"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/activity"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/deletion"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/payment"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/profile"
	"github.com/wallet-accounts/wallet/shared/session"
)

type handler struct {
	sessions  *session.Service
	pay       *paypass.Checker
	cards     *card.Service
	freeze    *freeze.Service
	lang      string // DEFAULT_LANGUAGE: the freeze link's page for a browser that names no language
	passkeys  *ceremony.Service
	profiles  *profile.Service
	activity  *activity.Service
	deletions *deletion.Service
	emails    *email.Service
	limits    *payment.Overview
}

type response = events.APIGatewayV2HTTPResponse

func newRouter(h handler, log *slog.Logger) *apigw.Router {
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"POST /v1/sessions":                          h.signIn,
		"POST /v1/sessions/passkey/options":          h.passkeyOptions,
		"POST /v1/sessions/passkey":                  h.passkeySignIn,
		"DELETE /v1/sessions/current":                apigw.Authed(h.sessions, h.signOut),
		"POST /v1/sessions/current/reauthenticate":   apigw.Authed(h.sessions, h.reauthenticate),
		"GET /v1/account":                            apigw.Authed(h.sessions, h.account),
		"GET /v1/devices":                            apigw.Authed(h.sessions, h.devices),
		"DELETE /v1/devices/{deviceId}":              apigw.Authed(h.sessions, h.removeDevice),
		"POST /v1/bank-cards":                        apigw.Authed(h.sessions, h.linkCard),
		"GET /v1/bank-cards":                         apigw.Authed(h.sessions, h.cardList),
		"DELETE /v1/bank-cards/{cardId}":             apigw.Authed(h.sessions, h.unlinkCard),
		"GET /v1/account/profile":                    apigw.Authed(h.sessions, h.profile),
		"PATCH /v1/account/profile":                  apigw.Authed(h.sessions, h.editProfile),
		"GET /v1/account/activity":                   apigw.Authed(h.sessions, h.activityList),
		"POST /v1/account/activity/{eventId}/report": apigw.Authed(h.sessions, h.reportActivity),
		"POST /v1/account/deletion":                  apigw.Authed(h.sessions, h.requestDeletion),
		"DELETE /v1/account/deletion":                apigw.Authed(h.sessions, h.cancelDeletion),
		// A session, or without one a token in the body.
		"POST /v1/account/freeze": apigw.OptionalSession(h.sessions, h.freezeAccount),
		// Passkeys (passkey.go).
		"POST /v1/passkeys/registrations":                  apigw.Authed(h.sessions, h.beginPasskey),
		"POST /v1/passkeys/registrations/{registrationId}": apigw.Authed(h.sessions, h.finishPasskey),
		"GET /v1/passkeys":                                 apigw.Authed(h.sessions, h.passkeyList),
		"PATCH /v1/passkeys/{passkeyId}":                   apigw.Authed(h.sessions, h.renamePasskey),
		"DELETE /v1/passkeys/{passkeyId}":                  apigw.Authed(h.sessions, h.removePasskey),
		// The account's email (email.go).
		"POST /v1/account/email":        apigw.Authed(h.sessions, h.startEmail),
		"POST /v1/account/email/verify": apigw.Authed(h.sessions, h.verifyEmail),
		"DELETE /v1/account/email":      apigw.Authed(h.sessions, h.removeEmail),
		// The freeze link of an alert SMS: pages for a browser, errors too (landing.go).
		landingGet:  h.landing,
		landingPost: h.landingFreeze,
	}).WithErrorPages(h.landingError, landingGet, landingPost)
}

type signInBody struct {
	Phone             string        `json:"phone"`
	Email             string        `json:"email"` // instead of the phone: a verified email address
	Region            string        `json:"region"`
	Password          string        `json:"password"`
	Device            *body.Device  `json:"device"`
	VerificationToken string        `json:"verificationToken"`
	Passkey           *body.Passkey `json:"passkey"` // instead of a code, as the step-up
}

func (h handler) signIn(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in signInBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	num, addr, err := subject.Parse(in.Phone, in.Region, in.Email)
	if err != nil {
		return response{}, err
	}
	if err := account.Required("password", in.Password); err != nil {
		return response{}, err
	}
	if in.Device == nil {
		return response{}, account.FieldError(account.CodeMissingField, "device", "device is required")
	}
	out, err := h.sessions.SignIn(ctx, session.SignInRequest{Phone: num, Email: addr, Password: in.Password, Device: *in.Device.Input(),
		VerificationToken: in.VerificationToken, Passkey: in.Passkey.Answer(), SourceIP: apigw.SourceIP(req)})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, out), nil
}

func (h handler) reauthenticate(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in reauthBody
	if err := in.decode(req); err != nil {
		return response{}, err
	}
	if err := h.sessions.Reauthenticate(ctx, p, in.Password, in.Passkey.Answer()); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

// reauthBody is the login password or a passkey's answer: one of them.
type reauthBody struct {
	Password string        `json:"password"`
	Passkey  *body.Passkey `json:"passkey"`
}

func (in *reauthBody) decode(req events.APIGatewayV2HTTPRequest) error {
	if err := apigw.Decode(req, in); err != nil {
		return err
	}
	if (in.Password == "") == (in.Passkey == nil) {
		return account.FieldError(account.CodeMissingField, "password", "send the password or a passkey, one of them")
	}
	return nil
}

func (h handler) signOut(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.sessions.SignOut(ctx, p); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

// accountView is the account overview: no hash, no full phone number.
type accountView struct {
	AccountID         string          `json:"accountId"`
	Phone             string          `json:"phone"` // masked
	Status            account.Status  `json:"status"`
	Level             account.Level   `json:"level"`             // phone, real_name or verified: what identity verification reached
	VerificationLevel account.Level   `json:"verificationLevel"` // the same as level, kept for existing clients
	Language          string          `json:"language"`
	CreatedAt         time.Time       `json:"createdAt"`
	Limits            limitsView      `json:"limits"`
	Profile           account.Profile `json:"profile"` // the ID number only as its last 4
}

type limitsView struct {
	PaymentPassword paypass.Limits `json:"paymentPassword"`
	// Payments are the level's limits in each currency it accepts, with what remains of each.
	Payments []limits.Line `json:"payments"`
}

func (h handler) account(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	a, lines, err := h.limits.Account(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, accountView{AccountID: a.ID, Phone: masked(a.Phone), Status: a.Status,
		Level: a.Level.Or(), VerificationLevel: a.Level.Or(), Language: a.Lang, CreatedAt: a.CreatedAt,
		Limits: limitsView{PaymentPassword: h.pay.Limits(a), Payments: lines}, Profile: a.Profile}), nil
}

// masked returns the stored E.164 number masked for display.
func masked(e164 string) string {
	if num, err := phone.Parse(e164, ""); err == nil {
		return num.Mask()
	}
	return "****" + e164[max(len(e164)-4, 0):] // a number libphonenumber no longer accepts
}

type devicesView struct {
	Devices []session.DeviceView `json:"devices"`
}

func (h handler) devices(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	devs, err := h.sessions.Devices(ctx, p)
	if err != nil {
		return response{}, err
	}
	if devs == nil {
		devs = []session.DeviceView{}
	}
	return apigw.JSON(http.StatusOK, devicesView{Devices: devs}), nil
}

func (h handler) removeDevice(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.sessions.RemoveDevice(ctx, p, apigw.PathParam(req, "deviceId")); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

type linkBody struct {
	CardNumber      string `json:"cardNumber"`
	PaymentPassword string `json:"paymentPassword"`
	HolderName      string `json:"holderName"`
}

// cardView is a linked card: its id and last 4 digits, never the number.
type cardView struct {
	CardID     string    `json:"cardId"`
	Last4      string    `json:"last4"`
	HolderName string    `json:"holderName,omitempty"`
	LinkedAt   time.Time `json:"linkedAt"`
}

func viewCard(c card.Card) cardView {
	return cardView{CardID: c.ID, Last4: c.Last4, HolderName: c.HolderName, LinkedAt: c.LinkedAt}
}

func (h handler) linkCard(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in linkBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	c, err := h.cards.Link(ctx, p, card.LinkRequest{CardNumber: in.CardNumber, PaymentPassword: in.PaymentPassword, HolderName: in.HolderName})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusCreated, viewCard(c)), nil
}

type cardsView struct {
	Cards []cardView `json:"cards"`
}

func (h handler) cardList(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	cs, err := h.cards.List(ctx, p)
	if err != nil {
		return response{}, err
	}
	out := cardsView{Cards: make([]cardView, len(cs))}
	for i, c := range cs {
		out.Cards[i] = viewCard(c)
	}
	return apigw.JSON(http.StatusOK, out), nil
}

func (h handler) unlinkCard(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	if err := h.cards.Unlink(ctx, p, apigw.PathParam(req, "cardId")); err != nil {
		return response{}, err
	}
	return apigw.NoContent(), nil
}

type freezeBody struct {
	VerificationToken string `json:"verificationToken"`
	FreezeToken       string `json:"freezeToken"`
}

// freezeAccount takes a session (Authorization header, empty body or {}), or, without one, a
// body with a verificationToken or a freezeToken.
func (h handler) freezeAccount(ctx context.Context, session apigw.SessionFunc, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in freezeBody
	if strings.TrimSpace(req.Body) != "" {
		if err := apigw.Decode(req, &in); err != nil {
			return response{}, err
		}
	}
	p, err := session(ctx)
	if err != nil {
		return response{}, err
	}
	out, err := h.freeze.Freeze(ctx, freeze.Request{Principal: p, VerificationToken: in.VerificationToken, FreezeToken: in.FreezeToken})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
