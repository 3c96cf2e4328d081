package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/stacktest"
)

// agent is a customer-service tool calling the internal API, signing each request with SigV4 as
// an AWS SDK does (or not, or wrongly, as a test says).
type agent struct {
	t     *testing.T
	base  string
	creds aws.Credentials
	at    func() time.Time // the signing time
	sign  bool
	http  *http.Client
}

// localARN is the principal the local stack's credentials sign as.
var localARN = "arn:aws:iam::" + stack.AccountID + ":user/" + stack.AccessKeyID

func newAgent(t *testing.T) *agent {
	t.Helper()
	st := stacktest.Config(t)
	if st.Internal == "" {
		t.Fatal("the stack serves no internal API (" + stack.EnvInternal + " unset)")
	}
	return &agent{t: t, base: st.Internal, creds: aws.Credentials{AccessKeyID: stack.AccessKeyID, SecretAccessKey: stack.SecretAccessKey},
		at: time.Now, sign: true, http: &http.Client{Timeout: 30 * time.Second}}
}

// do sends a request, signed unless a.sign is off, and validates the answer against
// openapi-internal.yaml.
func (a *agent) do(method, path string, body any) response {
	a.t.Helper()
	var buf []byte
	if body != nil {
		buf, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(buf))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.sign {
		sum := sha256.Sum256(buf)
		if err := v4.NewSigner().SignHTTP(context.Background(), a.creds, req, hex.EncodeToString(sum[:]), "execute-api", stack.Region, a.at()); err != nil {
			a.t.Fatal(err)
		}
	}
	res, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			a.t.Fatalf("%s %s: %d body is not JSON: %q", method, path, res.StatusCode, raw)
		}
	}
	validateAgainst(a.t, "../../openapi-internal.yaml", req, buf, res, raw)
	return out
}

// supportCase is a valid {reason, caseId}.
func supportCase(what string) map[string]any {
	return map[string]any{"reason": "holder called: " + what, "caseId": "CS-2026-" + what}
}

// accountIDOf is the id of the account that claims phone.
func accountIDOf(t *testing.T, phone string) string {
	t.Helper()
	st := stacktest.Config(t)
	return str(stacktest.GetItem(t, stacktest.StackDynamo(t), st.Table, "PHONE#"+phone, "PHONE")["accountId"])
}

// adminInvocations counts AdminFunction's invocations so far, from the functions' log.
func adminInvocations(t *testing.T) int {
	t.Helper()
	return strings.Count(stacktest.FunctionLogs(t), "[AdminFunction] START RequestId")
}

// auditItems reads the account's audit items from the table, oldest first.
func auditItems(t *testing.T, id string) []map[string]any {
	t.Helper()
	st := stacktest.Config(t)
	var out []map[string]any
	for _, it := range stacktest.Scan(t, stacktest.StackDynamo(t), st.Table) {
		if it["PK"] == "ACCOUNT#"+id && strings.HasPrefix(str(it["SK"]), "AUDIT#") {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(str(a["SK"]), str(b["SK"])) })
	return out
}

// TestInternalAPIEndToEnd: a SigV4-signed look-up by phone and by id, then each action —
// sign-out, freeze, unfreeze, flags set and cleared, close — succeeds, is audited with the
// signing principal, shows in the holder's activity, and freeze, unfreeze and close text the
// holder; a missing reason or case id is 400; close is refused while a flag is set.
func TestInternalAPIEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, map[string]any{"email": planted("agent.", 12) + "@example.com"}) // letters: no digit run a card check could take
	id := accountIDOf(t, u.phone)
	a := newAgent(t)

	found := a.do("GET", "/internal/v1/accounts?phone=%2B"+strings.TrimPrefix(u.phone, "+"), nil)
	list, _ := found.Body["accounts"].([]any)
	if found.Status != 200 || len(list) != 1 || list[0].(map[string]any)["accountId"] != id {
		t.Fatalf("find by phone: %d %s", found.Status, found.raw)
	}
	if strings.Contains(string(found.raw), u.phone) {
		t.Fatalf("the look-up shows the full number: %s", found.raw)
	}
	view := a.do("GET", "/internal/v1/accounts/"+id, nil)
	if view.Status != 200 || view.Body["status"] != "active" || len(view.Body["devices"].([]any)) != 1 ||
		!strings.Contains(str(view.Body["email"]), "***@example.com") {
		t.Fatalf("look-up: %d %s", view.Status, view.raw)
	}

	for _, bad := range []map[string]any{{"caseId": "CS-1"}, {"reason": "no case"}, {"reason": "bell\a", "caseId": "CS-1"},
		{"reason": "x", "caseId": "CS 1"}, {"reason": strings.Repeat("r", 501), "caseId": "CS-1"}} {
		if res := a.do("POST", "/internal/v1/accounts/"+id+"/freeze", bad); res.Status != 400 {
			t.Fatalf("freeze with %v: %d %s", bad, res.Status, res.raw)
		}
	}

	seen := len(stacktest.SMSTo(t, u.phone))
	steps := []struct {
		path   string
		body   map[string]any
		status string
		sms    string
	}{
		{"sign-out", supportCase("signout"), "active", ""},
		{"freeze", supportCase("freeze"), "frozen", "customer service froze"},
		{"unfreeze", supportCase("unfreeze"), "active", "customer service unfroze"},
		{"flags", merge(supportCase("flags"), map[string]any{"set": []string{"dispute", "balance"}}), "active", ""},
	}
	for _, s := range steps {
		res := a.do("POST", "/internal/v1/accounts/"+id+"/"+s.path, s.body)
		if res.Status != 200 || res.Body["status"] != s.status || res.Body["auditId"] == nil {
			t.Fatalf("%s: %d %s", s.path, res.Status, res.raw)
		}
		if s.sms != "" {
			waitAlert(t, u.phone, seen, s.sms)
		}
	}
	if res := c.do("GET", "/v1/account", nil, bearer(u.session)...); res.Status != 401 {
		t.Fatalf("the session outlived sign-out: %d %s", res.Status, res.raw)
	}
	if res := a.do("POST", "/internal/v1/accounts/"+id+"/unfreeze", supportCase("again")); res.Status != 409 || res.Body["code"] != "not_frozen" {
		t.Fatalf("unfreeze of an active account: %d %s", res.Status, res.raw)
	}
	if res := a.do("POST", "/internal/v1/accounts/"+id+"/close", supportCase("close")); res.Status != 409 || res.Body["code"] != "close_blocked" {
		t.Fatalf("close while flagged: %d %s", res.Status, res.raw)
	}
	res := a.do("POST", "/internal/v1/accounts/"+id+"/flags", merge(supportCase("unflag"), map[string]any{"clear": []string{"dispute", "balance"}}))
	if res.Status != 200 || len(res.Body["flags"].([]any)) != 0 {
		t.Fatalf("clear flags: %d %s", res.Status, res.raw)
	}
	if res := a.do("POST", "/internal/v1/accounts/"+id+"/close", supportCase("close")); res.Status != 200 || res.Body["status"] != "closed" {
		t.Fatalf("close: %d %s", res.Status, res.raw)
	}
	waitAlert(t, u.phone, seen, "customer service closed")

	trail := a.do("GET", "/internal/v1/accounts/"+id+"/audit", nil)
	entries, _ := trail.Body["entries"].([]any)
	var actions []string
	for _, e := range entries {
		m := e.(map[string]any)
		if m["principal"] != localARN || m["caseId"] == "" || m["reason"] == "" {
			t.Fatalf("audit entry %v: not the signer's, or without its case", m)
		}
		actions = append(actions, str(m["action"]))
	}
	if want := []string{"close", "flags", "flags", "unfreeze", "freeze", "sign_out"}; !slices.Equal(actions, want) {
		t.Fatalf("audit trail %v, want %v", actions, want)
	}
	checkAuditInvariant(t, id)

	st := stacktest.Config(t)
	db := stacktest.StackDynamo(t)
	acct := stacktest.GetItem(t, db, st.Table, "ACCOUNT#"+id, "ACCOUNT")
	if acct["status"] != "closed" || acct["closedReason"] != "support" || !strings.HasPrefix(str(acct["GSI1PK"]), "CLOSED#") {
		t.Fatalf("closed account not filed for account.closed: %v %v %v", acct["status"], acct["closedReason"], acct["GSI1PK"])
	}
	if claim := stacktest.GetItem(t, db, st.Table, "PHONE#"+u.phone, "PHONE"); claim != nil {
		t.Fatalf("the phone claim outlived the close: %v", claim)
	}
	events := map[string]int{}
	for _, it := range stacktest.Scan(t, db, st.Table) {
		if it["PK"] == "ACCOUNT#"+id && strings.HasPrefix(str(it["SK"]), "EVENT#") {
			events[str(it["type"])]++
		}
	}
	for typ, n := range map[string]int{"account_frozen": 1, "account_unfrozen": 1, "sessions_ended_by_support": 1, "flags_changed": 2, "account_closed": 1} {
		if events[typ] != n {
			t.Errorf("%d %s events, want %d", events[typ], typ, n)
		}
	}
}

// merge returns a's entries with b's.
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// checkAuditInvariant holds the table to the audit's promise for one account: every status change
// has exactly one audit (each audit's "before" is the "after" of the one before it, ordered by the
// account version each wrote, and versions do not repeat), and the latest audit's "after" is the
// account's status.
func checkAuditInvariant(t *testing.T, id string) {
	t.Helper()
	audits := auditItems(t, id)
	slices.SortFunc(audits, func(a, b map[string]any) int { return int(num(a["version"]) - num(b["version"])) })
	for i := 1; i < len(audits); i++ {
		prev, cur := audits[i-1], audits[i]
		if num(prev["version"]) == num(cur["version"]) {
			t.Fatalf("two audits wrote version %v", cur["version"])
		}
		if prev["statusAfter"] != cur["statusBefore"] {
			t.Fatalf("audit %v after %v: before %v, but the one before left %v", cur["SK"], prev["SK"], cur["statusBefore"], prev["statusAfter"])
		}
	}
	st := stacktest.Config(t)
	acct := stacktest.GetItem(t, stacktest.StackDynamo(t), st.Table, "ACCOUNT#"+id, "ACCOUNT")
	if len(audits) > 0 && audits[len(audits)-1]["statusAfter"] != acct["status"] {
		t.Fatalf("latest audit leaves %v, the account is %v", audits[len(audits)-1]["statusAfter"], acct["status"])
	}
}

func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	var i int64
	fmt.Sscan(fmt.Sprint(v), &i)
	return i
}

// TestInternalAPIRefusesWhatIsNotSignedByTheLocalCredentials: unsigned, wrongly signed (a wrong
// secret), stale-dated (six minutes old) and other-credential requests are 403, and no function
// runs for any of them.
func TestInternalAPIRefusesWhatIsNotSignedByTheLocalCredentials(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	id := accountIDOf(t, u.phone)
	before := adminInvocations(t)
	for name, tweak := range map[string]func(a *agent){
		"unsigned":     func(a *agent) { a.sign = false },
		"wrong secret": func(a *agent) { a.creds.SecretAccessKey = "not-the-local-secret" },
		"stale":        func(a *agent) { a.at = func() time.Time { return time.Now().Add(-6 * time.Minute) } },
		"other credentials": func(a *agent) {
			a.creds = aws.Credentials{AccessKeyID: "AKIAEXAMPLEOTHER0001", SecretAccessKey: "other"}
		},
	} {
		a := newAgent(t)
		tweak(a)
		for _, r := range []struct {
			method, path string
			body         any
		}{{"GET", "/internal/v1/accounts/" + id, nil}, {"POST", "/internal/v1/accounts/" + id + "/freeze", supportCase("refused")}} {
			if res := a.do(r.method, r.path, r.body); res.Status != 403 || res.Body["message"] != "Forbidden" {
				t.Fatalf("%s %s %s: %d %s", name, r.method, r.path, res.Status, res.raw)
			}
		}
	}
	if after := adminInvocations(t); after != before {
		t.Fatalf("AdminFunction ran %d times for refused requests", after-before)
	}
	if acct := stacktest.GetItem(t, stacktest.StackDynamo(t), stacktest.Config(t).Table, "ACCOUNT#"+id, "ACCOUNT"); acct["status"] != "active" {
		t.Fatalf("a refused request changed the account: %v", acct["status"])
	}
}

// TestTwoAgentsFreezingAndUnfreezingAtOnce: two agents send freezes and unfreezes of one account
// at once, many rounds; whatever wins, state and audit stay consistent (checkAuditInvariant), and
// exactly the 200s were audited.
func TestTwoAgentsFreezingAndUnfreezingAtOnce(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	id := accountIDOf(t, u.phone)
	var mu sync.Mutex
	ok := 0
	for round := range 6 {
		var wg sync.WaitGroup
		for i, action := range []string{"freeze", "unfreeze", "freeze", "unfreeze"} {
			wg.Go(func() {
				a := newAgent(t)
				res := a.do("POST", "/internal/v1/accounts/"+id+"/"+action, supportCase(fmt.Sprintf("race-%d-%d", round, i)))
				switch {
				case res.Status == 200:
					mu.Lock()
					ok++
					mu.Unlock()
				case res.Status == 409:
				default:
					t.Errorf("%s: %d %s", action, res.Status, res.raw)
				}
			})
		}
		wg.Wait()
	}
	if n := len(auditItems(t, id)); n != ok || ok == 0 {
		t.Fatalf("%d actions answered 200, %d audited", ok, n)
	}
	checkAuditInvariant(t, id)
}

// TestREADMECurlSigV4: the README's curl --aws-sigv4 command, run as written with the local
// credentials in the environment, is answered by the internal API (skipped without curl).
func TestREADMECurlSigV4(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	st := stacktest.Config(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = `curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`
	if !strings.Contains(string(readme), marker) {
		t.Fatalf("README shows no %s", marker)
	}
	u := signUpWith(t, newClient(t), nil)
	cmd := exec.Command("sh", "-c", marker+` "$BASE/internal/v1/accounts?phone=%2B`+strings.TrimPrefix(u.phone, "+")+`"`)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+stack.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+stack.SecretAccessKey, "BASE="+st.Internal)
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), accountIDOf(t, u.phone)) {
		t.Fatalf("curl: %v %s", err, out)
	}
	// The payments section's authorization, as written there: --json after the signing flags.
	cmd = exec.Command("sh", "-c", marker+` --json '{"accountId":"`+accountIDOf(t, u.phone)+`","amount":"128.50","currency":"CNY",`+
		`"payee":{"id":"shop-7","name":"Harbour Electronics"},"idempotencyKey":"order-1"}' "$BASE/internal/v1/payment-authorizations"`)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+stack.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+stack.SecretAccessKey, "BASE="+st.Internal)
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), `"decision":"confirmation_required"`) {
		t.Fatalf("curl authorize: %v %s", err, out)
	}
}
