// Package sigv4 verifies AWS Signature Version 4 on requests to the local stack's internal API, as
// API Gateway's AWS_IAM authorizer does: the request's signature is recomputed with the AWS SDK's
// own signer (aws/signer/v4) over the headers the client signed, with the local credentials, and
// compared; an unsigned request, one signed with other credentials, for another region or
// service, dated more than MaxSkew away, or whose signature does not match is refused.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service is the signing name of API Gateway's execute-api.
const Service = "execute-api"

// DefaultMaxSkew is how far a request's X-Amz-Date may be from the clock, as AWS allows.
const DefaultMaxSkew = 5 * time.Minute

const algorithm = "AWS4-HMAC-SHA256"

// Verifier checks requests against one set of credentials: the local stack's.
type Verifier struct {
	Credentials aws.Credentials
	Region      string
	AccountID   string        // the local account id, for the request context
	MaxSkew     time.Duration // 0: DefaultMaxSkew
	Now         func() time.Time
}

// ErrRefused wraps every reason a request is refused; the reason is for the stack's log only.
var ErrRefused = errors.New("sigv4: refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// Verify checks r, whose body has been read into body, and returns the IAM principal API Gateway
// would put in requestContext.authorizer.iam; an error wrapping ErrRefused when the request is
// not signed by the verifier's credentials.
func (v Verifier) Verify(r *http.Request, body []byte) (*events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription, error) {
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(auth.accessKey), []byte(v.Credentials.AccessKeyID)) != 1 {
		return nil, refuse("unknown access key")
	}
	if auth.region != v.Region || auth.service != Service {
		return nil, refuse("credential scope is for %s/%s", auth.region, auth.service)
	}
	signed, err := v.signingTime(r, auth)
	if err != nil {
		return nil, err
	}
	want, err := v.recompute(r, body, auth, signed)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(auth.signature)) != 1 {
		return nil, refuse("signature does not match")
	}
	return v.principal(), nil
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), algorithm+" ")
	if !ok {
		return a, refuse("no %s Authorization header", algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "Credential":
			scope := strings.Split(value, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" {
				return a, refuse("malformed credential scope")
			}
			a.accessKey, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(value, ";")
		case "Signature":
			a.signature = value
		}
	}
	if a.accessKey == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, refuse("Authorization lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// signingTime reads X-Amz-Date (or Date), which must be signed, match the scope's day and lie
// within MaxSkew of the clock.
func (v Verifier) signingTime(r *http.Request, a authorization) (time.Time, error) {
	raw, name := r.Header.Get("X-Amz-Date"), "x-amz-date"
	if raw == "" {
		raw, name = r.Header.Get("Date"), "date"
	}
	t, err := time.Parse("20060102T150405Z", raw)
	if err != nil {
		if t, err = http.ParseTime(raw); err != nil {
			return time.Time{}, refuse("no X-Amz-Date")
		}
	}
	if !signedHeader(a, name) || t.UTC().Format("20060102") != a.date {
		return time.Time{}, refuse("the date is unsigned or not the scope's")
	}
	skew, now := v.MaxSkew, time.Now
	if skew == 0 {
		skew = DefaultMaxSkew
	}
	if v.Now != nil {
		now = v.Now
	}
	if d := now().Sub(t); d > skew || d < -skew {
		return time.Time{}, refuse("signed %s from now", d.Round(time.Second))
	}
	return t, nil
}

func signedHeader(a authorization, name string) bool {
	for _, h := range a.signedHeaders {
		if h == name {
			return true
		}
	}
	return false
}

// recompute signs a copy of r that carries only the headers the client signed, with the SDK's
// signer, and returns the signature it computed.
func (v Verifier) recompute(r *http.Request, body []byte, a authorization, at time.Time) (string, error) {
	if !signedHeader(a, "host") {
		return "", refuse("host is not signed")
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	cp, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return "", refuse("request: %v", err)
	}
	cp.Host = r.Host
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			cp.ContentLength = r.ContentLength
		default:
			if vals := r.Header.Values(name); len(vals) > 0 {
				cp.Header[http.CanonicalHeaderKey(name)] = vals
			}
		}
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && claimed != hash {
		return "", refuse("x-amz-content-sha256 is not the body's")
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), v.Credentials, cp, hash, Service, v.Region, at); err != nil {
		return "", refuse("sign: %v", err)
	}
	got, err := parseAuthorization(cp.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if strings.Join(got.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
		return "", refuse("signed headers %v are not what the SDK signs", a.signedHeaders)
	}
	return got.signature, nil
}

// principal is the IAM description of the local credentials' user, as API Gateway fills it.
func (v Verifier) principal() *events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription {
	const userID = "AIDALOCALSTACKUSER000"
	return &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
		AccessKey: v.Credentials.AccessKeyID, AccountID: v.AccountID, CallerID: userID, UserID: userID,
		UserARN: "arn:aws:iam::" + v.AccountID + ":user/" + v.Credentials.AccessKeyID,
	}
}
