package signup_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/otp/otptest"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/signup"
)

// cheap are argon2id parameters for tests; TestDefaultParamsHashes covers the real ones.
var cheap = secret.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type harness struct {
	svc    *signup.Service
	store  *dynamo.Store
	db     *dynamodb.Client
	table  string
	clock  *account.FixedClock
	issuer *otptest.Issuer
	calls  *stacktest.Calls
	cfg    config.Config
}

func newHarness(t *testing.T, params secret.Params) *harness {
	t.Helper()
	cfg := flowtest.Config(t, nil)
	h := &harness{clock: &account.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}, calls: &stacktest.Calls{}, cfg: cfg}
	h.db, h.table = stacktest.NewTable(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, h.calls.Middleware) })
	h.store = dynamo.New(h.db, h.table)
	h.issuer = otptest.NewIssuer(h.store, cfg, h.clock)
	h.svc = signup.NewService(h.store, secret.NewHasher(params, rand.Reader, cfg.Pepper), strength.CheckLoginPassword,
		h.clock, rand.Reader, cfg, slog.New(slog.DiscardHandler))
	return h
}

func mustPhone(t *testing.T, s string) account.Phone {
	t.Helper()
	n, err := phone.Parse(s, "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const (
	loginPassword   = "violet-harbor-seventy-2"
	paymentPassword = "295071"
)

func (h *harness) request(token string) signup.Request {
	return signup.Request{VerificationToken: token, LoginPassword: loginPassword, PaymentPassword: paymentPassword,
		AgreementVersion: h.cfg.AgreementVersion,
		SecurityAnswers: []signup.AnswerInput{{QuestionID: "first_school", Answer: "Riverside Primary"},
			{QuestionID: "first_pet", Answer: "Mochi"}, {QuestionID: "childhood_street", Answer: "Elm Road"}}}
}

// signup signs up with req. The raw body Signup takes is only hashed for the Idempotency-Key, so
// req's JSON encoding (Go's field names: Request has no JSON tags) stands in for it: equal
// requests give equal bodies, different ones different bodies.
func (h *harness) signup(req signup.Request, key string) (json.RawMessage, error) {
	body, _ := json.Marshal(req)
	return h.svc.Signup(context.Background(), req, body, key)
}

func accountID(t *testing.T, res json.RawMessage) string {
	t.Helper()
	var out signup.Result
	if err := json.Unmarshal(res, &out); err != nil || out.AccountID == "" || out.SessionToken == "" {
		t.Fatalf("signup result %s: %v", res, err)
	}
	return out.AccountID
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestSignupCreatesAccountClaimSessionAndDevice(t *testing.T) {
	h := newHarness(t, cheap)
	ph := mustPhone(t, "+86 138 0013 8000")
	req := h.request(h.issuer.Token(t, ph, account.PurposeSignup))
	req.Profile = &signup.ProfileInput{RealName: "Li Wei", Email: "Li.Wei@Example.com", IDType: "national_id", IDNumber: "110101199003074514"}
	res, err := h.signup(req, "")
	if err != nil {
		t.Fatal(err)
	}
	id := accountID(t, res)
	claim := stacktest.GetItem(t, h.db, h.table, "PHONE#"+ph.E164, "PHONE")
	email := stacktest.GetItem(t, h.db, h.table, "EMAIL#li.wei@example.com", "EMAIL")
	acct := stacktest.GetItem(t, h.db, h.table, "ACCOUNT#"+id, "ACCOUNT")
	if claim["accountId"] != id || email != nil || acct["status"] != "active" || acct["agreementVersion"] != h.cfg.AgreementVersion {
		t.Fatalf("claim %v email %v account %v", claim, email, acct)
	}
	// The email given at signup is unverified contact information: stored, claimed by nobody.
	if p := stacktest.GetItem(t, h.db, h.table, "ACCOUNT#"+id, "ACCOUNT#PROFILE"); p["email"] != "li.wei@example.com" || p["emailVerified"] != nil {
		t.Fatalf("profile %v: want the address unverified", p)
	}
	var events, sessions, devices int
	for _, item := range stacktest.Scan(t, h.db, h.table) {
		pk, sk := item["PK"].(string), item["SK"].(string)
		switch {
		case pk == "ACCOUNT#"+id && strings.HasPrefix(sk, "EVENT#"):
			events++ // the account's insert is its account_created: no event item
		case strings.HasPrefix(pk, "SESSION#") && item["accountId"] == id:
			sessions++
		case pk == "ACCOUNT#"+id && strings.HasPrefix(sk, "DEVICE#"):
			devices++
		case strings.HasPrefix(pk, "OTP#") && item["state"] == "verified":
			t.Fatal("the verification token must be spent")
		}
	}
	if events != 0 || sessions != 1 || devices != 1 {
		t.Fatalf("events %d sessions %d devices %d", events, sessions, devices)
	}
	stacktest.AssertNotStored(t, h.db, h.table, loginPassword, paymentPassword, "Riverside Primary", "Mochi", "Elm Road",
		"110101199003074514", req.VerificationToken, string(res))
}

func TestSignupRefusals(t *testing.T) {
	h := newHarness(t, cheap)
	ph := mustPhone(t, "+86 138 0013 8001")
	for _, tc := range []struct {
		name string
		edit func(*signup.Request)
		code account.Code
	}{
		{"weak password", func(r *signup.Request) { r.LoginPassword = "password123" }, account.CodePasswordTooWeak},
		{"short password", func(r *signup.Request) { r.LoginPassword = "abc123!" }, account.CodePasswordTooShort},
		{"phone in password", func(r *signup.Request) { r.LoginPassword = "x13800138001-violet" }, account.CodePasswordPersonalData},
		{"ascending payment password", func(r *signup.Request) { r.PaymentPassword = "123456" }, account.CodePaymentPasswordWeak},
		{"letters in payment password", func(r *signup.Request) { r.PaymentPassword = "12345a" }, account.CodePaymentPasswordInvalid},
		{"two questions", func(r *signup.Request) { r.SecurityAnswers = r.SecurityAnswers[:2] }, account.CodeInvalidQuestions},
		{"repeated question", func(r *signup.Request) { r.SecurityAnswers[2].QuestionID = "first_pet" }, account.CodeInvalidQuestions},
		{"empty answer", func(r *signup.Request) { r.SecurityAnswers[0].Answer = "   " }, account.CodeInvalidQuestions},
		{"answer is the login password", func(r *signup.Request) { r.SecurityAnswers[1].Answer = r.LoginPassword }, account.CodeInvalidQuestions},
		{"answer is the payment password", func(r *signup.Request) { r.SecurityAnswers[2].Answer = r.PaymentPassword }, account.CodeInvalidQuestions},
		{"answer holds the phone", func(r *signup.Request) { r.SecurityAnswers[0].Answer = "138 0013 8001" }, account.CodeInvalidQuestions},
		{"old agreement", func(r *signup.Request) { r.AgreementVersion = "2019-01" }, account.CodeInvalidField},
		{"bad email", func(r *signup.Request) { r.Profile = &signup.ProfileInput{Email: "not-an-email"} }, account.CodeInvalidField},
		{"token for another purpose", func(r *signup.Request) { r.VerificationToken = "" }, account.CodeMissingField},
		{"forged token", func(r *signup.Request) {
			r.VerificationToken = "01JZZZZZZZZZZZZZZZZZZZZZZZ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		}, account.CodeInvalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := h.request(h.issuer.Token(t, ph, account.PurposeSignup))
			tc.edit(&req)
			_, err := h.signup(req, "")
			wantCode(t, err, tc.code)
		})
	}
}

func TestTokenOfAnotherPurposeIsRefused(t *testing.T) {
	h := newHarness(t, cheap)
	ph := mustPhone(t, "+86 138 0013 8002")
	stacktest.PutItem(t, h.db, h.table, map[string]any{"PK": "PHONE#" + ph.E164, "SK": "PHONE", "accountId": "someone"})
	token := h.issuer.Token(t, ph, account.PurposeResetLogin)
	_, err := h.signup(h.request(token), "")
	wantCode(t, err, account.CodeInvalidToken)
}

// race runs n signups at once and counts the outcomes by code ("" for success).
func race(t *testing.T, n int, do func(i int) error) map[account.Code]int {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[account.Code]int{}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := do(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				out[""]++
				return
			}
			e, ok := account.As(err)
			if !ok {
				t.Errorf("internal error: %v", err)
				return
			}
			out[e.Code]++
		}()
	}
	wg.Wait()
	return out
}

func (h *harness) accounts(t *testing.T) int {
	n := 0
	for _, item := range stacktest.Scan(t, h.db, h.table) {
		if item["SK"] == "ACCOUNT" {
			n++
		}
	}
	return n
}

// items counts the table's items whose PK starts with prefix.
func (h *harness) items(t *testing.T, prefix string) int {
	n := 0
	for _, item := range stacktest.Scan(t, h.db, h.table) {
		if pk, _ := item["PK"].(string); strings.HasPrefix(pk, prefix) {
			n++
		}
	}
	return n
}

func TestConcurrentSignupsForOnePhoneMakeOneAccount(t *testing.T) {
	h := newHarness(t, cheap)
	ph := mustPhone(t, "+86 138 0013 8003")
	reqs := make([]signup.Request, 20)
	for i := range reqs {
		reqs[i] = h.request(h.issuer.Token(t, ph, account.PurposeSignup))
	}
	out := race(t, 20, func(i int) error { _, err := h.signup(reqs[i], ""); return err })
	if out[""] != 1 || out[account.CodePhoneTaken]+out[account.CodeConflict] != 19 || h.accounts(t) != 1 {
		t.Fatalf("outcomes %v, accounts %d", out, h.accounts(t))
	}
	if out[account.CodePhoneTaken] == 0 {
		t.Fatalf("the losers must be told phone_taken: %v", out)
	}
}

// TestSignupEmailClaimsNothing: an address given at signup is claimed by nobody, so a stranger
// who types someone's address at signup blocks nobody: twenty signups naming one address all
// succeed, and the address stays free for whoever proves it (POST /v1/account/email).
func TestSignupEmailClaimsNothing(t *testing.T) {
	h := newHarness(t, cheap)
	reqs := make([]signup.Request, 20)
	for i := range reqs {
		reqs[i] = h.request(h.issuer.Token(t, mustPhone(t, fmt.Sprintf("+86 139 0013 %04d", i)), account.PurposeSignup))
		reqs[i].Profile = &signup.ProfileInput{Email: "Same@Example.com"}
	}
	out := race(t, 20, func(i int) error { _, err := h.signup(reqs[i], ""); return err })
	if out[""] != 20 || h.accounts(t) != 20 || stacktest.GetItem(t, h.db, h.table, "EMAIL#same@example.com", "EMAIL") != nil {
		t.Fatalf("outcomes %v, accounts %d", out, h.accounts(t))
	}
}

func TestConcurrentUsesOfOneTokenMakeAtMostOneAccount(t *testing.T) {
	h := newHarness(t, cheap)
	req := h.request(h.issuer.Token(t, mustPhone(t, "+86 138 0013 8004"), account.PurposeSignup))
	out := race(t, 20, func(int) error { _, err := h.signup(req, ""); return err })
	if out[""] > 1 || h.accounts(t) > 1 {
		t.Fatalf("outcomes %v, accounts %d", out, h.accounts(t))
	}
}

func TestIdempotentRetryReturnsTheFirstAccount(t *testing.T) {
	h := newHarness(t, cheap)
	req := h.request(h.issuer.Token(t, mustPhone(t, "+86 138 0013 8005"), account.PurposeSignup))
	first, err := h.signup(req, "retry-key-0001")
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.signup(req, "retry-key-0001")
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if accountID(t, first) != accountID(t, again) || string(first) != string(again) || h.accounts(t) != 1 {
		t.Fatalf("first %s, retry %s, accounts %d", first, again, h.accounts(t))
	}
	other := req
	other.PaymentPassword = "295072"
	_, err = h.signup(other, "retry-key-0001")
	wantCode(t, err, account.CodeIdempotencyReuse)
	stacktest.AssertNotStored(t, h.db, h.table, string(first))
}

// The response of an idempotent signup is kept in the spent proof's place, not in an item of its
// own: a retry with the key replays it after the proof itself would have expired, a request with
// another key (or none) finds a proof already used, and the record keeps nothing of the proof.
func TestTheSpentProofKeepsTheResponseForADay(t *testing.T) {
	h := newHarness(t, cheap)
	tok := h.issuer.Token(t, mustPhone(t, "+86 138 0013 8009"), account.PurposeSignup)
	req := h.request(tok)
	first, err := h.signup(req, "kept-key-0003")
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(h.cfg.ProofTTL + time.Hour)
	if again, err := h.signup(req, "kept-key-0003"); err != nil || string(again) != string(first) {
		t.Fatalf("retry after the proof's expiry: %s, %v", again, err)
	}
	_, err = h.signup(req, "other-key-0004")
	wantCode(t, err, account.CodeInvalidToken)
	_, err = h.signup(req, "")
	wantCode(t, err, account.CodeInvalidToken)
	id, _ := otp.TokenChallengeID(tok)
	spent := stacktest.GetItem(t, h.db, h.table, "OTP#"+id, "OTP")
	for _, attr := range []string{"proofHash", "codeHash", "phone"} {
		if _, ok := spent[attr]; ok {
			t.Errorf("the spent proof still holds %s: %v", attr, spent)
		}
	}
	if spent["state"] != string(otp.StateSpent) || h.items(t, "IDEMPOTENCY#") != 0 {
		t.Fatalf("spent proof %v; idempotency items %d", spent, h.items(t, "IDEMPOTENCY#"))
	}
	h.clock.Advance(24 * time.Hour)
	_, err = h.signup(req, "kept-key-0003")
	wantCode(t, err, account.CodeInvalidToken)
}

func TestConcurrentIdempotentRetriesAgree(t *testing.T) {
	h := newHarness(t, cheap)
	req := h.request(h.issuer.Token(t, mustPhone(t, "+86 138 0013 8006"), account.PurposeSignup))
	var mu sync.Mutex
	bodies := map[string]int{}
	out := race(t, 10, func(int) error {
		res, err := h.signup(req, "same-key-0002")
		if err == nil {
			mu.Lock()
			bodies[string(res)]++
			mu.Unlock()
		}
		return err
	})
	if h.accounts(t) != 1 || len(bodies) != 1 {
		t.Fatalf("outcomes %v, distinct bodies %d, accounts %d", out, len(bodies), h.accounts(t))
	}
}

func TestRoundTripsSignup(t *testing.T) {
	h := newHarness(t, cheap)
	req := h.request(h.issuer.Token(t, mustPhone(t, "+86 138 0013 8007"), account.PurposeSignup))
	h.calls.Reset()
	if _, err := h.signup(req, "round-trip-key-1"); err != nil {
		t.Fatal(err)
	}
	t.Logf("signup: %d DynamoDB round trips (%s)", h.calls.Total(), h.calls)
	if n := h.calls.Total(); n > 2 {
		t.Fatalf("signup took %d round trips; budget 2", n)
	}
}

func TestDefaultParamsHashes(t *testing.T) {
	h := newHarness(t, secret.DefaultParams)
	res, err := h.signup(h.request(h.issuer.Token(t, mustPhone(t, "+86 138 0013 8008"), account.PurposeSignup)), "")
	if err != nil {
		t.Fatal(err)
	}
	acct := stacktest.GetItem(t, h.db, h.table, "ACCOUNT#"+accountID(t, res), "ACCOUNT")
	for attr, params := range map[string]string{"loginHash": "m=19456,t=2,p=1$", "paymentHash": "m=19456,t=2,p=1,keyid=1$"} {
		if h, _ := acct[attr].(string); !strings.HasPrefix(h, "$argon2id$v=19$"+params) {
			t.Errorf("%s = %q, want argon2id with OWASP parameters (and the pepper's key id when peppered)", attr, h)
		}
	}
}
