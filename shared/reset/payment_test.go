package reset_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/token"
)

const newPIN = "481937"

func me(a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken)}
}

func paymentHashMatches(t *testing.T, e *flowtest.Env, a flowtest.Account, pin string) bool {
	item := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
	ok, _, err := e.Hasher.VerifyPeppered(item["paymentHash"].(string), pin)
	return err == nil && ok
}

func TestPaymentReset(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	svc := newService(e)
	req := reset.PaymentRequest{VerificationToken: e.Token(t, a, account.PurposeResetPayment), NewPaymentPassword: newPIN}
	wantCode(t, svc.ResetPayment(context.Background(), me(a), req), account.CodeInvalidSecondFactor) // ID on file
	req.IDNumber = "110101199003074514"
	req.NewPaymentPassword = "123456"
	wantCode(t, svc.ResetPayment(context.Background(), me(a), req), account.CodePaymentPasswordWeak)
	req.NewPaymentPassword = newPIN
	if err := svc.ResetPayment(context.Background(), me(a), req); err != nil {
		t.Fatal(err)
	}
	if !paymentHashMatches(t, e, a, newPIN) || paymentHashMatches(t, e, a, a.PaymentPassword) {
		t.Fatal("the new payment password must work and the old one must not")
	}
	if events(t, e, a, account.EventPaymentPasswordReset) != 1 || sessions(t, e, a) != 1 {
		t.Fatal("one event; the session that asked is kept")
	}
	wantCode(t, svc.ResetPayment(context.Background(), me(a), req), account.CodeInvalidToken) // spent
	other := e.SignUp(t)
	req.VerificationToken = e.Token(t, other, account.PurposeResetPayment)
	wantCode(t, svc.ResetPayment(context.Background(), me(a), req), account.CodeInvalidToken) // another's phone
}

func TestPaymentVerifyLocksAfterFiveFailuresForThreeHours(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e)
	verify := func(pin string) error {
		return svc.VerifyPayment(context.Background(), me(a), reset.VerifyRequest{PaymentPassword: pin})
	}
	e.Calls.Reset()
	if err := verify(a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	t.Logf("payment verify: %d DynamoDB round trips after the session read (%s)", e.Calls.Total(), e.Calls)
	if n := e.Calls.Total(); n > 2 {
		t.Fatalf("payment verify took %d round trips besides the session; budget 2", n)
	}
	for i := 0; i < 4; i++ {
		wantCode(t, verify("000000"), account.CodeWrongPaymentPassword)
	}
	wantCode(t, verify("000000"), account.CodeLocked)
	wantCode(t, verify(a.PaymentPassword), account.CodeLocked) // even the right one, during the lock
	e.Clock.Advance(3*time.Hour - time.Minute)
	wantCode(t, verify(a.PaymentPassword), account.CodeLocked)
	e.Clock.Advance(2 * time.Minute)
	if err := verify(a.PaymentPassword); err != nil {
		t.Fatalf("after 3 hours the lock is released: %v", err)
	}
}

func TestNighttimeNeedsAStepUpCode(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t)
	svc := newService(e).WithNighttime(func(account.Account, time.Time) bool { return true })
	req := reset.VerifyRequest{PaymentPassword: a.PaymentPassword}
	wantCode(t, svc.VerifyPayment(context.Background(), me(a), req), account.CodeStepUpRequired)
	req.VerificationToken = e.Token(t, a, account.PurposeLoginStepUp)
	if err := svc.VerifyPayment(context.Background(), me(a), req); err != nil {
		t.Fatal(err)
	}
}

// linkCard links a test card through the real card flow.
func linkCard(t *testing.T, e *flowtest.Env, a flowtest.Account, number string) {
	t.Helper()
	cards := card.NewService(e.Store, paypass.New(e.Store, e.Hasher, e.Clock, e.Cfg, e.Log), e.Cfg, e.Clock, rand.Reader, e.Log)
	if _, err := cards.Link(context.Background(), me(a), card.LinkRequest{CardNumber: number, PaymentPassword: a.PaymentPassword}); err != nil {
		t.Fatal(err)
	}
}

const testCard = "4111 1111 1111 1111"

func alternative(a flowtest.Account) reset.AlternativeRequest {
	return reset.AlternativeRequest{Phone: a.Phone, IDNumber: a.IDNumber, BankCardNumber: testCard, NewPassword: newPassword,
		Answers: []factor.Answer{{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}, {QuestionID: "childhood_street", Answer: a.Answers["childhood_street"]}}}
}

func TestResetWithoutSMS(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	linkCard(t, e, a, testCard)
	if err := newService(e).ResetLoginWithoutSMS(context.Background(), alternative(a)); err != nil {
		t.Fatal(err)
	}
	if !loginHashMatches(t, e, a, newPassword) || sessions(t, e, a) != 0 || events(t, e, a, account.EventPasswordReset) != 1 {
		t.Fatal("reset, sessions ended, event written")
	}
	stacktest.AssertNotStored(t, e.DB, e.Table, append(a.Secrets(), newPassword, "4111111111111111")...)
}

// TestWithoutSMSAnyWrongPartAnswersTheSame: every wrong part, and an unknown phone, gives the same
// code, status and message, so the answer does not reveal which factor failed; five lock it.
func TestWithoutSMSAnyWrongPartAnswersTheSame(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	linkCard(t, e, a, testCard)
	svc := newService(e)
	wrongs := []struct {
		name string
		edit func(*reset.AlternativeRequest)
	}{
		{"id number", func(r *reset.AlternativeRequest) { r.IDNumber = "110101199003074515" }},
		{"answer", func(r *reset.AlternativeRequest) { r.Answers[1].Answer = "Oak Road" }},
		{"card", func(r *reset.AlternativeRequest) { r.BankCardNumber = "5555 5555 5555 4444" }},
		{"not luhn", func(r *reset.AlternativeRequest) { r.BankCardNumber = "4111 1111 1111 1112" }},
	}
	var first *account.Error
	for _, w := range wrongs {
		req := alternative(a)
		w.edit(&req)
		e1 := wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), req), account.CodeRecoveryFailed)
		if first != nil && (e1.Message != first.Message || e1.Field != first.Field) {
			t.Errorf("%s: answer %+v differs from %+v", w.name, e1, first)
		}
		first = e1
	}
	unknown := alternative(a)
	unknown.Phone = flowtest.NewPhone(t)
	e2 := wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), unknown), account.CodeRecoveryFailed)
	if e2.Message != first.Message {
		t.Error("an unknown phone must answer like a wrong factor")
	}
	wrongAgain := alternative(a)
	wrongAgain.IDNumber = "x"
	wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), wrongAgain), account.CodeLocked)
	wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), alternative(a)), account.CodeLocked) // right, but locked
	if loginHashMatches(t, e, a, newPassword) {
		t.Fatal("no reset while locked")
	}
}

// TestWithoutSMSAnUnknownNumberCountsDownAndLocksLikeAKnownOne: repeated tries must not tell
// whether a number has an account, so an unknown number's answers count down and lock too.
func TestWithoutSMSAnUnknownNumberCountsDownAndLocksLikeAKnownOne(t *testing.T) {
	e := flowtest.New(t, nil)
	a := e.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	svc := newService(e)
	known, unknown := alternative(a), alternative(a)
	known.IDNumber = "x"
	unknown.Phone = flowtest.NewPhone(t)
	for i := 4; i >= 1; i-- {
		k := wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), known), account.CodeRecoveryFailed)
		u := wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), unknown), account.CodeRecoveryFailed)
		if k.AttemptsRemaining == nil || u.AttemptsRemaining == nil || *k.AttemptsRemaining != i || *u.AttemptsRemaining != i {
			t.Fatalf("attempts left: known %v, unknown %v, want %d", k.AttemptsRemaining, u.AttemptsRemaining, i)
		}
	}
	wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), known), account.CodeLocked)
	wantCode(t, svc.ResetLoginWithoutSMS(context.Background(), unknown), account.CodeLocked)
}
