package apigw

import "github.com/aws/aws-lambda-go/events"

// RawJSON returns req's body exactly as it was sent, checked as Decode checks it before decoding
// (size, media type, one JSON object): for a route that verifies a signature over the bytes
// before it reads them (the identity-verification callback), and then calls Decode.
func RawJSON(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	return readBody(req)
}
