package phonechange

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
)

// FuzzStartRequest is POST /v1/phone-changes up to its first read: the body through apigw.Decode,
// the login password and the path (old phone or identity, and its parts). Any input is accepted
// or refused with a 4xx *account.Error — never a panic, never a 500.
func FuzzStartRequest(f *testing.F) {
	for _, s := range []string{
		`{"loginPassword":"violet-harbor-seventy-2","oldPhoneVerificationToken":"01J.x"}`,
		`{"loginPassword":"p","identity":{"idNumber":"110101199003074514","paymentPassword":"295071",` +
			`"securityAnswers":[{"questionId":"first_pet","answer":"Mochi"},{"questionId":"first_pet","answer":"Mochi"}]}}`,
		`{"loginPassword":"p","oldPhoneVerificationToken":"t","identity":{}}`,
		`{"loginPassword":"p","identity":null}`,
		`{"identity":{"securityAnswers":[{},{},{},{}]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		err := checkStart(body)
		if err == nil {
			return
		}
		if e, ok := account.As(err); !ok || apigw.Status(e.Code)/100 != 4 {
			t.Fatalf("body %q: %v; want a 4xx *account.Error", body, err)
		}
	})
}

func checkStart(body string) error {
	var req StartRequest
	if err := apigw.Decode(events.APIGatewayV2HTTPRequest{Body: body}, &req); err != nil {
		return err
	}
	if err := account.Required("loginPassword", req.LoginPassword); err != nil {
		return err
	}
	_, err := pathOf(req)
	return err
}
