package reset_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// TestChangeLoginPassword: a stale session is asked for fresh proof; a wrong current password is
// counted and answered with the attempts left; the right one sets the new password, keeps this
// session, ends the others, writes password_changed and leaves the identity path open.
func TestChangeLoginPassword(t *testing.T) {
	e := flowtest.New(t, nil)
	svc := newService(e)
	ctx := context.Background()
	a := e.SignUp(t)
	sessions := session.NewService(e.Store, e.Hasher, e.Clock, rand.Reader, e.Cfg, e.Log)
	other, err := sessions.SignIn(ctx, session.SignInRequest{Phone: a.Phone, Password: a.Password,
		Device: session.DeviceInput{ID: "device-other-02", Name: "Tablet", Platform: "ios"}, VerificationToken: e.Token(t, a, account.PurposeLoginStepUp)})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken), FreshAt: e.Clock.Now().Add(-e.Cfg.RecentAuthWindow - time.Second)}
	req := reset.ChangeLoginRequest{CurrentPassword: a.Password, NewPassword: newPassword}
	wantCode(t, svc.ChangeLogin(ctx, p, req), account.CodeReauthRequired)

	p.FreshAt = e.Clock.Now()
	wrong := wantCode(t, svc.ChangeLogin(ctx, p, reset.ChangeLoginRequest{CurrentPassword: "not-the-password-7", NewPassword: newPassword}),
		account.CodeWrongPassword)
	if wrong.AttemptsRemaining == nil || *wrong.AttemptsRemaining != 4 {
		t.Fatalf("attempts left: %v", wrong.AttemptsRemaining)
	}
	wantCode(t, svc.ChangeLogin(ctx, p, reset.ChangeLoginRequest{CurrentPassword: a.Password, NewPassword: "password"}), account.CodePasswordTooWeak)

	if err := svc.ChangeLogin(ctx, p, req); err != nil {
		t.Fatal(err)
	}
	if !loginHashMatches(t, e, a, newPassword) {
		t.Fatal("the new password must be stored")
	}
	if _, err := sessions.Authenticate(ctx, a.SessionToken); err != nil {
		t.Fatalf("this session must stay: %v", err)
	}
	if _, err := sessions.Authenticate(ctx, other.SessionToken); !account.Is(err, account.CodeUnauthenticated) {
		t.Fatalf("the other sessions must end: %v", err)
	}
	changed := countItems(t, e, func(it map[string]any) bool {
		return it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventPasswordChanged
	})
	reset := countItems(t, e, func(it map[string]any) bool {
		return it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventPasswordReset
	})
	if changed != 1 || reset != 0 {
		t.Fatalf("events: %d password_changed, %d password_reset; want 1, 0", changed, reset)
	}
	acct, _ := e.Store.Account(ctx, a.ID)
	if acct == nil || !acct.PasswordResetAt.IsZero() {
		t.Fatal("a change must leave the phone change's identity path open (no passwordResetAt)")
	}
}

// TestChangePaymentPasswordAndAnswers: both need fresh proof and the payment password under its
// lock; the payment password changes (the old one fails, the new one verifies); the answers are
// replaced under signup's rules; each writes its event.
func TestChangePaymentPasswordAndAnswers(t *testing.T) {
	e := flowtest.New(t, nil)
	svc := newService(e)
	ctx := context.Background()
	a := e.SignUp(t)
	p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken), FreshAt: e.Clock.Now().Add(-e.Cfg.RecentAuthWindow - time.Second)}
	const newPIN = "481937"
	wantCode(t, svc.ChangePayment(ctx, p, reset.ChangePaymentRequest{CurrentPaymentPassword: a.PaymentPassword, NewPaymentPassword: newPIN}),
		account.CodeReauthRequired)
	p.FreshAt = e.Clock.Now()
	wrong := wantCode(t, svc.ChangePayment(ctx, p, reset.ChangePaymentRequest{CurrentPaymentPassword: "385016", NewPaymentPassword: newPIN}),
		account.CodeWrongPaymentPassword)
	if wrong.AttemptsRemaining == nil || *wrong.AttemptsRemaining != 4 {
		t.Fatalf("attempts left: %v", wrong.AttemptsRemaining)
	}
	if err := svc.ChangePayment(ctx, p, reset.ChangePaymentRequest{CurrentPaymentPassword: a.PaymentPassword, NewPaymentPassword: newPIN}); err != nil {
		t.Fatal(err)
	}
	verify := func(pin string) error { return svc.VerifyPayment(ctx, p, reset.VerifyRequest{PaymentPassword: pin}) }
	wantCode(t, verify(a.PaymentPassword), account.CodeWrongPaymentPassword)
	if err := verify(newPIN); err != nil {
		t.Fatalf("the new payment password: %v", err)
	}

	answers := []factor.Answer{{QuestionID: "first_school", Answer: "Hillside Primary"}, {QuestionID: "first_pet", Answer: "Biscuit"},
		{QuestionID: "childhood_street", Answer: a.Password}}
	wantCode(t, svc.ChangeAnswers(ctx, p, reset.ChangeAnswersRequest{PaymentPassword: newPIN, Answers: answers}), account.CodeInvalidQuestions)
	answers[2].Answer = "Oak Lane"
	wantCode(t, svc.ChangeAnswers(ctx, p, reset.ChangeAnswersRequest{PaymentPassword: a.PaymentPassword, Answers: answers}),
		account.CodeWrongPaymentPassword)
	if err := svc.ChangeAnswers(ctx, p, reset.ChangeAnswersRequest{PaymentPassword: newPIN, Answers: answers}); err != nil {
		t.Fatal(err)
	}
	st, _ := e.Store.Recovery(ctx, a.ID) // the account with its answers
	check := factor.NewChecker(e.Hasher, e.Cfg.Pepper).Of(st.Account)
	if !check.Answer("first_pet", "Biscuit") || check.Answer("first_pet", a.Answers["first_pet"]) {
		t.Fatal("the new answers must verify and the old ones not")
	}
	for _, typ := range []string{account.EventPaymentPasswordChanged, account.EventSecurityAnswersChanged} {
		if n := countItems(t, e, func(it map[string]any) bool { return it["PK"] == "ACCOUNT#"+a.ID && it["type"] == typ }); n != 1 {
			t.Errorf("%d %s events, want 1", n, typ)
		}
	}
}
