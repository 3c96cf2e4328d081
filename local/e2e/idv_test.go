package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/shared/idv"
)

// vendorAddr is where the test stack's IDV_WEBHOOK_URL points (Makefile TEST_ENV): the stand-in
// vendor this file's test listens on.
const vendorAddr = "127.0.0.1:38123"

// fakeVendor is the identity-verification vendor: it keeps each case the stack sends it whose
// signature is right, and answers 202.
type fakeVendor struct {
	mu    sync.Mutex
	cases []map[string]string
}

// vendor is the one stand-in vendor of the package: every test that opens a case shares it.
var vendor struct {
	once sync.Once
	v    *fakeVendor
	err  error
}

func startVendor(t *testing.T) *fakeVendor {
	t.Helper()
	vendor.once.Do(func() {
		ln, err := net.Listen("tcp", vendorAddr)
		if err != nil {
			vendor.err = err
			return
		}
		v := &fakeVendor{}
		srv := &http.Server{Handler: http.HandlerFunc(v.serve)}
		go func() { _ = srv.Serve(ln) }() // it serves until the test binary exits
		vendor.v = v
	})
	if vendor.err != nil {
		t.Fatalf("the stand-in vendor listens on %s: %v", vendorAddr, vendor.err)
	}
	return vendor.v
}

// serve keeps a case whose signature is right, and answers 202.
func (v *fakeVendor) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := idv.Check([]byte(stack.LocalIDVWebhookSecret), time.Now(), r.Header.Get(idv.HeaderTimestamp), r.Header.Get(idv.HeaderSignature), body); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var c map[string]string
	_ = json.Unmarshal(body, &c)
	v.mu.Lock()
	v.cases = append(v.cases, c)
	v.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (v *fakeVendor) last() map[string]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cases) == 0 {
		return nil
	}
	return v.cases[len(v.cases)-1]
}

// vendorCallback sends the vendor's decision, signed at at (or with sig when given).
func vendorCallback(c *client, body string, at time.Time, sig string) response {
	ts, good := idv.Sign([]byte(stack.LocalIDVWebhookSecret), at, []byte(body))
	if sig == "" {
		sig = good
	}
	return c.send("POST", "/v1/identity-verifications/callback", []byte(body), "Content-Type", "application/json",
		idv.HeaderTimestamp, ts, idv.HeaderSignature, sig)
}

func levelOf(t *testing.T, c *client, session string) string {
	t.Helper()
	res := c.do("GET", "/v1/account", nil, bearer(session)...)
	if res.Status != 200 || res.Body["level"] != res.Body["verificationLevel"] {
		t.Fatalf("account: %d %s", res.Status, res.raw)
	}
	return str(res.Body["level"])
}

// TestIdentityVerificationEndToEnd: by webhook, the case reaches the stand-in vendor signed,
// with its number (which is in no item and no log line); a bad signature is 401, a stale one
// 401, the vendor's approval with a face match raises the account to verified, the same
// delivery again is 409 replayed, a new delivery of the same decision changes nothing, an
// unknown case (signed) is 404. By manual review, customer service's SigV4 decision raises
// another account to real_name.
func TestIdentityVerificationEndToEnd(t *testing.T) {
	vendor := startVendor(t)
	c := newClient(t)
	u := signUpWith(t, c, nil)
	number := "E" + strings.ToUpper(planted("", 3)) + "7351"
	plant(number)
	open := map[string]string{"documentType": "passport", "documentNumber": number, "name": "Li Wei", "nationality": "CN"}
	res := c.do("POST", "/v1/identity-verifications", open, bearer(u.session)...)
	id := str(res.Body["verificationId"])
	if res.Status != 201 || res.Body["status"] != "pending" || res.Body["provider"] != "webhook" || res.Body["documentLast4"] != "7351" {
		t.Fatalf("open: %d %s", res.Status, res.raw)
	}
	sent := vendor.last()
	if sent["verificationId"] != id || sent["documentNumber"] != number || !strings.HasSuffix(sent["callbackUrl"], "/v1/identity-verifications/callback") {
		t.Fatalf("the vendor got %v", sent)
	}
	expectCode(t, "second case", c.do("POST", "/v1/identity-verifications", open, bearer(u.session)...), 409, "verification_open")

	approve := `{"verificationId":"` + id + `","decision":"approved","faceMatch":true}`
	now := time.Now()
	expectCode(t, "bad signature", vendorCallback(c, approve, now, "v1="+strings.Repeat("0", 64)), 401, "invalid_signature")
	expectCode(t, "stale", vendorCallback(c, approve, now.Add(-6*time.Minute), ""), 401, "signature_expired")
	ts, sig := idv.Sign([]byte(stack.LocalIDVWebhookSecret), now, []byte(approve))
	send := func() response {
		return c.send("POST", "/v1/identity-verifications/callback", []byte(approve), "Content-Type", "application/json",
			idv.HeaderTimestamp, ts, idv.HeaderSignature, sig)
	}
	if res := send(); res.Status != 200 || res.Body["status"] != "approved" || res.Body["level"] != "verified" {
		t.Fatalf("approve: %d %s", res.Status, res.raw)
	}
	expectCode(t, "replay", send(), 409, "replayed")
	if res := vendorCallback(c, approve, now.Add(time.Second), ""); res.Status != 200 || res.Body["status"] != "approved" {
		t.Fatalf("repeated: %d %s", res.Status, res.raw)
	}
	if got := levelOf(t, c, u.session); got != "verified" {
		t.Fatalf("level %s after the vendor's approval", got)
	}
	if evs := eventCount(t, u, "identity_verified"); evs != 1 {
		t.Fatalf("%d identity_verified events: a repeated callback must change nothing", evs)
	}
	expectCode(t, "unknown case", vendorCallback(c, `{"verificationId":"`+accountIDOf(t, u.phone)+`.01KAAAAAAAAAAAAAAAAAAAAAAA","decision":"approved"}`, now, ""), 404, "not_found")

	m := signUpWith(t, c, nil)
	res = c.do("POST", "/v1/identity-verifications", map[string]string{"documentType": "national_id", "documentNumber": number + "X",
		"name": "Wang Fang", "nationality": "CN"}, bearer(m.session)...)
	if res.Status != 201 {
		t.Fatalf("open: %d %s", res.Status, res.raw)
	}
	plant(number + "X")
	decided := newAgent(t).do("POST", "/internal/v1/identity-verifications/"+str(res.Body["verificationId"])+"/decision",
		map[string]any{"decision": "approve", "reason": "documents checked by hand", "caseId": "CS-2026-idv"})
	if decided.Status != 200 || decided.Body["level"] != "real_name" {
		t.Fatalf("manual approval: %d %s", decided.Status, decided.raw)
	}
	if got := levelOf(t, c, m.session); got != "real_name" {
		t.Fatalf("level %s after the manual approval", got)
	}
	if cur := c.do("GET", "/v1/identity-verifications/current", nil, bearer(m.session)...); cur.Status != 200 || cur.Body["status"] != "approved" {
		t.Fatalf("current: %d %s", cur.Status, cur.raw)
	}
}

// expectCode fails the test unless res has status and problem code.
func expectCode(t *testing.T, what string, res response, status int, code string) {
	t.Helper()
	if expect(t, what, res, status); res.Body["code"] != code {
		t.Fatalf("%s: code %v, want %s", what, res.Body["code"], code)
	}
}
