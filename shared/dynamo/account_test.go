package dynamo_test

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// zeroable are the account item's counters and times that are absent while zero.
var zeroable = []string{"loginFailures", "loginLockedUntil", "loginLockLevel", "loginLastLockAt", "payFailures",
	"payWindowStart", "payLockedUntil", "phoneChangedAt", "passwordResetAt", "recFailures", "recLockedUntil",
	"recLockLevel", "recLastLockAt"}

// TestAccountItemLeavesOutAnswersAndZeros: the account item of a new account carries neither the
// answers (they are in ACCOUNT#<id>|ANSWERS), nor the profile (ACCOUNT#<id>|ACCOUNT#PROFILE), nor
// zero counters; after the answers are changed,
// an answer-checking recovery takes the new answer and not the old one, and the reset that
// clears the recovery failure it counted leaves no zero behind either.
func TestAccountItemLeavesOutAnswersAndZeros(t *testing.T) {
	e := flowtest.New(t, nil)
	ctx := context.Background()
	a := e.SignUp(t, flowtest.WithContactEmail("li.wei@example.com"))
	noZeros := func(when string, set ...string) {
		t.Helper()
		item := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ACCOUNT")
		for _, name := range []string{"answers", "profile"} {
			if _, ok := item[name]; ok {
				t.Errorf("%s: the account item holds the %s", when, name)
			}
		}
		for _, name := range zeroable {
			if v, ok := item[name]; ok && !slices.Contains(set, name) {
				t.Errorf("%s: the account item has %s = %v", when, name, v)
			}
		}
	}
	noZeros("at signup")
	if list, _ := stacktest.GetItem(t, e.DB, e.Table, "ACCOUNT#"+a.ID, "ANSWERS")["answers"].([]any); len(list) != 3 {
		t.Fatalf("the answers item holds %d answers, want 3", len(list))
	}
	got, err := e.Store.Account(ctx, a.ID)
	if err != nil || got == nil {
		t.Fatalf("read the account: %v", err)
	}
	if got.Profile.Email != "li.wei@example.com" {
		t.Fatalf("the account read without its profile: %+v", got.Profile)
	}

	svc := reset.NewService(e.Store, paypass.New(e.Store, e.Hasher, e.Clock, e.Cfg, e.Log), e.Hasher, strength.CheckLoginPassword,
		e.Clock, rand.Reader, e.Cfg, e.Log)
	p := account.Principal{AccountID: a.ID, SessionHash: token.Hash(a.SessionToken), FreshAt: e.Clock.Now()}
	next := map[string]string{"first_school": "Hillside Primary", "first_pet": "Biscuit", "childhood_street": "Oak Lane"}
	var answers []factor.Answer
	for q, ans := range next {
		answers = append(answers, factor.Answer{QuestionID: q, Answer: ans})
	}
	if err := svc.ChangeAnswers(ctx, p, reset.ChangeAnswersRequest{PaymentPassword: a.PaymentPassword, Answers: answers}); err != nil {
		t.Fatal(err)
	}
	noZeros("after the answers' change, which admitted the payment password")

	req := reset.LoginRequest{VerificationToken: e.Token(t, a, account.PurposeResetLogin), NewPassword: "cobalt-harbor-ninety-3",
		Device: &session.DeviceInput{ID: "stranger-device-9", Name: "New phone", Platform: "ios"}}
	refused := svc.ResetLogin(ctx, req)
	asked, ok := account.As(refused)
	if !ok || asked.Code != account.CodeSecondFactorRequired || next[asked.QuestionID] == "" {
		t.Fatalf("want a security question asked: %v", refused)
	}
	req.SecondFactor = &reset.Factor{QuestionID: asked.QuestionID, Answer: a.Answers[asked.QuestionID]}
	if err := svc.ResetLogin(ctx, req); !account.Is(err, account.CodeInvalidSecondFactor) {
		t.Fatalf("the old answer: %v, want invalid_second_factor", err)
	}
	req.SecondFactor.Answer = next[asked.QuestionID]
	if err := svc.ResetLogin(ctx, req); err != nil {
		t.Fatalf("the new answer: %v", err)
	}
	noZeros("after the reset, which records when it was", "passwordResetAt")
}
