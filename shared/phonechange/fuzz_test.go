package phonechange

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/factor"
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

// wireStart is the body of POST /v1/phone-changes as functions/phonechange's startBody spells it.
// StartRequest has no JSON tags and a flow package cannot import a handler, so the fuzz target
// decodes into this copy and converts it as the handler does.
type wireStart struct {
	LoginPassword string `json:"loginPassword"`
	OldPhoneToken string `json:"oldPhoneVerificationToken"`
	Identity      *struct {
		IDNumber        string `json:"idNumber"`
		SecurityAnswers []struct {
			QuestionID string `json:"questionId"`
			Answer     string `json:"answer"`
		} `json:"securityAnswers"`
		PaymentPassword string `json:"paymentPassword"`
	} `json:"identity"`
}

func (in wireStart) request() StartRequest {
	out := StartRequest{LoginPassword: in.LoginPassword, OldPhoneToken: in.OldPhoneToken}
	if id := in.Identity; id != nil {
		answers := make([]factor.Answer, len(id.SecurityAnswers))
		for i, a := range id.SecurityAnswers {
			answers[i] = factor.Answer(a)
		}
		out.Identity = &Identity{IDNumber: id.IDNumber, SecurityAnswers: answers, PaymentPassword: id.PaymentPassword}
	}
	return out
}

func checkStart(body string) error {
	var in wireStart
	if err := apigw.Decode(events.APIGatewayV2HTTPRequest{Body: body, Headers: map[string]string{"content-type": "application/json"}}, &in); err != nil {
		return err
	}
	req := in.request()
	if err := account.Required("loginPassword", req.LoginPassword); err != nil {
		return err
	}
	_, err := pathOf(req)
	return err
}
