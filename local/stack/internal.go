package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/internal/sigv4"
)

// internalAPI is the local stand-in for template.yaml's AWS_IAM HTTP APIs: its own port, and
// every request's SigV4 signature verified against the local credentials before any function
// runs, as API Gateway's IAM authorizer does; a verified request carries the signer in
// requestContext.authorizer.iam.
type internalAPI struct {
	ln     net.Listener
	url    string
	routes []httpapi.Route
	srv    *http.Server
}

// Verifier is the internal API's SigV4 check: the local credentials (the only ones it accepts).
func Verifier() sigv4.Verifier {
	return sigv4.Verifier{Credentials: aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey},
		Region: Region, AccountID: AccountID}
}

// listenInternal binds the internal API's address when the template has an AWS_IAM API.
func (st *Stack) listenInternal() error {
	routes := InternalRoutes(st.tpl)
	if len(routes) == 0 {
		return nil
	}
	addr := st.cfg.InternalAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("internal API: %w", err)
	}
	st.internal = &internalAPI{ln: ln, url: "http://" + ln.Addr().String(), routes: routes}
	return nil
}

// serveInternal serves the internal API on its bound address.
func (st *Stack) serveInternal() error {
	in := st.internal
	if in == nil {
		return nil
	}
	api, err := httpapi.New(in.routes, st.Invoke, st.cfg.Log)
	if err != nil {
		return err
	}
	v := Verifier()
	api.APIID = "local-internal"
	api.Authorize = func(r *http.Request, body []byte) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
		iam, err := v.Verify(r, body)
		if err != nil {
			return nil, err
		}
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: iam}, nil
	}
	in.srv = &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := in.srv.Serve(in.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.apiErr <- fmt.Errorf("internal API: %w", err)
		}
	}()
	return nil
}

// InternalRoutesServed are the internal API's routes (none without an API).
func (st *Stack) InternalRoutesServed() []httpapi.Route {
	if st.internal == nil {
		return nil
	}
	return st.internal.routes
}

// baseURL is the internal API's URL, "" when there is none.
func (in *internalAPI) baseURL() string {
	if in == nil {
		return ""
	}
	return in.url
}

// relayClient is the console relay's: a function's first start can take seconds, never a minute.
var relayClient = &http.Client{Timeout: 30 * time.Second}

// relay sends one request to the internal API signed with the local credentials (SigV4,
// execute-api, the local region), as the payments system signs its own: the console's pay page
// plays that part, and a browser page has no secret to sign with.
func (in *internalAPI) relay(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, in.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), sigv4.Service, Region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return relayClient.Do(req)
}

// close stops the internal API; safe on nil and on a bound address never served.
func (in *internalAPI) close() {
	if in == nil {
		return
	}
	if in.srv == nil {
		_ = in.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := in.srv.Shutdown(ctx); err != nil {
		_ = in.srv.Close()
	}
}
