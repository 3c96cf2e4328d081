// Package calllog stands between each function and the AWS stand-ins (DynamoDB Local, moto) and
// records what each call asks of IAM: the action and the resource, per function. The stand-ins
// check no permission, so without it a call that template.yaml's policies do not allow would
// pass every local test and fail on the first deploy (local/fidelity checks the log).
package calllog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request is what one call asks of IAM: Action on Resource ("" for a call with no ARN to name,
// an SMS to a phone number), for the SDK operation Call ("DynamoDB.TransactWriteItems").
type Request struct {
	Call     string `json:"call"`
	Action   string `json:"action"`
	Resource string `json:"resource"`
}

// Log records requests as JSON lines, {"function", "call", "action", "resource"}, each distinct
// one once.
type Log struct {
	region, account string
	transport       *http.Transport
	around          func(fn string, next http.Handler) http.Handler // nil: none

	mu      sync.Mutex
	w       io.Writer
	seen    map[string]bool
	servers []*http.Server
}

// New returns a Log writing to w (nil: the proxies record nothing, for Around's sake alone);
// ARNs are built with region and account.
func New(w io.Writer, region, account string) *Log {
	return &Log{region: region, account: account, w: w, seen: map[string]bool{},
		transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
}

// Around puts wrap between every proxy made after it and the stand-in it forwards to (the
// capacity meter of make bench).
func (l *Log) Around(wrap func(fn string, next http.Handler) http.Handler) { l.around = wrap }

// Proxy serves, on a free loopback port, a proxy for function fn to target (the stand-in's
// URL), recording each request; it returns the proxy's URL, the function's endpoint.
func (l *Log) Proxy(fn, target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("call log proxy for %s: %w", fn, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("call log proxy for %s: %w", fn, err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = l.transport
	var forward http.Handler = rp
	if l.around != nil {
		forward = l.around(fn, rp)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if l.w != nil {
			l.record(fn, Requests(r, body, l.region, l.account))
		}
		forward.ServeHTTP(w, r)
	})}
	l.mu.Lock()
	l.servers = append(l.servers, srv)
	l.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (l *Log) record(fn string, reqs []Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range reqs {
		key := fn + "\x00" + r.Call + "\x00" + r.Action + "\x00" + r.Resource
		if l.seen[key] {
			continue
		}
		l.seen[key] = true
		line, _ := json.Marshal(struct {
			Function string `json:"function"`
			Request
		}{fn, r})
		_, _ = l.w.Write(append(line, '\n'))
	}
}

// Close stops the proxies.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, s := range l.servers {
		errs = append(errs, s.Close())
	}
	l.servers = nil
	l.transport.CloseIdleConnections()
	return errors.Join(errs...)
}

// Requests are what the SDK request r (with its body) asks of IAM. The service is the one the
// request is signed for (the credential scope of its Authorization header).
func Requests(r *http.Request, body []byte, region, account string) []Request {
	a := arns{region: region, account: account}
	switch service := signingService(r.Header.Get("Authorization")); service {
	case "dynamodb":
		return dynamoRequests(r.Header.Get("X-Amz-Target"), body, a)
	case "sns":
		return snsRequests(body)
	case "ses":
		return sesRequests(r, body, a)
	default:
		// Nothing the functions may call: an action no policy names, so the check fails on it.
		return []Request{{Call: service + "." + r.Method + " " + r.URL.Path, Action: service + ":Unrecognised", Resource: "*"}}
	}
}

// signingService reads "sns" from "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, ...".
func signingService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "unsigned"
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return "unsigned"
	}
	return parts[3]
}

type arns struct{ region, account string }

func (a arns) table(name string) string {
	return "arn:aws:dynamodb:" + a.region + ":" + a.account + ":table/" + name
}

// identity is the SES identity a sender's address sends as: its domain.
func (a arns) identity(from string) string {
	addr := from
	if p, err := mail.ParseAddress(from); err == nil {
		addr = p.Address
	}
	_, domain, _ := strings.Cut(addr, "@")
	return "arn:aws:ses:" + a.region + ":" + a.account + ":identity/" + domain
}

// transactActions maps a transaction item's kind to the action IAM checks for it: a
// transaction needs no permission of its own, each item its operation's.
var transactActions = map[string]string{"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
	"Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem", "Get": "dynamodb:GetItem"}

func dynamoRequests(target string, body []byte, a arns) []Request {
	_, op, _ := strings.Cut(target, ".")
	call := "DynamoDB." + op
	var in struct {
		TableName, IndexName string
		RequestItems         map[string]json.RawMessage
		TransactItems        []map[string]struct{ TableName string }
	}
	_ = json.Unmarshal(body, &in)
	var out []Request
	switch op {
	case "BatchGetItem", "BatchWriteItem":
		for table := range in.RequestItems {
			out = append(out, Request{call, "dynamodb:" + op, a.table(table)})
		}
	case "TransactWriteItems", "TransactGetItems":
		for _, item := range in.TransactItems {
			for kind, x := range item {
				action, ok := transactActions[kind]
				if !ok {
					action = "dynamodb:Unrecognised" + kind
				}
				out = append(out, Request{call, action, a.table(x.TableName)})
			}
		}
	default:
		resource := "*"
		if in.TableName != "" {
			resource = a.table(in.TableName)
			if in.IndexName != "" {
				resource += "/index/" + in.IndexName
			}
		}
		out = append(out, Request{call, "dynamodb:" + op, resource})
	}
	return out
}

func snsRequests(body []byte) []Request {
	form, _ := url.ParseQuery(string(body))
	action := form.Get("Action")
	resource := form.Get("TopicArn")
	if resource == "" {
		resource = form.Get("TargetArn") // "" for PhoneNumber: an SMS has no ARN
	}
	return []Request{{"SNS." + action, "sns:" + action, resource}}
}

// sesRequests reads SES v2 (REST: POST /v2/email/outbound-emails is SendEmail), which the
// functions use, and SES v1 (a form with Action).
func sesRequests(r *http.Request, body []byte, a arns) []Request {
	if r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-emails" {
		var in struct{ FromEmailAddress string }
		_ = json.Unmarshal(body, &in)
		return []Request{{"SESv2.SendEmail", "ses:SendEmail", a.identity(in.FromEmailAddress)}}
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
		action := form.Get("Action")
		return []Request{{"SES." + action, "ses:" + action, a.identity(form.Get("Source"))}}
	}
	return []Request{{"SESv2." + r.Method + " " + r.URL.Path, "ses:Unrecognised", "*"}}
}
