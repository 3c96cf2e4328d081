package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/idv"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/support"
)

type handler struct {
	support *support.Service
	idv     *idv.Service
}

type response = events.APIGatewayV2HTTPResponse

// newRouter serves the internal API: every route needs the IAM principal API Gateway verified.
func newRouter(h handler, log *slog.Logger) *apigw.Router {
	return apigw.NewRouter(log, map[string]apigw.HandlerFunc{
		"GET /internal/v1/accounts":                       apigw.IAMAuthed(h.find),
		"GET /internal/v1/accounts/{accountId}":           apigw.IAMAuthed(h.account),
		"GET /internal/v1/accounts/{accountId}/audit":     apigw.IAMAuthed(h.audit),
		"POST /internal/v1/accounts/{accountId}/freeze":   apigw.IAMAuthed(h.action(h.support.Freeze)),
		"POST /internal/v1/accounts/{accountId}/unfreeze": apigw.IAMAuthed(h.action(h.support.Unfreeze)),
		"POST /internal/v1/accounts/{accountId}/sign-out": apigw.IAMAuthed(h.action(h.support.SignOut)),
		"POST /internal/v1/accounts/{accountId}/close":    apigw.IAMAuthed(h.action(h.support.Close)),
		"POST /internal/v1/accounts/{accountId}/flags":    apigw.IAMAuthed(h.flags),

		"POST /internal/v1/identity-verifications/{verificationId}/decision": apigw.IAMAuthed(h.decide),
	})
}

type findView struct {
	Accounts []support.Summary `json:"accounts"`
}

// find is GET /internal/v1/accounts?phone=&email= (one of them at least; region for a national
// number). A "+" a client left unescaped arrives as a space, and is read as the "+".
func (h handler) find(ctx context.Context, _ string, req events.APIGatewayV2HTTPRequest) (response, error) {
	q := req.QueryStringParameters
	rawPhone, email := q["phone"], strings.TrimSpace(q["email"])
	if strings.TrimSpace(rawPhone) == "" && email == "" {
		return response{}, account.FieldError(account.CodeMissingField, "phone", "give phone or email")
	}
	e164 := ""
	if strings.TrimSpace(rawPhone) != "" {
		if strings.HasPrefix(rawPhone, " ") && q["region"] == "" {
			rawPhone = "+" + strings.TrimSpace(rawPhone)
		}
		num, err := phone.Parse(rawPhone, q["region"])
		if err != nil {
			return response{}, err
		}
		e164 = num.E164
	}
	if email != "" && !strings.Contains(email, "@") {
		return response{}, account.FieldError(account.CodeInvalidField, "email", "not an email address")
	}
	found, err := h.support.Find(ctx, e164, email)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, findView{Accounts: found}), nil
}

func (h handler) account(ctx context.Context, _ string, req events.APIGatewayV2HTTPRequest) (response, error) {
	v, err := h.support.Account(ctx, apigw.PathParam(req, "accountId"))
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

// audit is GET /internal/v1/accounts/{accountId}/audit?limit=&cursor=.
func (h handler) audit(ctx context.Context, _ string, req events.APIGatewayV2HTTPRequest) (response, error) {
	limit := 0
	if s, ok := req.QueryStringParameters["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return response{}, account.FieldError(account.CodeInvalidField, "limit", "limit is 1 to 100")
		}
		limit = n
	}
	page, err := h.support.AuditTrail(ctx, apigw.PathParam(req, "accountId"), req.QueryStringParameters["cursor"], limit)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, page), nil
}

// caseBody is what every action takes: why, and the case it belongs to.
type caseBody struct {
	Reason string `json:"reason"`
	CaseID string `json:"caseId"`
}

func (b caseBody) domain() support.Case { return support.Case{Reason: b.Reason, CaseID: b.CaseID} }

// actionFunc is one of the service's actions without a body of its own.
type actionFunc func(ctx context.Context, caller support.Caller, id string, c support.Case) (support.Result, error)

// action serves freeze, unfreeze, sign-out and close: {reason, caseId}.
func (h handler) action(act actionFunc) apigw.IAMFunc {
	return func(ctx context.Context, arn string, req events.APIGatewayV2HTTPRequest) (response, error) {
		var in caseBody
		if err := apigw.Decode(req, &in); err != nil {
			return response{}, err
		}
		out, err := act(ctx, support.Caller{ARN: arn}, apigw.PathParam(req, "accountId"), in.domain())
		if err != nil {
			return response{}, err
		}
		return apigw.JSON(http.StatusOK, out), nil
	}
}

type flagsBody struct {
	Reason string   `json:"reason"`
	CaseID string   `json:"caseId"`
	Set    []string `json:"set"`
	Clear  []string `json:"clear"`
}

// flags is POST .../flags: {set: [...], clear: [...], reason, caseId}.
func (h handler) flags(ctx context.Context, arn string, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in flagsBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.support.SetFlags(ctx, support.Caller{ARN: arn}, apigw.PathParam(req, "accountId"),
		support.Case{Reason: in.Reason, CaseID: in.CaseID}, support.FlagChange{Set: in.Set, Clear: in.Clear})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}

type decisionBody struct {
	Decision   string `json:"decision"`
	ReasonCode string `json:"reasonCode"`
	Level      string `json:"level"`
	Reason     string `json:"reason"`
	CaseID     string `json:"caseId"`
}

// decide is POST /internal/v1/identity-verifications/{verificationId}/decision: approve or
// reject a pending case, whatever its provider, audited like every action.
func (h handler) decide(ctx context.Context, arn string, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in decisionBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	out, err := h.idv.Decide(ctx, support.Caller{ARN: arn}, apigw.PathParam(req, "verificationId"), idv.ManualDecision{
		Decision: in.Decision, ReasonCode: in.ReasonCode, Level: account.Level(in.Level), Case: support.Case{Reason: in.Reason, CaseID: in.CaseID}})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, out), nil
}
