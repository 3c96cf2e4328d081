// Package faults injects AWS failures into the real SDK clients the flows use, so that tests can
// watch what an outage does to a request and to the table: an SDK middleware fails the Nth
// DynamoDB or SNS call of a request with throttling, a 500 or a timeout. The failures are made
// where the network would make them — in place of the HTTP round trip, below the SDK's retryer and
// deserializer — so the retryer retries them and the flows see exactly the typed errors a real
// outage gives (types.ProvisionedThroughputExceededException, types.InternalServerError, a
// *smithyhttp.RequestSendError wrapping a timeout …).
//
// Every attempt of the failed call fails, as in a real outage that outlasts the retries; the
// calls before and after it go to DynamoDB Local and moto unchanged. Import it from tests only.
package faults

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind is a way an AWS call fails.
type Kind int

// The kinds of failure.
const (
	// Throttle answers 400 with the service's throttling error: DynamoDB's
	// ProvisionedThroughputExceededException, SNS's Throttling. The SDK retries it.
	Throttle Kind = iota + 1
	// ServerError answers 500 with the service's internal error. The SDK retries it.
	ServerError
	// Timeout gets no answer: the transport fails with a timeout, as a dropped connection or a
	// hung endpoint does. The SDK retries it. The call never reaches the service.
	Timeout
	// TransactionThrottled answers a DynamoDB TransactWriteItems with the
	// TransactionCanceledException a throttled transaction gets (reason ThrottlingError), which
	// the SDK does not retry. Other calls are not failed by it.
	TransactionThrottled
)

// Kinds are the ways a call can be failed.
func Kinds() []Kind { return []Kind{Throttle, ServerError, Timeout, TransactionThrottled} }

func (k Kind) String() string {
	switch k {
	case Throttle:
		return "throttle"
	case ServerError:
		return "500"
	case Timeout:
		return "timeout"
	case TransactionThrottled:
		return "tx-throttled"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Applies reports whether k can fail the call ("DynamoDB.TransactWriteItems").
func (k Kind) Applies(call string) bool {
	return k != TransactionThrottled || call == "DynamoDB.TransactWriteItems"
}

// Injector counts the AWS calls made through the clients it is installed on and fails the one
// it is armed for. The zero value is ready to use; it is safe for concurrent use. Install it on
// every client of the code under test (see DynamoDB and SNS), so that "the Nth call" counts
// across services in the order the calls are made.
type Injector struct {
	mu       sync.Mutex
	armed    int // 1-based call to fail; 0 fails none
	kind     Kind
	calls    []string
	attempts int // attempts failed since Arm
}

// Arm forgets the calls counted so far and fails the nth call from now (1 is the next one) with
// k, on every attempt the SDK makes of it. Arm(0, 0) only resets the count.
func (i *Injector) Arm(n int, k Kind) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.armed, i.kind, i.calls, i.attempts = n, k, nil, 0
}

// Reset disarms the injector and forgets the calls counted.
func (i *Injector) Reset() { i.Arm(0, 0) }

// Calls returns the calls made since the last Arm or Reset, in order, as "Service.Operation".
func (i *Injector) Calls() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.calls...)
}

// FailedAttempts is how many attempts were failed since the last Arm: the SDK's retries of the
// failed call included.
func (i *Injector) FailedAttempts() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.attempts
}

// fault is what the failed call's context carries down to its attempts.
type fault struct {
	kind  Kind
	items int // TransactWriteItems: the number of items, one cancellation reason each
}

type faultKey struct{}

// Middleware installs the injector on a client's stack; use it in APIOptions, after the other
// options (DynamoDB and SNS do).
func (i *Injector) Middleware(stack *middleware.Stack) error {
	count := middleware.InitializeMiddlewareFunc("faults.count", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if f, ok := i.count(awsmiddleware.GetServiceID(ctx)+"."+awsmiddleware.GetOperationName(ctx), in.Parameters); ok {
			ctx = context.WithValue(ctx, faultKey{}, f)
		}
		return next.HandleInitialize(ctx, in)
	})
	if err := stack.Initialize.Add(count, middleware.After); err != nil {
		return err
	}
	// Last in the deserialize step: in place of the transport, below the retryer and the
	// deserializer, so each attempt fails and the failure is decoded as a real one is.
	fail := middleware.DeserializeMiddlewareFunc("faults.fail", func(ctx context.Context,
		in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		f, ok := ctx.Value(faultKey{}).(fault)
		if !ok {
			return next.HandleDeserialize(ctx, in)
		}
		i.mu.Lock()
		i.attempts++
		i.mu.Unlock()
		return f.respond(awsmiddleware.GetServiceID(ctx))
	})
	return stack.Deserialize.Add(fail, middleware.After)
}

// count records a call and reports whether it is the one to fail, and how.
func (i *Injector) count(call string, params any) (fault, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.calls = append(i.calls, call)
	if i.armed != len(i.calls) || !i.kind.Applies(call) {
		return fault{}, false
	}
	f := fault{kind: i.kind}
	if tx, ok := params.(*dynamodb.TransactWriteItemsInput); ok {
		f.items = len(tx.TransactItems)
	}
	return f, true
}

// respond is what the network gives one attempt of the failed call.
func (f fault) respond(service string) (middleware.DeserializeOutput, middleware.Metadata, error) {
	if f.kind == Timeout {
		return middleware.DeserializeOutput{}, middleware.Metadata{}, &smithyhttp.RequestSendError{Err: &url.Error{
			Op: "Post", URL: "https://" + strings.ToLower(service) + ".us-east-1.amazonaws.com/",
			Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}}}
	}
	status, contentType, body := f.body(service)
	resp := &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {contentType}, "X-Amzn-Requestid": {"faults-injected"},
			"Date": {time.Now().UTC().Format(http.TimeFormat)}},
		Body: io.NopCloser(strings.NewReader(body))}
	return middleware.DeserializeOutput{RawResponse: &smithyhttp.Response{Response: resp}}, middleware.Metadata{}, nil
}

// body is the status and error document the service answers the failure with.
func (f fault) body(service string) (int, string, string) {
	if service == "SESv2" { // restJson1: the error's type in the body
		if f.kind == ServerError {
			return http.StatusInternalServerError, "application/json", `{"__type":"InternalFailure","message":"injected by local/faults"}`
		}
		return http.StatusTooManyRequests, "application/json", `{"__type":"TooManyRequestsException","message":"injected by local/faults"}`
	}
	if service == "SNS" {
		code, status, fault := "Throttling", http.StatusBadRequest, "Sender"
		if f.kind == ServerError {
			code, status, fault = "InternalError", http.StatusInternalServerError, "Receiver"
		}
		return status, "text/xml", `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>` + fault + `</Type>` +
			`<Code>` + code + `</Code><Message>injected by local/faults</Message></Error><RequestId>faults-injected</RequestId></ErrorResponse>`
	}
	const ns = "com.amazonaws.dynamodb.v20120810#"
	switch f.kind {
	case ServerError:
		return http.StatusInternalServerError, "application/x-amz-json-1.0",
			`{"__type":"` + ns + `InternalServerError","message":"injected by local/faults"}`
	case TransactionThrottled:
		reasons := make([]string, max(f.items, 1))
		for j := range reasons {
			reasons[j] = `{"Code":"None"}`
		}
		reasons[0] = `{"Code":"ThrottlingError","Message":"Throughput exceeds the current capacity of your table or index."}`
		return http.StatusBadRequest, "application/x-amz-json-1.0", fmt.Sprintf(`{"__type":"%sTransactionCanceledException",`+
			`"message":"Transaction cancelled, please refer cancellation reasons for specific reasons","CancellationReasons":[%s]}`,
			ns, strings.Join(reasons, ","))
	}
	return http.StatusBadRequest, "application/x-amz-json-1.0",
		`{"__type":"` + ns + `ProvisionedThroughputExceededException","message":"injected by local/faults"}`
}
