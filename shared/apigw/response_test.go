package apigw

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

func TestJSON(t *testing.T) {
	resp := JSON(http.StatusAccepted, map[string]any{"challengeId": "c1", "codeLength": 6})
	if resp.StatusCode != 202 || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("status/content type = %d/%q", resp.StatusCode, resp.Headers["Content-Type"])
	}
	if resp.Body != `{"challengeId":"c1","codeLength":6}` {
		t.Errorf("body = %s", resp.Body)
	}
}

func TestJSONMarshalFailureIsInternal(t *testing.T) {
	resp := JSON(http.StatusOK, map[string]float64{"x": math.NaN()})
	if resp.StatusCode != 500 || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("status/content type = %d/%q", resp.StatusCode, resp.Headers["Content-Type"])
	}
	if doc := decodeProblem(t, resp.Body); doc["code"] != "internal" {
		t.Errorf("code = %v, want internal", doc["code"])
	}
}

func TestNoContent(t *testing.T) {
	resp := NoContent()
	if resp.StatusCode != 204 || resp.Body != "" || resp.Headers["Content-Type"] != "" {
		t.Fatalf("NoContent = %+v", resp)
	}
}

func decodeProblem(t *testing.T, body string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, body)
	}
	return doc
}

func intp(n int) *int { return &n }

func TestProblem(t *testing.T) {
	tests := []struct {
		name       string
		err        *account.Error
		wantStatus int
		wantRetry  string // Retry-After header, "" for none
		want       map[string]any
	}{
		{
			name:       "field error",
			err:        account.FieldError(account.CodeMissingField, "phone", "phone is required"),
			wantStatus: 400,
			want: map[string]any{
				"type": ProblemTypeBase + "missing_field", "title": "Missing field", "status": 400.0,
				"detail": "phone is required", "code": "missing_field", "field": "phone",
			},
		},
		{
			name:       "wrong code with zero attempts left",
			err:        &account.Error{Code: account.CodeInvalidCode, Message: "wrong code", AttemptsRemaining: intp(0)},
			wantStatus: 400,
			want: map[string]any{
				"type": ProblemTypeBase + "invalid_code", "title": "Invalid code", "status": 400.0,
				"detail": "wrong code", "code": "invalid_code", "attemptsRemaining": 0.0,
			},
		},
		{
			name:       "rate limited rounds up and sets Retry-After",
			err:        account.Limited(account.CodeRateLimited, 61500*time.Millisecond, "slow down"),
			wantStatus: 429,
			wantRetry:  "62",
			want: map[string]any{
				"type": ProblemTypeBase + "rate_limited", "title": "Too many requests", "status": 429.0,
				"detail": "slow down", "code": "rate_limited", "retryAfterSeconds": 62.0,
			},
		},
		{
			name:       "503 with retry",
			err:        account.Limited(account.CodeSMSBudgetExhausted, time.Hour, "try later"),
			wantStatus: 503,
			wantRetry:  "3600",
			want: map[string]any{
				"type": ProblemTypeBase + "sms_budget_exhausted", "title": "SMS temporarily unavailable",
				"status": 503.0, "detail": "try later", "code": "sms_budget_exhausted", "retryAfterSeconds": 3600.0,
			},
		},
		{
			name:       "429 without retry has no header",
			err:        account.Errorf(account.CodeTooManyAttempts, "burned"),
			wantStatus: 429,
			want: map[string]any{
				"type": ProblemTypeBase + "too_many_attempts", "title": "Too many attempts", "status": 429.0,
				"detail": "burned", "code": "too_many_attempts",
			},
		},
		{
			name:       "retry on a 409 is in the body only",
			err:        &account.Error{Code: account.CodeConflict, Message: "busy", RetryAfter: time.Second, Purpose: "signup"},
			wantStatus: 409,
			want: map[string]any{
				"type": ProblemTypeBase + "conflict", "title": "Conflict", "status": 409.0,
				"detail": "busy", "code": "conflict", "retryAfterSeconds": 1.0, "purpose": "signup",
			},
		},
		{
			name:       "empty message falls back to title",
			err:        &account.Error{Code: account.CodeChallengeExpired},
			wantStatus: 410,
			want: map[string]any{
				"type": ProblemTypeBase + "challenge_expired", "title": "Challenge expired", "status": 410.0,
				"detail": "Challenge expired", "code": "challenge_expired",
			},
		},
		{
			name:       "nil is internal",
			err:        nil,
			wantStatus: 500,
			want: map[string]any{
				"type": ProblemTypeBase + "internal", "title": "Internal error", "status": 500.0,
				"detail": internalDetail, "code": "internal",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := Problem(tt.err)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := resp.Headers["Retry-After"]; got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if got := decodeProblem(t, resp.Body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("body = %v\nwant   %v", got, tt.want)
			}
		})
	}
}

func TestCeilSeconds(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{0, 0}, {-time.Second, 0}, {time.Nanosecond, 1}, {time.Second, 1},
		{time.Second + time.Nanosecond, 2}, {90 * time.Minute, 5400},
	}
	for _, tt := range tests {
		if got := ceilSeconds(tt.in); got != tt.want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestProblemTypeIsStableURI(t *testing.T) {
	if !strings.HasPrefix(ProblemTypeBase, "https://") || !strings.HasSuffix(ProblemTypeBase, "/") {
		t.Fatalf("ProblemTypeBase = %q", ProblemTypeBase)
	}
}

// TestHTML: a page is never stored, sniffed or named to another site, and runs under its CSP.
func TestHTML(t *testing.T) {
	resp := HTML(http.StatusOK, "<!doctype html><title>x</title>", "default-src 'none'")
	want := map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
		"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}
	for k, v := range want {
		if resp.Headers[k] != v {
			t.Errorf("%s = %q, want %q", k, resp.Headers[k], v)
		}
	}
	if resp.StatusCode != http.StatusOK || resp.Body != "<!doctype html><title>x</title>" {
		t.Errorf("HTML: %d %q", resp.StatusCode, resp.Body)
	}
}
