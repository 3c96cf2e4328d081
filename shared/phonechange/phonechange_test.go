package phonechange_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/secret"
	tokens "github.com/wallet-accounts/wallet/shared/token"
)

type harness struct {
	*flowtest.Env
	svc *phonechange.Service
}

func newHarness(t *testing.T) *harness {
	e := flowtest.New(t, nil)
	return &harness{Env: e, svc: phonechange.NewService(e.Store, e.Hasher, e.Clock, rand.Reader, e.Cfg, e.Log)}
}

func principal(a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, SessionHash: tokens.Hash(a.SessionToken)}
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// startOld opens a change on the old-phone path.
func (h *harness) startOld(t *testing.T, a flowtest.Account) string {
	t.Helper()
	res, err := h.svc.Start(context.Background(), principal(a), phonechange.StartRequest{LoginPassword: a.Password,
		OldPhoneToken: h.Token(t, a, account.PurposePhoneChangeOld)})
	if err != nil {
		t.Fatal(err)
	}
	return res.ChangeID
}

// startIdentity opens a change on the identity path.
func (h *harness) startIdentity(t *testing.T, a flowtest.Account) (string, error) {
	t.Helper()
	res, err := h.svc.Start(context.Background(), principal(a), phonechange.StartRequest{LoginPassword: a.Password,
		Identity: &phonechange.Identity{IDNumber: a.IDNumber, PaymentPassword: a.PaymentPassword,
			SecurityAnswers: []factor.Answer{{QuestionID: "first_pet", Answer: a.Answers["first_pet"]}, {QuestionID: "first_school", Answer: a.Answers["first_school"]}}}})
	return res.ChangeID, err
}

// newToken gets a phone_change_new token for number, asked from a's session for the change.
func (h *harness) newToken(a flowtest.Account, number account.Phone, changeID string) (string, error) {
	return h.Issuer.TokenFor(otp.SendRequest{Phone: number, Purpose: account.PurposePhoneChangeNew,
		SessionHash: tokens.Hash(a.SessionToken), ChangeID: changeID})
}

func (h *harness) confirm(a flowtest.Account, changeID, token string) (phonechange.ConfirmResult, error) {
	return h.svc.Confirm(context.Background(), a.SessionToken, changeID, token)
}

func (h *harness) claimOf(t *testing.T, e164 string) any {
	return stacktest.GetItem(t, h.DB, h.Table, "PHONE#"+e164, "PHONE")["accountId"]
}

func (h *harness) phoneOf(t *testing.T, a flowtest.Account) any {
	return stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT")["phone"]
}

// consistent checks claims and accounts agree across the whole table: every account's phone is
// claimed by it, and every claim points at an account with that phone.
func (h *harness) consistent(t *testing.T) {
	t.Helper()
	items := stacktest.Scan(t, h.DB, h.Table)
	phones, claims := map[string]string{}, map[string]string{}
	for _, it := range items {
		switch {
		case it["SK"] == "ACCOUNT" && it["status"] != "closed":
			phones[it["accountId"].(string)] = it["phone"].(string)
		case it["SK"] == "PHONE":
			claims[strings.TrimPrefix(it["PK"].(string), "PHONE#")] = it["accountId"].(string)
		}
	}
	for id, p := range phones {
		if claims[p] != id {
			t.Errorf("account %s has phone %s but the claim says %q", id, p, claims[p])
		}
	}
	for p, id := range claims {
		if phones[id] != p {
			t.Errorf("claim %s points at %s whose phone is %q", p, id, phones[id])
		}
	}
}

func TestOldPhonePathCompletesAtOnce(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	id := h.startOld(t, a)
	newPhone := flowtest.NewPhone(t)
	token, err := h.newToken(a, newPhone, id)
	if err != nil {
		t.Fatal(err)
	}
	h.Calls.Reset()
	res, err := h.confirm(a, id, token)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("phone-change confirm: %d DynamoDB round trips (%s)", h.Calls.Total(), h.Calls)
	if n := h.Calls.Total(); n > 3 {
		t.Fatalf("confirm took %d round trips; budget 3", n)
	}
	if res.Status != "completed" || h.phoneOf(t, a) != newPhone.E164 || h.claimOf(t, newPhone.E164) != a.ID || h.claimOf(t, a.Phone.E164) != nil {
		t.Fatalf("result %+v, phone %v", res, h.phoneOf(t, a))
	}
	h.consistent(t)
	if _, err := h.confirm(a, id, token); err == nil {
		t.Fatal("a completed change cannot be confirmed again")
	}
	// The old number is free: it can sign up a new account, and reset codes to it send nothing.
	h.SignUp(t, flowtest.WithPhone(a.Phone))
	h.consistent(t)
}

func TestNewNumberCodeRules(t *testing.T) {
	h := newHarness(t)
	a, b := h.SignUp(t), h.SignUp(t)
	id := h.startOld(t, a)
	_, err := h.newToken(a, b.Phone, id)
	wantCode(t, err, account.CodePhoneTaken)
	_, err = h.newToken(b, flowtest.NewPhone(t), id) // another account's session
	wantCode(t, err, account.CodeNotFound)
	_, err = h.Issuer.TokenFor(otp.SendRequest{Phone: flowtest.NewPhone(t), Purpose: account.PurposePhoneChangeNew, ChangeID: id})
	wantCode(t, err, account.CodeUnauthenticated)
	h.Clock.Advance(h.Cfg.PhoneChangeTTL)
	_, err = h.newToken(a, flowtest.NewPhone(t), id)
	wantCode(t, err, account.CodeNotFound)
}

func TestSessionAloneIsNotEnough(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	_, err := h.svc.Start(context.Background(), principal(a), phonechange.StartRequest{LoginPassword: a.Password})
	wantCode(t, err, account.CodeMissingField)
	_, err = h.svc.Start(context.Background(), principal(a), phonechange.StartRequest{LoginPassword: "wrong-password-1",
		OldPhoneToken: h.Token(t, a, account.PurposePhoneChangeOld)})
	wantCode(t, err, account.CodeInvalidCredentials)
	_, err = h.svc.Start(context.Background(), principal(a), phonechange.StartRequest{LoginPassword: a.Password,
		OldPhoneToken: h.Token(t, a, account.PurposeResetLogin)})
	wantCode(t, err, account.CodeInvalidCredentials)
}

func TestIdentityPathHoldsThenApplies(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	id, err := h.startIdentity(t, a)
	if err != nil {
		t.Fatal(err)
	}
	newPhone := flowtest.NewPhone(t)
	token, err := h.newToken(a, newPhone, id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.confirm(a, id, token)
	if err != nil || res.Status != "pending" {
		t.Fatalf("%+v %v", res, err)
	}
	if h.phoneOf(t, a) != a.Phone.E164 {
		t.Fatal("the old number stays bound during the hold")
	}
	h.Clock.Advance(23 * time.Hour)
	if res, err := h.confirm(a, id, ""); err != nil || res.Status != "pending" {
		t.Fatalf("before the hold ends: %+v %v", res, err)
	}
	h.Clock.Advance(time.Hour)
	if res, err := h.confirm(a, id, ""); err != nil || res.Status != "completed" {
		t.Fatalf("after the hold: %+v %v", res, err)
	}
	if h.phoneOf(t, a) != newPhone.E164 {
		t.Fatal("phone not changed")
	}
	h.consistent(t)
}

func TestOldNumberCancelsDuringTheHold(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	id, err := h.startIdentity(t, a)
	if err != nil {
		t.Fatal(err)
	}
	token, err := h.newToken(a, flowtest.NewPhone(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.confirm(a, id, token); err != nil {
		t.Fatal(err)
	}
	// The real owner, with the old phone but not the device: a code, no session.
	err = h.svc.Cancel(context.Background(), phonechange.CancelRequest{ChangeID: id, OldPhoneToken: h.Token(t, a, account.PurposePhoneChangeOld)})
	if err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(25 * time.Hour)
	_, err = h.confirm(a, id, "")
	wantCode(t, err, account.CodeConflict)
	if h.phoneOf(t, a) != a.Phone.E164 {
		t.Fatal("a cancelled change must not apply")
	}
}

func TestConcurrentConfirmsOfOneNumberOneWins(t *testing.T) {
	h := newHarness(t)
	contested := flowtest.NewPhone(t)
	type attempt struct {
		a      flowtest.Account
		id, tk string
	}
	var attempts []attempt
	for i := 0; i < 2; i++ {
		a := h.SignUp(t)
		id := h.startOld(t, a)
		tk, err := h.newToken(a, contested, id)
		if err != nil {
			t.Fatal(err)
		}
		attempts = append(attempts, attempt{a, id, tk})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(attempts))
	for i, at := range attempts {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = h.confirm(at.a, at.id, at.tk) }()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if !account.Is(err, account.CodePhoneTaken) && !account.Is(err, account.CodeConflict) {
			t.Errorf("loser: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d confirms won: %v", wins, errs)
	}
	h.consistent(t)
}

func TestAFailedConfirmLeavesTheOldNumberBound(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	id := h.startOld(t, a)
	token, err := h.newToken(a, flowtest.NewPhone(t), id)
	if err != nil {
		t.Fatal(err)
	}
	fail := &stacktest.FailOnce{Operation: "TransactWriteItems"}
	db := stacktest.StackDynamo(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, fail.Middleware) })
	broken := phonechange.NewService(dynamo.New(db, h.Table), h.Hasher, h.Clock, rand.Reader, h.Cfg, h.Log)
	if _, err := broken.Confirm(context.Background(), a.SessionToken, id, token); err == nil {
		t.Fatal("the injected failure must fail the confirm")
	}
	if h.phoneOf(t, a) != a.Phone.E164 || h.claimOf(t, a.Phone.E164) != a.ID {
		t.Fatal("the old number must stay bound")
	}
	h.consistent(t)
	if res, err := h.confirm(a, id, token); err != nil || res.Status != "completed" {
		t.Fatalf("a retry must succeed: %+v %v", res, err)
	}
}

func TestOneChangePerThirtyDaysAndNoIdentityPathAfterAReset(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	id := h.startOld(t, a)
	token, _ := h.newToken(a, flowtest.NewPhone(t), id)
	if _, err := h.confirm(a, id, token); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(29 * 24 * time.Hour)
	_, err := h.startIdentity(t, a)
	wantCode(t, err, account.CodeRateLimited)

	b := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	item := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+b.ID, "ACCOUNT")
	item["passwordResetAt"] = h.Clock.Now().Add(-23 * time.Hour).UnixMilli()
	stacktest.PutItem(t, h.DB, h.Table, item)
	_, err = h.startIdentity(t, b)
	wantCode(t, err, account.CodeIdentityPathClosed)
	h.startOld(t, b) // the old phone still works
}

// TestTheSweepAppliesDueHolds: the closure job's sweep completes held changes whose hold has
// passed, keeps the confirming device signed in, and leaves the others alone.
func TestTheSweepAppliesDueHolds(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	id, err := h.startIdentity(t, a)
	if err != nil {
		t.Fatal(err)
	}
	newPhone := flowtest.NewPhone(t)
	token, err := h.newToken(a, newPhone, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.confirm(a, id, token); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, err := h.svc.ApplyDue(ctx, h.Clock.Now().Add(23*time.Hour), false); err != nil || n != 0 {
		t.Fatalf("before the hold ends: %d %v", n, err)
	}
	if n, err := h.svc.ApplyDue(ctx, h.Clock.Now().Add(25*time.Hour), true); err != nil || n != 1 || h.phoneOf(t, a) != a.Phone.E164 {
		t.Fatalf("a dry run counts and changes nothing: %d %v", n, err)
	}
	if n, err := h.svc.ApplyDue(ctx, h.Clock.Now().Add(25*time.Hour), false); err != nil || n != 1 {
		t.Fatalf("after the hold: %d %v", n, err)
	}
	if h.phoneOf(t, a) != newPhone.E164 || h.claimOf(t, newPhone.E164) != a.ID {
		t.Fatal("the sweep must apply the change")
	}
	h.consistent(t)
	if n, _ := h.svc.ApplyDue(ctx, h.Clock.Now().Add(26*time.Hour), false); n != 0 {
		t.Fatal("an applied change leaves the index of holds")
	}
	if sessions := stacktest.GetItem(t, h.DB, h.Table, "SESSION#"+hex.EncodeToString(tokens.Hash(a.SessionToken)), "SESSION"); sessions == nil {
		t.Fatal("the device that confirmed stays signed in")
	}
}

// TestIdentityPathMovesItsFactorsToTheNewPepper: after a pepper rotation, the identity path's
// factors verify under the old key, and the change's transaction stores exactly those under the
// new one; the answer not asked stays as it was.
func TestIdentityPathMovesItsFactorsToTheNewPepper(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t, flowtest.WithIDNumber("110101199003074514"))
	h.Rotate(t)
	h.svc = phonechange.NewService(h.Store, h.Hasher, h.Clock, rand.Reader, h.Cfg, h.Log)
	if _, err := h.startIdentity(t, a); err != nil {
		t.Fatal(err)
	}
	st, err := h.Store.Recovery(context.Background(), a.ID) // the account with its answers
	if err != nil || st.Account.ID == "" {
		t.Fatal(err)
	}
	acct := st.Account
	got := map[string]string{"payment": secret.HashKeyID(acct.PaymentHash), "id": secret.FingerprintKeyID(acct.Profile.IDHash)}
	for _, ans := range acct.Answers {
		got[ans.QuestionID] = secret.HashKeyID(ans.Hash)
	}
	want := map[string]string{"payment": "2", "id": "2", "first_pet": "2", "first_school": "2", "childhood_street": "1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s under key %q, want %q", k, got[k], v)
		}
	}
}
