package apigw

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

// TestCheckForm: a form post is accepted only as its page sends it — empty, or one of the fixed
// bodies as application/x-www-form-urlencoded — and anything else is a 4xx, nothing parsed.
func TestCheckForm(t *testing.T) {
	form := func(body, contentType string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{Body: body, Headers: map[string]string{"content-type": contentType}}
	}
	b64 := form(base64.StdEncoding.EncodeToString([]byte("freeze=yes")), contentForm)
	b64.IsBase64Encoded = true
	for _, tc := range []struct {
		name string
		req  events.APIGatewayV2HTTPRequest
		code account.Code // "" for accepted
	}{
		{"the page's body", form("freeze=yes", contentForm), ""},
		{"with a utf-8 charset", form("freeze=yes", "application/x-www-form-urlencoded; charset=UTF-8"), ""},
		{"empty, any type", form("", "application/json"), ""},
		{"empty, no type", form("", ""), ""},
		{"base64", b64, ""},
		{"JSON", form(`{"freeze":"yes"}`, "application/json"), account.CodeUnsupportedMedia},
		{"form body as JSON", form("freeze=yes", "application/json"), account.CodeUnsupportedMedia},
		{"no type", form("freeze=yes", ""), account.CodeUnsupportedMedia},
		{"text/plain", form("freeze=yes", "text/plain"), account.CodeUnsupportedMedia},
		{"multipart", form("freeze=yes", "multipart/form-data; boundary=x"), account.CodeUnsupportedMedia},
		{"other charset", form("freeze=yes", "application/x-www-form-urlencoded; charset=latin1"), account.CodeUnsupportedMedia},
		{"another value", form("freeze=no", contentForm), account.CodeInvalidField},
		{"a field more", form("freeze=yes&freezeToken=x", contentForm), account.CodeInvalidField},
		{"twice", form("freeze=yes&freeze=yes", contentForm), account.CodeInvalidField},
		{"escaped", form("freeze=y%65s", contentForm), account.CodeInvalidField},
		{"bad escape", form("freeze=%zz", contentForm), account.CodeInvalidField},
		{"not UTF-8", form("freeze=\xff", contentForm), account.CodeInvalidField},
		{"1 MiB", form(strings.Repeat("a", 1<<20), contentForm), account.CodeBodyTooLarge},
		{"bad base64", events.APIGatewayV2HTTPRequest{Body: "!!", IsBase64Encoded: true}, account.CodeInvalidField},
	} {
		err := CheckForm(tc.req, "freeze=yes")
		e, _ := account.As(err)
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tc.name, err)
		case tc.code != "" && (e == nil || e.Code != tc.code || Status(e.Code)/100 != 4):
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}
