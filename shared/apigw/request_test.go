package apigw

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHeader(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"idempotency-key": "k1", "X-Mixed": "m"}}
	tests := []struct{ name, want string }{
		{"Idempotency-Key", "k1"},
		{"idempotency-key", "k1"},
		{"x-mixed", "m"},
		{"X-Missing", ""},
	}
	for _, tt := range tests {
		if got := Header(req, tt.name); got != tt.want {
			t.Errorf("Header(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"Bearer abc.def", "abc.def", true},
		{"bearer abc", "abc", true},
		{"BEARER   abc  ", "abc", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer    ", "", false},
		{"Basic dXNlcjpwYXNz", "", false},
		{"Bearerabc", "", false},
		{"Bearer a b", "", false},
		{"Bearer a,Bearer b", "", false},
	}
	for _, tt := range tests {
		req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"authorization": tt.header}}
		got, ok := BearerToken(req)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSourceIPAndPathParam(t *testing.T) {
	var req events.APIGatewayV2HTTPRequest
	req.RequestContext.HTTP.SourceIP = "203.0.113.9"
	req.PathParameters = map[string]string{"deviceId": "d1"}
	if got := SourceIP(req); got != "203.0.113.9" {
		t.Errorf("SourceIP = %q", got)
	}
	if got := PathParam(req, "deviceId"); got != "d1" {
		t.Errorf("PathParam = %q", got)
	}
	if got := PathParam(req, "missing"); got != "" {
		t.Errorf("PathParam(missing) = %q", got)
	}
}
