package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/linelog"
	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// rotationStack starts a stack of its own over persistDir, as `make run -persist` does, with the
// functions the rotation test calls, and points this test's clients and SMS reads at it until the
// test ends. Its function logs go to logPath.
func rotationStack(t *testing.T, persistDir, logPath string) *stack.Stack {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	logs, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Config{Root: root, StateDir: filepath.Join(filepath.Dir(logPath), "state"),
		Table: "wallet-accounts", APIAddr: "127.0.0.1:0", PersistDir: persistDir,
		Only:     []string{"OtpFunction", "SignupFunction", "ResetFunction", "AccountFunction"},
		FuncLogs: linelog.NewSink(logs), SMSOut: nopWriter{}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start a stack over %s: %v", persistDir, err)
	}
	t.Cleanup(func() { _ = st.Close() }) // a no-op for one the test closed itself
	at := st.Endpoints()
	at.Logs = logPath
	for _, kv := range at.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return st
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// TestPepperRotationEndToEnd rotates the pepper between two starts of a stack over the same
// data: every account still signs in, pays, resets (with a code sent before the rotation) and
// recovers without SMS, and each keyed or peppered hash moves to the new key when it is used,
// not before.
func TestPepperRotationEndToEnd(t *testing.T) {
	stacktest.Config(t) // only under make test, like every end-to-end test
	dir := t.TempDir()
	persist, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "functions.log")
	if err := os.MkdirAll(persist, 0o755); err != nil {
		t.Fatal(err)
	}

	// Before: two accounts, one with an ID number and a card, and a reset code in flight.
	first := rotationStack(t, persist, logPath)
	c := newClient(t)
	u := signUpWith(t, c, map[string]any{"idType": "national_id", "idNumber": e2eIDNumber})
	if res := c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword}, bearer(u.session)...); res.Status != 201 {
		t.Fatalf("link card: %d %s", res.Status, res.raw)
	}
	v := signUpWith(t, c, nil)
	seen := len(stacktest.SMSTo(t, v.phone))
	sent := c.do("POST", "/v1/otp", map[string]string{"phone": v.phone, "purpose": "reset_login"})
	challengeID, _ := sent.Body["challengeId"].(string)
	code := waitCode(t, v.phone, seen)
	remember(code, e2eIDNumber, e2eCard)
	uID, vID := accountID(t, u.phone), accountID(t, v.phone)
	before := keyIDs(t, uID)
	if before["payment"] != "1" || before["id"] != "1" || before["card"] != "1" || before["answers"] != "1,1,1" {
		t.Fatalf("before the rotation every hash must name key 1: %v", before)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	if id, err := stack.RotatePepper(persist); err != nil || id != "2" {
		t.Fatalf("rotate: %q %v", id, err)
	}
	rotationStack(t, persist, logPath)
	c = newClient(t)

	// The code sent under the old key still verifies; the reset it allows works.
	res := c.do("POST", "/v1/otp/verify", map[string]string{"challengeId": challengeID, "code": code})
	token, _ := res.Body["verificationToken"].(string)
	if res.Status != 200 || token == "" {
		t.Fatalf("a code sent before the rotation: %d %s", res.Status, res.raw)
	}
	remember(token)
	if res := c.do("POST", "/v1/password-resets/login", map[string]any{"verificationToken": token, "newPassword": e2eNewPassword,
		"device": v.device}); res.Status != 204 {
		t.Fatalf("reset after the rotation: %d %s", res.Status, res.raw)
	}
	remember(e2eNewPassword)

	// Sign-in is unpeppered; paying verifies the payment password under key 1 and moves it.
	session := signInOn(t, c, u.phone, u.password, u.device)
	if res := c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(session)...); res.Status != 204 {
		t.Fatalf("pay after the rotation: %d %s", res.Status, res.raw)
	}
	if got := keyIDs(t, uID); got["payment"] != "2" || got["id"] != "1" || got["card"] != "1" || got["answers"] != "1,1,1" {
		t.Fatalf("after paying only the payment password may move: %v", got)
	}

	// Recovery without SMS checks the ID number, two answers and the card under key 1 and moves
	// exactly those; the third answer, unused, stays under key 1 and still verifies later.
	var answers []map[string]string
	var unused string
	for q, a := range u.answers {
		if len(answers) == 2 {
			unused = q
			continue
		}
		answers = append(answers, map[string]string{"questionId": q, "answer": a})
	}
	if res := c.do("POST", "/v1/password-resets/login/alternative", map[string]any{"phone": u.phone, "idNumber": e2eIDNumber,
		"securityAnswers": answers, "bankCardNumber": e2eCard, "newPassword": e2eNewPassword}); res.Status != 204 {
		t.Fatalf("recovery without SMS after the rotation: %d %s", res.Status, res.raw)
	}
	got := keyIDs(t, uID)
	if got["payment"] != "2" || got["id"] != "2" || got["card"] != "2" || strings.Count(got["answers"], "2") != 2 || got["answer:"+unused] != "1" {
		t.Fatalf("after recovery the used factors must be under key 2, the unused answer under key 1: %v", got)
	}
	signInOn(t, c, u.phone, e2eNewPassword, u.device)

	// The other account signs in with its reset password and pays; its hashes move too.
	vs := signInOn(t, c, v.phone, e2eNewPassword, v.device)
	if res := c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(vs)...); res.Status != 204 {
		t.Fatalf("the second account pays: %d %s", res.Status, res.raw)
	}
	if got := keyIDs(t, vID); got["payment"] != "2" || got["answers"] != "1,1,1" {
		t.Fatalf("second account: %v", got)
	}

	// A wrong payment password under the old key is still wrong: migration is not acceptance.
	w := signUpWith(t, c, nil)
	if res := c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": "000000"}, bearer(w.session)...); res.Status != 403 {
		t.Fatalf("a wrong payment password: %d %s", res.Status, res.raw)
	}
	if got := keyIDs(t, accountID(t, w.phone)); got["payment"] != "2" || got["answers"] != "2,2,2" {
		t.Fatalf("an account made after the rotation hashes under key 2: %v", got)
	}

	logs, err := os.ReadFile(logPath)
	if err != nil || !strings.Contains(string(logs), `"msg":"request"`) {
		t.Fatalf("no function log captured: %v", err)
	}
	for _, s := range []string{code, token, e2eIDNumber, e2eCard, e2ePaymentPassword, e2eNewPassword, u.password} {
		if stacktest.ContainsSecret(string(logs), s) {
			t.Errorf("a secret of the rotation test appears in the function logs")
		}
	}
	stacktest.AssertNotStored(t, stacktest.StackDynamo(t), stacktest.Config(t).Table, e2eIDNumber, e2eCard, e2ePaymentPassword, e2eNewPassword, code)
}

// accountID is the account a phone's claim names.
func accountID(t *testing.T, phone string) string {
	t.Helper()
	item := stacktest.GetItem(t, stacktest.StackDynamo(t), stacktest.Config(t).Table, "PHONE#"+phone, "PHONE")
	id, _ := item["accountId"].(string)
	if id == "" {
		t.Fatalf("no claim for %s", phone)
	}
	return id
}

// keyIDs reads which pepper key each of an account's keyed and peppered hashes names: payment,
// id, card (its one card), answers (in order, comma-separated) and answer:<question id>.
func keyIDs(t *testing.T, accountID string) map[string]string {
	t.Helper()
	db, table := stacktest.StackDynamo(t), stacktest.Config(t).Table
	out := map[string]string{}
	for _, item := range stacktest.Scan(t, db, table) {
		if item["PK"] != "ACCOUNT#"+accountID {
			continue
		}
		switch sk, _ := item["SK"].(string); {
		case sk == "ACCOUNT":
			out["payment"] = secret.HashKeyID(str(item["paymentHash"]))
		case sk == "ACCOUNT#PROFILE":
			if h, ok := item["idHash"].([]byte); ok {
				out["id"] = secret.FingerprintKeyID(h)
			}
		case sk == "ANSWERS":
			var ids []string
			list, _ := item["answers"].([]any)
			for _, a := range list {
				m, _ := a.(map[string]any)
				id := secret.HashKeyID(str(m["h"]))
				ids = append(ids, id)
				out["answer:"+str(m["q"])] = id
			}
			out["answers"] = strings.Join(ids, ",")
		case strings.HasPrefix(sk, "CARD#"):
			h, _ := item["cardHash"].([]byte)
			out["card"] = secret.FingerprintKeyID(h)
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }
