package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// scenario is one route and flow step the bench drives through the local API. Adding a flow is
// one entry in scenarios: how to prepare n requests (untimed), how to make one, what it must
// answer, which DynamoDB and SNS operations it makes and its round-trip budgets.
type scenario struct {
	Name  string
	Route string // "METHOD /path" as template.yaml declares it
	// Setup prepares n fixtures, untimed (codes sent and read, tokens verified, ...).
	Setup func(ctx context.Context, b *bench, n int) ([]fixture, error)
	// Request is the timed request for one fixture.
	Request func(b *bench, f fixture) call
	// Want is the status every timed request must answer.
	Want int
	// Requests is how many timed requests one client sends; eight clients send twice as many.
	Requests int
	// Ops are the operations one request makes, in order (see shared/dynamo): the raw latency
	// of the same operations is the denominator of the overhead ratio. Their DynamoDB count is
	// checked against the round trips the function logs.
	Ops []op
	// Argon2 is how many argon2id hashes or verifications one request runs, by design: CPU time
	// in the flow that no round trip accounts for.
	Argon2 int
	// DynamoDB and SNS are the round-trip budgets; the zero Budget is none. (The email code's
	// one SES call is in its Ops, timed as the others, and in its log line, not budgeted.)
	DynamoDB, SNS Budget
	// Pending, when set, says why the step cannot be measured yet; it is reported as such.
	Pending string
	// HotKey, when set, counts the writes each counter item took over the step's requests and
	// reports the busiest against hotKeyBudget (no service-wide item takes every send's write).
	HotKey bool
}

// scenarios is every route and flow step of the report, in order.
func scenarios() []scenario {
	return append([]scenario{
		{Name: "OTP send", Route: "POST /v1/otp", Setup: freshPhones, Request: sendCodeRequest, Want: 202,
			// The BatchGet reads the phone's claim and slot and its prefix's 6 hours of the
			// pumping window (PUMPING_WINDOW).
			Requests: 100, Ops: []op{batchGet(8), transactWrite(5), publish()},
			DynamoDB: atMost(2), SNS: atMost(1), HotKey: true},
		// The right code also counts a verified code on its prefix's counter, in the same transaction.
		{Name: "OTP verify, right code", Route: "POST /v1/otp/verify", Setup: sentCodes, Request: verifyCodeRequest,
			Want: 200, Requests: 100, Ops: []op{transactWrite(2)}, DynamoDB: exactly(1)},
		{Name: "OTP verify, wrong code", Route: "POST /v1/otp/verify", Setup: sentCodes, Request: wrongCodeRequest,
			Want: 400, Requests: 50, Ops: []op{transactWrite(2), transactWrite(2)}, DynamoDB: exactly(2)},
		{Name: "security questions", Route: "GET /v1/security-questions", Setup: nothing, Request: questionsRequest,
			Want: 200, Requests: 200},
		{Name: "signup", Route: "POST /v1/accounts", Setup: verifiedPhones, Request: signupRequest, Want: 201,
			Requests: 30, Ops: []op{getItem(), transactWrite(6)}, Argon2: hashesPerSignup, DynamoDB: atMost(2)},

		{Name: "sign-in, known device", Route: "POST /v1/sessions", Setup: signedUp, Request: signInRequest,
			Want: 201, Requests: 20, Ops: []op{getItem(), batchGet(3), transactWrite(4)}, Argon2: 1, DynamoDB: atMost(3)},
		{Name: "sign-in with a passkey", Route: "POST /v1/sessions/passkey", Setup: passkeyHolders, Request: passkeySignInRequest,
			Want: 201, Requests: 20, Ops: []op{batchGet(2), batchGet(2), transactWrite(6)}, DynamoDB: atMost(3)},
		{Name: "sign-in, new device: step-up asked", Route: "POST /v1/sessions", Setup: sharedAccounts,
			Request: newDeviceRequest, Want: 403, Requests: 20, Ops: []op{getItem(), batchGet(3)}, Argon2: 1,
			DynamoDB: atMost(3)},
		{Name: "sign-in, new device with step-up code", Route: "POST /v1/sessions", Setup: steppedUp,
			Request: signInRequest, Want: 201, Requests: 20, Ops: []op{getItem(), batchGet(4), transactWrite(5)},
			Argon2: 1, DynamoDB: atMost(3)},
		// An authenticated request is 1 round trip for the session plus its own work.
		{Name: "account", Route: "GET /v1/account", Setup: sharedAccounts, Request: authed("/v1/account"),
			Want: 200, Requests: 100, Ops: []op{getItem(), batchGet(4)}, DynamoDB: exactly(2)},
		{Name: "devices", Route: "GET /v1/devices", Setup: sharedAccounts, Request: authed("/v1/devices"),
			Want: 200, Requests: 100, Ops: []op{getItem(), query(1)}, DynamoDB: exactly(2)},
		// The email: a code to a new address, its binding, sign-in by it, its removal.
		{Name: "email code", Route: "POST /v1/account/email", Setup: emailAccounts, Request: emailCodeRequest,
			Want: 202, Requests: 20, Ops: []op{getItem(), batchGet(2), transactWrite(7), sendEmail()}, DynamoDB: atMost(3)},
		{Name: "email verify (binding)", Route: "POST /v1/account/email/verify", Setup: emailCodes, Request: emailVerifyRequest,
			Want: 200, Requests: 20, Ops: []op{getItem(), batchGet(2), updateItem(), transactWrite(5)}, DynamoDB: atMost(4)},
		{Name: "sign-in by email, known device", Route: "POST /v1/sessions", Setup: emailBound, Request: signInByEmailAfterBind,
			Want: 201, Requests: 20, Ops: []op{getItem(), batchGet(3), transactWrite(4)}, Argon2: 1, DynamoDB: atMost(3)},
		{Name: "email remove", Route: "DELETE /v1/account/email", Setup: emailBound, Request: emailRemoveRequest,
			Want: 204, Requests: 20, Ops: []op{getItem(), getItem(), transactWrite(4)}, DynamoDB: atMost(3)},
		{Name: "phone-change confirm", Route: "POST /v1/phone-changes/{changeId}/confirm", Setup: changesAwaitingNew,
			Request: confirmChangeRequest, Want: 200, Requests: 20,
			Ops: []op{batchGet(3), query(1), transactWrite(8)}, DynamoDB: atMost(3)},
	}, append(selfService(), payments()...)...)
}

// The requests, one per flow step.

func sendCodeRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/otp", Body: map[string]string{"phone": f.Phone, "purpose": "signup"}}
}

func verifyCodeRequest(_ *bench, f fixture) call { return verifyCode(f) }

// verifyCode offers the fixture's code.
func verifyCode(f fixture) call {
	return call{Method: "POST", Path: "/v1/otp/verify", Body: map[string]string{"challengeId": f.ChallengeID, "code": f.Code}}
}

func wrongCodeRequest(_ *bench, f fixture) call {
	f.Code = wrongCode(f.Code)
	return verifyCode(f)
}

func questionsRequest(*bench, fixture) call {
	return call{Method: "GET", Path: "/v1/security-questions"}
}

// signupRequest signs up with a device and an Idempotency-Key, as the app does.
func signupRequest(b *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/accounts", Header: map[string]string{"Idempotency-Key": "bench-" + randomHex(8)},
		Body: map[string]any{
			"verificationToken": f.Token,
			"loginPassword":     "violet-harbor-seventy-2",
			"paymentPassword":   benchPIN,
			"agreementVersion":  b.cfg.AgreementVersion,
			"securityAnswers": []map[string]string{
				{"questionId": "first_school", "answer": "Riverside Primary"},
				{"questionId": "first_pet", "answer": "Mochi"},
				{"questionId": "childhood_street", "answer": "Elm Road"},
			},
			"device": device(f),
		}}
}

// signInRequest signs in on the fixture's device (with its secret, if it has one), with its
// verification token if it has one.
func signInRequest(_ *bench, f fixture) call {
	body := map[string]any{"phone": f.Phone, "password": "violet-harbor-seventy-2", "device": device(f)}
	if f.Token != "" {
		body["verificationToken"] = f.Token
	}
	return call{Method: "POST", Path: "/v1/sessions", Body: body}
}

// newDeviceRequest signs in on a device the account has never used, without a code.
func newDeviceRequest(b *bench, f fixture) call {
	f.DeviceID, f.Token, f.Secret = "bench-new-"+randomHex(6), "", ""
	return signInRequest(b, f)
}

// confirmChangeRequest confirms the fixture's phone change with the new number's token.
func confirmChangeRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/phone-changes/" + f.Change + "/confirm", Header: bearer(f.Session),
		Body: map[string]string{"verificationToken": f.Token}}
}

// authed is a GET of path with the fixture's session.
func authed(path string) func(*bench, fixture) call {
	return func(_ *bench, f fixture) call {
		return call{Method: "GET", Path: path, Header: map[string]string{"Authorization": "Bearer " + f.Session}}
	}
}

func device(f fixture) map[string]string {
	d := map[string]string{"id": f.DeviceID, "name": "Bench phone", "platform": "android"}
	if f.Secret != "" {
		d["secret"] = f.Secret
	}
	return d
}

// randomHex is n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// opKind is a DynamoDB or SNS operation.
type opKind string

const (
	opGetItem       opKind = "GetItem"
	opBatchGetItem  opKind = "BatchGetItem"
	opUpdateItem    opKind = "UpdateItem"
	opQuery         opKind = "Query"
	opTransactWrite opKind = "TransactWriteItems"
	opPublish       opKind = "SNS Publish"
	opSendEmail     opKind = "SES SendEmail"
)

// op is one operation with its item count (keys read or items written).
type op struct {
	Kind  opKind
	Items int
}

func getItem() op                { return op{opGetItem, 1} }
func batchGet(keys int) op       { return op{opBatchGetItem, keys} }
func updateItem() op             { return op{opUpdateItem, 1} }
func transactWrite(items int) op { return op{opTransactWrite, items} }
func query(items int) op         { return op{opQuery, items} }
func publish() op                { return op{opPublish, 1} }
func sendEmail() op              { return op{opSendEmail, 1} }

// String is "GetItem", "BatchGetItem(2)", "TransactWriteItems(8)", "Query(1)", "SNS Publish".
func (o op) String() string {
	if o.Kind == opBatchGetItem || o.Kind == opTransactWrite || o.Kind == opQuery {
		return fmt.Sprintf("%s(%d)", o.Kind, o.Items)
	}
	return string(o.Kind)
}

// dynamoDB reports whether the operation is a DynamoDB round trip.
func (o op) dynamoDB() bool { return o.Kind != opPublish && o.Kind != opSendEmail }

// countDynamoDB is how many of ops are DynamoDB round trips.
func countDynamoDB(ops []op) int {
	n := 0
	for _, o := range ops {
		if o.dynamoDB() {
			n++
		}
	}
	return n
}
