package freeze_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/session"
	tokens "github.com/wallet-accounts/wallet/shared/token"
)

var ctx = context.Background()

type harness struct {
	*flowtest.Env
	svc      *freeze.Service
	sessions *session.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := flowtest.New(t, nil)
	return &harness{Env: env, svc: freeze.NewService(env.Store, env.Clock, rand.Reader, env.Log),
		sessions: session.NewService(env.Store, env.Hasher, env.Clock, rand.Reader, env.Cfg, env.Log)}
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

var tablet = session.DeviceInput{ID: "device-tablet-02", Name: "Tablet", Platform: "ios"}

func (h *harness) signIn(a flowtest.Account, dev session.DeviceInput, token string) (session.SignInResult, error) {
	return h.sessions.SignIn(ctx, session.SignInRequest{Phone: a.Phone, Password: a.Password, Device: dev, VerificationToken: token})
}

// events counts the account's events of a type.
func (h *harness) events(t *testing.T, a flowtest.Account, typ string) int {
	t.Helper()
	n := 0
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == typ {
			n++
		}
	}
	return n
}

func TestFreezeFromASessionEndsEverySession(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	second, err := h.signIn(a, tablet, h.Token(t, a, account.PurposeLoginStepUp))
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.sessions.Authenticate(ctx, a.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	h.Calls.Reset()
	res, err := h.svc.Freeze(ctx, freeze.Request{Principal: &p})
	if err != nil || res.Status != account.StatusFrozen {
		t.Fatalf("freeze: %+v %v", res, err)
	}
	t.Logf("freeze after the session's read: %d round trips (%s)", h.Calls.Count("DynamoDB"), h.Calls)
	for _, token := range []string{a.SessionToken, second.SessionToken} {
		_, err := h.sessions.Authenticate(ctx, token)
		wantCode(t, err, account.CodeUnauthenticated)
	}
	if n := h.events(t, a, account.EventAccountFrozen); n != 1 {
		t.Fatalf("%d account_frozen events", n)
	}
	// Sign-in: refused as frozen only after the right password.
	_, err = h.signIn(a, tablet, "")
	wantCode(t, err, account.CodeAccountFrozen)
	_, err = h.sessions.SignIn(ctx, session.SignInRequest{Phone: a.Phone, Password: "not-the-password", Device: tablet})
	wantCode(t, err, account.CodeInvalidCredentials)
	acct, _ := h.Store.Account(ctx, a.ID)
	wantCode(t, paypass.New(h.Store, h.Hasher, h.Clock, h.Cfg, h.Log).Check(ctx, *acct, a.PaymentPassword), account.CodeAccountFrozen)

	// Freezing again succeeds and writes nothing new.
	res, err = h.svc.Freeze(ctx, freeze.Request{VerificationToken: h.Token(t, a, account.PurposeFreeze)})
	if err != nil || res.Status != account.StatusFrozen {
		t.Fatalf("freeze again: %+v %v", res, err)
	}
	if n := h.events(t, a, account.EventAccountFrozen); n != 1 {
		t.Fatalf("%d account_frozen events after freezing twice", n)
	}
}

func TestFreezeWithACode(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	_, err := h.svc.Freeze(ctx, freeze.Request{VerificationToken: h.Token(t, a, account.PurposeLoginStepUp)})
	wantCode(t, err, account.CodeInvalidToken) // another purpose
	token := h.Token(t, a, account.PurposeFreeze)
	h.Calls.Reset()
	if _, err := h.svc.Freeze(ctx, freeze.Request{VerificationToken: token}); err != nil {
		t.Fatal(err)
	}
	t.Logf("freeze with a code: %d round trips (%s)", h.Calls.Count("DynamoDB"), h.Calls)
	_, err = h.sessions.Authenticate(ctx, a.SessionToken)
	wantCode(t, err, account.CodeUnauthenticated)
	id, _ := otp.TokenChallengeID(token)
	if item := stacktest.GetItem(t, h.DB, h.Table, "OTP#"+id, "OTP"); item != nil {
		t.Fatal("the proof was not spent")
	}
	stacktest.AssertNotStored(t, h.DB, h.Table, append(a.Secrets(), token)...)
}

func TestFreezeWithAnAlertToken(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	token, hash, err := tokens.NewFreeze(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Store.PutFreezeToken(ctx, a.ID, hash, h.Clock.Now().Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	expired, expiredHash, _ := tokens.NewFreeze(rand.Reader)
	if err := h.Store.PutFreezeToken(ctx, a.ID, expiredHash, h.Clock.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	altered := token[:tokens.FreezeLen-1] + "A"
	if altered == token { // the real token may end in "A" already
		altered = token[:tokens.FreezeLen-1] + "B"
	}
	for _, bad := range []string{expired, "not-a-token", altered, strings.Repeat("A", tokens.FreezeLen), strings.Repeat("A", 43), token + "A", token[1:]} {
		_, err := h.svc.Freeze(ctx, freeze.Request{FreezeToken: bad})
		wantCode(t, err, account.CodeInvalidFreezeToken)
	}
	if _, err := h.svc.Freeze(ctx, freeze.Request{FreezeToken: token}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Freeze(ctx, freeze.Request{FreezeToken: token})
	wantCode(t, err, account.CodeInvalidFreezeToken) // one time
	stacktest.AssertNotStored(t, h.DB, h.Table, token)
}

// TestAFreezeCredentialAnswersOnce: ten parallel uses of one freeze token, or of one freeze
// code's token, freeze the account once and get one 200 between them; every other use gets the
// answer of a spent token.
func TestAFreezeCredentialAnswersOnce(t *testing.T) {
	h := newHarness(t)
	for _, kind := range []string{"freeze token", "freeze code"} {
		a := h.SignUp(t)
		req, spent := freeze.Request{}, account.CodeInvalidFreezeToken
		if kind == "freeze code" {
			req.VerificationToken, spent = h.Token(t, a, account.PurposeFreeze), account.CodeInvalidToken
		} else {
			tok, hash, err := tokens.New(rand.Reader) // the long form alert links had before NewFreeze: they work until they expire
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Store.PutFreezeToken(ctx, a.ID, hash, h.Clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			req.FreezeToken = tok
		}
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = h.svc.Freeze(ctx, req)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !account.Is(err, spent):
				t.Errorf("%s: %v, want %s", kind, err, spent)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d uses answered 200, want exactly 1", kind, ok)
		}
	}
}

func TestFreezeNeedsExactlyOneCredential(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.Freeze(ctx, freeze.Request{})
	wantCode(t, err, account.CodeUnauthenticated)
	_, err = h.svc.Freeze(ctx, freeze.Request{Principal: &account.Principal{AccountID: "x"}, FreezeToken: "y"})
	wantCode(t, err, account.CodeInvalidField)
}

// TestFreezeRacingSignInsLeavesNoSession: sign-ins that commit before the freeze have their
// sessions ended by it; those after it are refused.
func TestFreezeRacingSignInsLeavesNoSession(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	dev := session.DeviceInput{ID: a.DeviceID, Name: "Test phone", Platform: "android", Secret: a.DeviceSecret}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.signIn(a, dev, ""); err != nil && !account.Is(err, account.CodeAccountFrozen) && !account.Is(err, account.CodeConflict) {
				t.Errorf("sign in: %v", err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := h.svc.Freeze(ctx, freeze.Request{VerificationToken: h.Token(t, a, account.PurposeFreeze)}); err != nil {
			t.Errorf("freeze: %v", err)
		}
	}()
	wg.Wait()
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if strings.HasPrefix(it["PK"].(string), "SESSION#") && it["accountId"] == a.ID {
			t.Fatalf("a session outlived the freeze: %v", it["deviceId"])
		}
	}
}
