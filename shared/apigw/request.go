package apigw

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// SourceIP returns the client address API Gateway saw (requestContext.http.sourceIp).
func SourceIP(req events.APIGatewayV2HTTPRequest) string {
	return req.RequestContext.HTTP.SourceIP
}

// Header returns the value of the header name, matched case-insensitively, or "". API Gateway
// joins repeated headers with commas.
func Header(req events.APIGatewayV2HTTPRequest, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header. The scheme is
// matched case-insensitively; a missing header, another scheme, or an empty or spaced token
// reports false.
func BearerToken(req events.APIGatewayV2HTTPRequest) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(Header(req, "Authorization")), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t\r\n,") {
		return "", false
	}
	return token, true
}

// PathParam returns the path parameter name, or "".
func PathParam(req events.APIGatewayV2HTTPRequest, name string) string {
	return req.PathParameters[name]
}
