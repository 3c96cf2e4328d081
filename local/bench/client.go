package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/stack"
)

// requestsPerAddress is how many requests one loopback address sends before the next client takes
// over: under OTP_IP_HOURLY (20), so no request meets the per-IP limit.
const requestsPerAddress = 10

// addresses hands out distinct loopback addresses (127.1.0.1, 127.1.0.2, ...). The local API
// takes a request's sourceIp from the TCP peer, so each address is another client to the
// per-IP limits. Safe for concurrent use.
type addresses struct{ n atomic.Uint32 }

// next returns an address no earlier call returned (for the first 16 million calls).
func (a *addresses) next() net.IP {
	n := a.n.Add(1) - 1
	return net.IPv4(127, byte(1+n/(254*256)%254), byte(n/254%256), byte(1+n%254))
}

// call is one HTTP request to the local API.
type call struct {
	Method string
	Path   string
	Body   any // marshalled to JSON unless nil
	Header map[string]string
	// Internal sends the call to the internal API, signed with SigV4 as the payments system's SDK
	// signs it (the local credentials).
	Internal bool
}

// response is what the local API answered, and how long it took.
type response struct {
	Status    int
	Body      []byte
	RequestID string // the Lambda request id (httpapi.LambdaRequestIDHeader)
	Latency   time.Duration
}

// decode unmarshals the body into v.
func (r response) decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %d response %.200q: %w", r.Status, r.Body, err)
	}
	return nil
}

// client is one device talking to the local API from its own loopback address.
type client struct {
	base     string
	internal string // the internal API's base URL
	http     *http.Client
}

// newClient returns a client whose connections come from ip.
func newClient(base, internal string, ip net.IP) *client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &client{base: base, internal: internal, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: dialer.DialContext, MaxIdleConnsPerHost: 1, DisableCompression: true}}}
}

// close drops the client's idle connection.
func (c *client) close() { c.http.CloseIdleConnections() }

// do sends one request and reads the whole answer. Latency runs from just before the request is
// written to the last byte of the body.
func (c *client) do(ctx context.Context, cl call) (response, error) {
	var buf []byte
	if cl.Body != nil {
		var err error
		if buf, err = json.Marshal(cl.Body); err != nil {
			return response{}, err
		}
	}
	base := c.base
	if cl.Internal {
		base = c.internal
	}
	req, err := http.NewRequestWithContext(ctx, cl.Method, base+cl.Path, bytes.NewReader(buf))
	if err != nil {
		return response{}, err
	}
	if cl.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range cl.Header {
		req.Header.Set(k, v)
	}
	if cl.Internal {
		sum := sha256.Sum256(buf)
		creds := aws.Credentials{AccessKeyID: stack.AccessKeyID, SecretAccessKey: stack.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", stack.Region, time.Now()); err != nil {
			return response{}, err
		}
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", cl.Method, cl.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read body: %w", cl.Method, cl.Path, err)
	}
	return response{Status: res.StatusCode, Body: raw, Latency: time.Since(start),
		RequestID: res.Header.Get(httpapi.LambdaRequestIDHeader)}, nil
}

// expect sends cl, checks the status and decodes the JSON answer into out.
func (c *client) expect(ctx context.Context, cl call, want int, what string, out any) error {
	res, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if err := expect(res, want, what); err != nil {
		return err
	}
	return res.decode(out)
}

// rotating is one worker's client, replaced by one from a fresh address every requestsPerAddress
// requests. Not safe for concurrent use: each worker has its own.
type rotating struct {
	base     string
	internal string
	addrs    *addresses
	cur      *client
	used     int
}

// get returns the client for the next request.
func (r *rotating) get() *client {
	if r.cur == nil || r.used == requestsPerAddress {
		r.close()
		r.cur, r.used = newClient(r.base, r.internal, r.addrs.next()), 0
	}
	r.used++
	return r.cur
}

// close drops the current client's connection.
func (r *rotating) close() {
	if r.cur != nil {
		r.cur.close()
	}
}
