package apigw

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/wallet-accounts/wallet/shared/account"
)

// The internal API is an HTTP API with the AWS_IAM authorizer: API Gateway verifies each
// request's SigV4 signature and puts the signer in requestContext.authorizer.iam before the
// function runs; an unsigned or wrongly signed request never reaches it.

// IAMFunc serves a route of the internal API for the IAM principal whose ARN is arn.
type IAMFunc func(ctx context.Context, arn string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// IAMCaller returns the ARN of the IAM principal that signed req (authorizer.iam.userArn), or "".
func IAMCaller(req events.APIGatewayV2HTTPRequest) string {
	if a := req.RequestContext.Authorizer; a != nil && a.IAM != nil {
		return a.IAM.UserARN
	}
	return ""
}

// IAMAuthed serves f only for a request API Gateway's IAM authorizer let through: one without
// the principal in its context (a route deployed without the authorizer) is refused 401.
func IAMAuthed(f IAMFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		arn := IAMCaller(req)
		if arn == "" {
			return events.APIGatewayV2HTTPResponse{}, account.Errorf(account.CodeUnauthenticated, "sign the request with SigV4 (AWS_IAM)")
		}
		return f(ctx, arn, req)
	}
}
