package reset_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
	"slices"
)

const newPassword = "amber-lantern-forty-7"

func newService(e *flowtest.Env) *reset.Service {
	return reset.NewService(e.Store, paypass.New(e.Store, e.Hasher, e.Clock, e.Cfg, e.Log), e.Hasher, strength.CheckLoginPassword,
		e.Clock, rand.Reader, e.Cfg, e.Log)
}

func knownDevice(a flowtest.Account) *session.DeviceInput {
	return &session.DeviceInput{ID: a.DeviceID, Name: "Test phone", Platform: "android", Secret: a.DeviceSecret}
}

func wantCode(t *testing.T, err error, code account.Code) *account.Error {
	t.Helper()
	e, ok := account.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return e
}

// loginHashMatches reports whether the stored login hash is of password.
func loginHashMatches(t *testing.T, e *flowtest.Env, a flowtest.Account, password string) bool {
	t.Helper()
	item := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	ok, _, err := e.Hasher.Verify(item["loginHash"].(string), password)
	return err == nil && ok
}

func countItems(t *testing.T, e *flowtest.Env, match func(map[string]any) bool) int {
	n := 0
	for _, item := range stacktest.Scan(t, e.DB, e.Table) {
		if match(item) {
			n++
		}
	}
	return n
}

func sessions(t *testing.T, e *flowtest.Env, a flowtest.Account) int {
	return countItems(t, e, func(it map[string]any) bool {
		return strings.HasPrefix(it["PK"].(string), "SESSION#") && it["accountId"] == a.ID
	})
}

func events(t *testing.T, e *flowtest.Env, a flowtest.Account, kind string) int {
	return countItems(t, e, func(it map[string]any) bool { return it["PK"] == "ACCOUNT#"+a.ID && it["type"] == kind })
}

func TestResetFromAKnownDevice(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e)
	token := e.Token(t, a, account.PurposeResetLogin)
	e.Calls.Reset()
	if err := svc.ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: newPassword, Device: knownDevice(a)}); err != nil {
		t.Fatal(err)
	}
	t.Logf("login reset: %d DynamoDB round trips (%s)", e.Calls.Total(), e.Calls)
	if n := e.Calls.Total(); n > 3 {
		t.Fatalf("login reset took %d round trips; budget 3", n)
	}
	if !loginHashMatches(t, e, a, newPassword) || loginHashMatches(t, e, a, a.Password) {
		t.Fatal("the new password must work and the old one must not")
	}
	if sessions(t, e, a) != 0 || events(t, e, a, account.EventPasswordReset) != 1 {
		t.Fatalf("sessions %d, events %d", sessions(t, e, a), events(t, e, a, account.EventPasswordReset))
	}
	err := svc.ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: "second-" + newPassword, Device: knownDevice(a)})
	wantCode(t, err, account.CodeInvalidToken)
}

func TestRiskyResetNeedsASecondFactor(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e)
	token := e.Token(t, a, account.PurposeResetLogin)
	req := reset.LoginRequest{VerificationToken: token, NewPassword: newPassword,
		Device: &session.DeviceInput{ID: "stranger-device-1", Name: "New phone", Platform: "ios"}}
	e1 := wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeSecondFactorRequired)
	if e1.QuestionID == "" || len(e1.Factors) != 1 || e1.Factors[0] != reset.FactorSecurityAnswer {
		t.Fatalf("the refusal must say which factors and which question: %+v", e1)
	}
	req.SecondFactor = &reset.Factor{QuestionID: e1.QuestionID, Answer: "wrong answer"}
	e2 := wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeInvalidSecondFactor)
	if e2.QuestionID != e1.QuestionID || e2.AttemptsRemaining == nil || *e2.AttemptsRemaining != 4 {
		t.Fatalf("after a wrong answer the same question is asked again: %+v", e2)
	}
	req.SecondFactor.Answer = "  " + a.Answers[e1.QuestionID] + " " // trimmed like at signup
	if err := svc.ResetLogin(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !loginHashMatches(t, e, a, newPassword) {
		t.Fatal("password not reset")
	}
}

func TestIDNumberIsASecondFactor(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	svc := newService(e)
	req := reset.LoginRequest{VerificationToken: e.Token(t, a, account.PurposeResetLogin), NewPassword: newPassword,
		SecondFactor: &reset.Factor{IDNumber: "110101 199003074514"}}
	if err := svc.ResetLogin(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	stacktest.AssertNotStored(t, e.DB, e.Table, append(a.Secrets(), newPassword)...)
}

func TestWrongSecondFactorsLockRecovery(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e)
	req := reset.LoginRequest{VerificationToken: e.Token(t, a, account.PurposeResetLogin), NewPassword: newPassword,
		SecondFactor: &reset.Factor{IDNumber: "000000000"}}
	for i := 0; i < 4; i++ {
		wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeInvalidSecondFactor)
	}
	locked := wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeLocked)
	if locked.RetryAfter <= 0 {
		t.Fatal("a lock says when to retry")
	}
	req.SecondFactor = nil
	req.Device = knownDevice(a)
	wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeLocked)
}

func TestTokensOfAnotherPurposeOrPhoneAreRefused(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	b := e.SignUp(t)
	svc := newService(e)
	for name, token := range map[string]string{
		"signup token":       e.Issuer.Token(t, flowtest.NewPhone(t), account.PurposeSignup),
		"freeze token":       e.Token(t, a, account.PurposeFreeze),
		"garbage":            "not-a-token",
		"another's, altered": e.Token(t, b, account.PurposeResetLogin)[:30] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		err := svc.ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: newPassword, Device: knownDevice(a)})
		if !account.Is(err, account.CodeInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConcurrentResetsWithOneTokenOneWins(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e)
	token := e.Token(t, a, account.PurposeResetLogin)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := svc.ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: newPassword, Device: knownDevice(a)})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if _, ok := account.As(err); !ok {
				t.Errorf("internal error: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || events(t, e, a, account.EventPasswordReset) != 1 {
		t.Fatalf("%d resets won, %d events", wins, events(t, e, a, account.EventPasswordReset))
	}
}

func freeze(t *testing.T, e *flowtest.Env, a flowtest.Account) {
	item := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	item["status"] = string(account.StatusFrozen)
	stacktest.PutItem(t, e.DB, e.Table, item)
}

// TestTheRefusalNamesOnlyTheFactorsOfTheAccount: an account with no ID number on file is not
// offered one, in the factors or in the words.
func TestTheRefusalNamesOnlyTheFactorsOfTheAccount(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	req := reset.LoginRequest{VerificationToken: e.Token(t, a, account.PurposeResetLogin), NewPassword: newPassword,
		Device: &session.DeviceInput{ID: "stranger-device-2", Name: "New phone", Platform: "ios"}}
	refusal := wantCode(t, newService(e).ResetLogin(context.Background(), req), account.CodeSecondFactorRequired)
	if strings.Contains(strings.ToLower(refusal.Message), "id number") || slices.Contains(refusal.Factors, reset.FactorIDNumber) {
		t.Fatalf("an account without an ID number is offered one: %+v", refusal)
	}
}

func TestResetWithASecondFactorUnfreezes(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	freeze(t, e, a)
	svc := newService(e)
	req := reset.LoginRequest{VerificationToken: e.Token(t, a, account.PurposeResetLogin), NewPassword: newPassword, Device: knownDevice(a)}
	refusal := wantCode(t, svc.ResetLogin(context.Background(), req), account.CodeSecondFactorRequired)
	req.SecondFactor = &reset.Factor{QuestionID: refusal.QuestionID, Answer: a.Answers[refusal.QuestionID]}
	if err := svc.ResetLogin(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if s := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ACCOUNT")["status"]; s != "active" {
		t.Fatalf("status %v after a reset with a second factor", s)
	}
}

// TestAFailedTransactionWritesNothing injects a failure into the reset's transaction: neither the
// new hash nor the event may be written, and the token still works afterwards.
func TestAFailedTransactionWritesNothing(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	token := e.Token(t, a, account.PurposeResetLogin)
	failOnce := &stacktest.FailOnce{Operation: "TransactWriteItems"}
	db := stacktest.StackDynamo(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, failOnce.Middleware) })
	store := dynamo.New(db, e.Table)
	broken := reset.NewService(store, paypass.New(store, e.Hasher, e.Clock, e.Cfg, e.Log), e.Hasher, strength.CheckLoginPassword,
		e.Clock, rand.Reader, e.Cfg, e.Log)
	err := broken.ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: newPassword, Device: knownDevice(a)})
	if err == nil || !failOnce.Failed() {
		t.Fatalf("the injected failure must fail the reset: %v", err)
	}
	if loginHashMatches(t, e, a, newPassword) || events(t, e, a, account.EventPasswordReset) != 0 || sessions(t, e, a) != 1 {
		t.Fatal("a failed reset must write nothing")
	}
	if err := newService(e).ResetLogin(context.Background(), reset.LoginRequest{VerificationToken: token, NewPassword: newPassword, Device: knownDevice(a)}); err != nil {
		t.Fatalf("the token must still work after a failed reset: %v", err)
	}
}
