package apigw

import (
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

const contentForm = "application/x-www-form-urlencoded"

// CheckForm checks the body of an HTML form post: empty, or exactly one of bodies (the fixed
// bodies the route's own page sends, such as "freeze=yes"; no field is read from it), and when
// not empty, Content-Type application/x-www-form-urlencoded with at most a utf-8 charset. Nothing
// is parsed, so nothing is repaired.
//
// It is the one exception to Decode's JSON-only rule, for the page of the freeze link an alert
// SMS carries (POST /f/{freezeToken}): a browser posts a page's form only as a form. The rule
// keeps other pages from making their visitors' browsers send requests; here the token in the
// path is the whole credential, so a page elsewhere can post this form only if it already knows
// the token, and then it could freeze with it by any other means too.
func CheckForm(req events.APIGatewayV2HTTPRequest, bodies ...string) error {
	body, err := rawBody(req, account.CodeInvalidField)
	if err != nil || len(body) == 0 {
		return err
	}
	if err := checkMediaType(Header(req, "Content-Type"), contentForm); err != nil {
		return err
	}
	if !slices.Contains(bodies, string(body)) {
		return account.Errorf(account.CodeInvalidField, "this form's body is empty or the one its page sends")
	}
	return nil
}
