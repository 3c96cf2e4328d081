package apigw

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

// ProblemTypeBase is the stable prefix of every problem document's type; the code follows it.
const ProblemTypeBase = "https://wallet-accounts.dev/problems/"

// Media types of the responses.
const (
	contentJSON    = "application/json"
	contentProblem = "application/problem+json"
	contentHTML    = "text/html; charset=utf-8"
)

// internalDetail is the only detail a client ever sees for an internal error.
const internalDetail = "The server could not complete the request."

// problem is an RFC 9457 problem document with this API's extension members.
type problem struct {
	Type              string   `json:"type"`
	Title             string   `json:"title"`
	Status            int      `json:"status"`
	Detail            string   `json:"detail"`
	Code              string   `json:"code"`
	AttemptsRemaining *int     `json:"attemptsRemaining,omitempty"`
	RetryAfterSeconds int64    `json:"retryAfterSeconds,omitempty"`
	Field             string   `json:"field,omitempty"`
	Purpose           string   `json:"purpose,omitempty"`
	AcceptableFactors []string `json:"acceptableFactors,omitempty"`
	QuestionID        string   `json:"questionId,omitempty"`
	Flags             []string `json:"flags,omitempty"`
}

// JSON answers status with body encoded as JSON. A body that cannot be encoded is a programming
// error: it is logged on slog's default logger and answered as a 500 internal problem.
func JSON(status int, body any) events.APIGatewayV2HTTPResponse {
	data, err := json.Marshal(body)
	if err != nil {
		slog.Default().Error("apigw: encode response body", "error", err.Error(), "status", status)
		return internalProblem()
	}
	return respond(status, contentJSON, string(data))
}

// NoContent answers 204 with no body.
func NoContent() events.APIGatewayV2HTTPResponse {
	return respond(http.StatusNoContent, "", "")
}

// Problem answers err as an RFC 9457 problem document with the status its code maps to. A nil
// err is answered as an internal error.
func Problem(err *account.Error) events.APIGatewayV2HTTPResponse {
	if err == nil {
		return internalProblem()
	}
	doc := newProblem(err)
	data, merr := json.Marshal(doc)
	if merr != nil { // only strings and ints: cannot happen
		return internalProblem()
	}
	return withRetryAfter(respond(doc.Status, contentProblem, string(data)), err)
}

// withRetryAfter adds the Retry-After header err asks for to resp, when its status carries one.
func withRetryAfter(resp events.APIGatewayV2HTTPResponse, err *account.Error) events.APIGatewayV2HTTPResponse {
	if s := ceilSeconds(err.RetryAfter); s > 0 && carriesRetryAfter(resp.StatusCode) {
		resp.Headers["Retry-After"] = strconv.FormatInt(s, 10)
	}
	return resp
}

// HTML answers status with an HTML page, for the one route a browser opens (the freeze link of
// an alert SMS). The page's URL holds a secret and the page may post a form, so it is never
// stored (no-store), never named to another site (no-referrer), never sniffed as anything but
// HTML, and runs under csp, the page's own Content-Security-Policy.
func HTML(status int, page, csp string) events.APIGatewayV2HTTPResponse {
	resp := respond(status, contentHTML, page)
	resp.Headers["Content-Security-Policy"] = csp
	resp.Headers["Referrer-Policy"] = "no-referrer"
	resp.Headers["X-Content-Type-Options"] = "nosniff"
	return resp
}

func newProblem(err *account.Error) problem {
	detail := err.Message
	if detail == "" {
		detail = title(err.Code)
	}
	return problem{
		Type:              ProblemTypeBase + string(err.Code),
		Title:             title(err.Code),
		Status:            Status(err.Code),
		Detail:            detail,
		Code:              string(err.Code),
		AttemptsRemaining: err.AttemptsRemaining,
		RetryAfterSeconds: ceilSeconds(err.RetryAfter),
		Field:             err.Field,
		Purpose:           err.Purpose,
		AcceptableFactors: err.Factors,
		QuestionID:        err.QuestionID,
		Flags:             err.Flags,
	}
}

// internalProblem is the bare 500 every internal failure gets.
func internalProblem() events.APIGatewayV2HTTPResponse {
	return Problem(&account.Error{Code: account.CodeInternal, Message: internalDetail})
}

// ceilSeconds rounds d up to whole seconds; zero or negative is 0.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	s := d / time.Second
	if d%time.Second != 0 {
		s++
	}
	return int64(s)
}

// carriesRetryAfter reports whether a response with status gets a Retry-After header.
func carriesRetryAfter(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusLocked, http.StatusServiceUnavailable:
		return true
	}
	return false
}

func respond(status int, contentType, body string) events.APIGatewayV2HTTPResponse {
	headers := map[string]string{"Cache-Control": "no-store"}
	if contentType != "" {
		headers["Content-Type"] = contentType
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: headers, Body: body}
}
