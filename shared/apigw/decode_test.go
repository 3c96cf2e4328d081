package apigw

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
	"os"
)

type device struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type signIn struct {
	Phone    string  `json:"phone"`
	Attempts int     `json:"attempts"`
	Device   *device `json:"device"`
}

func jsonRequest(body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Headers: map[string]string{"content-type": "application/json"},
		Body:    body,
	}
}

func b64Request(body string) events.APIGatewayV2HTTPRequest {
	req := jsonRequest(body)
	req.IsBase64Encoded = true
	return req
}

func TestDecode(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	big := `{"phone":"` + strings.Repeat("1", 1<<20) + `"}`
	atLimit := `{"phone":"` + strings.Repeat("1", MaxBody-len(`{"phone":""}`)) + `"}`
	overLimit := `{"phone":"` + strings.Repeat("1", MaxBody-len(`{"phone":""}`)+1) + `"}`
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	tests := []struct {
		name      string
		req       events.APIGatewayV2HTTPRequest
		wantCode  account.Code // "" for success
		wantField string
		want      signIn
	}{
		{
			name: "valid",
			req:  jsonRequest(`{"phone":"+8613800138000","attempts":2,"device":{"id":"d1","name":"Pixel"}}`),
			want: signIn{Phone: "+8613800138000", Attempts: 2, Device: &device{ID: "d1", Name: "Pixel"}},
		},
		{
			name: "valid with charset and trailing whitespace",
			req: events.APIGatewayV2HTTPRequest{
				Headers: map[string]string{"Content-Type": "Application/JSON; charset=UTF-8"},
				Body:    "{\"phone\":\"1\"}\n\t ",
			},
			want: signIn{Phone: "1"},
		},
		{name: "no content type", req: events.APIGatewayV2HTTPRequest{Body: `{"phone":"1"}`}, wantCode: account.CodeUnsupportedMedia},
		{name: "curl's default form type", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}, Body: `{"phone":"1"}`}, wantCode: account.CodeUnsupportedMedia},
		{
			name: "base64 body",
			req:  b64Request(b64(`{"phone":"2","attempts":1}`)),
			want: signIn{Phone: "2", Attempts: 1},
		},
		{name: "at the limit", req: jsonRequest(atLimit), want: signIn{Phone: strings.Repeat("1", MaxBody-len(`{"phone":""}`))}},
		{name: "base64 at the limit", req: b64Request(b64(atLimit)), want: signIn{Phone: strings.Repeat("1", MaxBody-len(`{"phone":""}`))}},
		{name: "one byte over the limit", req: jsonRequest(overLimit), wantCode: account.CodeBodyTooLarge},
		{name: "base64 one byte over the limit", req: events.APIGatewayV2HTTPRequest{Body: b64(overLimit), IsBase64Encoded: true}, wantCode: account.CodeBodyTooLarge},
		{name: "1 MiB body", req: jsonRequest(big), wantCode: account.CodeBodyTooLarge},
		{name: "1 MiB base64 body", req: events.APIGatewayV2HTTPRequest{Body: b64(big), IsBase64Encoded: true}, wantCode: account.CodeBodyTooLarge},
		{name: "bad base64", req: events.APIGatewayV2HTTPRequest{Body: "eyJ!!!", IsBase64Encoded: true}, wantCode: account.CodeMalformedJSON},
		{name: "empty body", req: jsonRequest(""), wantCode: account.CodeMalformedJSON},
		{name: "whitespace body", req: jsonRequest(" \n "), wantCode: account.CodeMalformedJSON},
		{name: "malformed", req: jsonRequest(`{"phone":"` + secret + `",}`), wantCode: account.CodeMalformedJSON},
		{name: "truncated", req: jsonRequest(`{"phone":"` + secret), wantCode: account.CodeMalformedJSON},
		{name: "not JSON", req: jsonRequest(secret), wantCode: account.CodeMalformedJSON},
		{name: "trailing garbage", req: jsonRequest(`{"phone":"1"} ` + secret), wantCode: account.CodeMalformedJSON},
		{name: "second value", req: jsonRequest(`{"phone":"1"}{"phone":"2"}`), wantCode: account.CodeMalformedJSON},
		{name: "unknown field", req: jsonRequest(`{"phone":"1","isAdmin":true}`), wantCode: account.CodeUnknownField, wantField: "isAdmin"},
		{name: "unknown nested field", req: jsonRequest(`{"device":{"id":"d","cvv":"123"}}`), wantCode: account.CodeUnknownField, wantField: "cvv"},
		{name: "long unknown field is capped", req: jsonRequest(`{"` + strings.Repeat("x", 100) + `":1}`), wantCode: account.CodeUnknownField, wantField: strings.Repeat("x", maxFieldName)},
		{name: "wrong type", req: jsonRequest(`{"phone":13800138000}`), wantCode: account.CodeInvalidType, wantField: "phone"},
		{name: "wrong nested type", req: jsonRequest(`{"device":{"id":5}}`), wantCode: account.CodeInvalidType, wantField: "device.id"},
		{name: "fraction for integer", req: jsonRequest(`{"attempts":1.5}`), wantCode: account.CodeInvalidType, wantField: "attempts"},
		{name: "array instead of object", req: jsonRequest(`["` + secret + `"]`), wantCode: account.CodeInvalidType},
		{name: "null body", req: jsonRequest(`null`), wantCode: account.CodeInvalidType},
		{name: "wrong content type", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "text/plain"}, Body: `{"phone":"1"}`}, wantCode: account.CodeUnsupportedMedia},
		{name: "form body", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}, Body: `phone=1`}, wantCode: account.CodeUnsupportedMedia},
		{name: "invalid UTF-8 in a string", req: jsonRequest("{\"phone\":\"\xff\xfe\"}"), wantCode: account.CodeInvalidUTF8},
		{name: "overlong encoding", req: jsonRequest("{\"phone\":\"\xc0\xc1\"}"), wantCode: account.CodeInvalidUTF8},
		{name: "invalid UTF-8 in a name", req: jsonRequest("{\"ph\xfdone\":\"1\"}"), wantCode: account.CodeInvalidUTF8},
		{name: "base64 of invalid UTF-8", req: b64Request(b64("{\"phone\":\"\xfd\xfe\"}")), wantCode: account.CodeInvalidUTF8},
		{name: "lone surrogate escape", req: jsonRequest(`{"phone":"\ud800"}`), wantCode: account.CodeInvalidUTF8},
		{name: "escaped replacement character is a character", req: jsonRequest(`{"phone":"\ufffd\ufffd"}`), want: signIn{Phone: "\ufffd\ufffd"}},
		{name: "surrogate pair", req: jsonRequest(`{"phone":"\ud83d\ude00"}`), want: signIn{Phone: "\U0001F600"}},
		{name: "duplicate key", req: jsonRequest(`{"phone":"+8613800138000","phone":"+8613900139000"}`), wantCode: account.CodeDuplicateKey},
		{name: "duplicate nested key", req: jsonRequest(`{"device":{"id":"a","id":"b"}}`), wantCode: account.CodeDuplicateKey},
		{name: "duplicate key after a lone surrogate", req: jsonRequest(`{"phone":"\udc00","phone":"1"}`), wantCode: account.CodeDuplicateKey},
		{name: "duplicate key spelt with an escape", req: jsonRequest(`{"phone":"1","\u0070hone":"2"}`), wantCode: account.CodeDuplicateKey},
		{name: "duplicate key in another case", req: jsonRequest(`{"phone":"1","PHONE":"2"}`), wantCode: account.CodeDuplicateKey},
		{name: "duplicate key by Unicode folding", req: jsonRequest(`{"device":{"name":"a","naMe":"c"}}`), wantCode: account.CodeDuplicateKey},
		{name: "long s folds to s", req: jsonRequest(`{"attempts":1,"attempt\u017f":2}`), wantCode: account.CodeDuplicateKey},
		{name: "a field's name in another case", req: jsonRequest(`{"PHONE":"+8613800138000"}`), wantCode: account.CodeUnknownField, wantField: "PHONE"},
		{name: "a nested field's name in another case", req: jsonRequest(`{"device":{"Id":"d1"}}`), wantCode: account.CodeUnknownField, wantField: "Id"},
		{name: "a field's name by Unicode folding", req: jsonRequest(`{"attempt\u017f":1}`), wantCode: account.CodeUnknownField, wantField: "attempt\u017f"},
		{name: "same name in sibling objects", req: jsonRequest(`{"device":{"id":"a"},"phone":"1"}`), want: signIn{Phone: "1", Device: &device{ID: "a"}}},
		{name: "form type with params", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/x-www-form-urlencoded; charset=latin1"}, Body: `{}`}, wantCode: account.CodeUnsupportedMedia},
		{name: "other charset", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/json; charset=latin1"}, Body: `{"phone":"1"}`}, wantCode: account.CodeUnsupportedMedia},
		{name: "garbled content type", req: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/json; ;="}, Body: `{"phone":"1"}`}, wantCode: account.CodeUnsupportedMedia},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got signIn
			err := Decode(tt.req, &got)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				checkDecoded(t, got, tt.want)
				return
			}
			e, ok := account.As(err)
			if !ok {
				t.Fatalf("Decode error = %v (%T), want *account.Error", err, err)
			}
			if e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("code/field = %s/%q, want %s/%q", e.Code, e.Field, tt.wantCode, tt.wantField)
			}
			if e.Message == "" || strings.Contains(e.Message, secret) || strings.Contains(e.Message, "13800138000") {
				t.Errorf("message %q is empty or echoes input", e.Message)
			}
		})
	}
}

func checkDecoded(t *testing.T, got, want signIn) {
	t.Helper()
	if got.Phone != want.Phone || got.Attempts != want.Attempts {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
	if (got.Device == nil) != (want.Device == nil) || (got.Device != nil && *got.Device != *want.Device) {
		t.Errorf("device = %+v, want %+v", got.Device, want.Device)
	}
}

// TestDecodeIntoAMapTakesAnyKeys: the names check leaves a map's keys alone; they are data.
func TestDecodeIntoAMapTakesAnyKeys(t *testing.T) {
	var dst struct {
		Labels map[string]string `json:"labels"`
	}
	if err := Decode(jsonRequest(`{"labels":{"LABELS":"a","x":"b"}}`), &dst); err != nil || dst.Labels["LABELS"] != "a" {
		t.Fatalf("%+v %v", dst, err)
	}
}

func TestDecodeNonPointerIsProgrammingError(t *testing.T) {
	err := Decode(jsonRequest(`{"phone":"1"}`), signIn{})
	if err == nil {
		t.Fatal("Decode into a non-pointer succeeded")
	}
	if _, ok := account.As(err); ok {
		t.Errorf("error %v is a client error, want an internal one", err)
	}
}

type strictPhone string

func (p *strictPhone) UnmarshalJSON([]byte) error {
	return account.FieldError(account.CodeInvalidPhone, "phone", "not a phone number")
}

func TestDecodePassesFieldTypeErrorsThrough(t *testing.T) {
	var dst struct {
		Phone strictPhone `json:"phone"`
	}
	err := Decode(jsonRequest(`{"phone":"x"}`), &dst)
	if !account.Is(err, account.CodeInvalidPhone) {
		t.Fatalf("err = %v, want invalid_phone", err)
	}
}

// TestREADMECurlCommandsSayTheirMediaType: every curl command in the README that sends a body
// says it is JSON, since the API refuses any other (or none) with 415.
func TestREADMECurlCommandsSayTheirMediaType(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(readme), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
			continue
		}
		n++
		sends := strings.Contains(line, " -d ") || strings.Contains(line, " --data")
		if sends && !strings.Contains(line, "Content-Type: application/json") {
			t.Errorf("README: %s\n  sends a body without Content-Type: application/json; use curl --json", line)
		}
	}
	if n == 0 {
		t.Fatal("README has no curl command: did it move?")
	}
}
