package idv_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/idv"
	"github.com/wallet-accounts/wallet/shared/support"
)

var ctx = context.Background()

const hmacKey = "flow-test-idv-webhook-key-0123456789"

// vendor records the cases it was sent and fails when told to.
type vendor struct {
	got  []idv.Submission
	fail bool
}

func (v *vendor) Name() string { return idv.ProviderWebhook }
func (v *vendor) Submit(_ context.Context, s idv.Submission) error {
	if v.fail {
		return errors.New("vendor down")
	}
	v.got = append(v.got, s)
	return nil
}

func newService(t *testing.T) (*flowtest.Env, *idv.Service, *vendor) {
	t.Helper()
	env := flowtest.New(t, func(c *config.Config) { c.IDVWebhookSecret = hmacKey })
	v := &vendor{}
	return env, idv.NewService(env.Store.ForIDV(env.Cfg.AuditTTL), v, env.Cfg, env.Clock, rand.Reader, env.Log), v
}

func fresh(env *flowtest.Env, a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, FreshAt: env.Clock.Now()}
}

var passport = idv.Request{DocumentType: "passport", DocumentNumber: "E12345678", Name: "Li Wei", Nationality: "CN"}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// callback signs a vendor decision at the env's clock and sends it.
func callback(t *testing.T, env *flowtest.Env, svc *idv.Service, body map[string]any) (idv.View, error) {
	t.Helper()
	raw, _ := json.Marshal(body)
	ts, sig := idv.Sign([]byte(hmacKey), env.Clock.Now(), raw)
	v, err := svc.Verify(ctx, ts, sig, raw)
	if err != nil {
		return idv.View{}, err
	}
	return svc.Callback(ctx, v, idv.VendorDecision{CaseID: body["verificationId"].(string), Decision: body["decision"].(string),
		ReasonCode: str(body["reasonCode"]), FaceMatch: body["faceMatch"] == true})
}

func str(v any) string { s, _ := v.(string); return s }

// TestManualApprovalRaisesTheLevel: a case needs fresh proof, keeps only the document's hashes
// and last 4, is one at a time; customer service's approval raises the level, fixes the ID
// document and citizenship, writes identity_verified and an audit, in one transaction; the same
// decision again changes nothing, another is refused.
func TestManualApprovalRaisesTheLevel(t *testing.T) {
	env, svc, vendor := newService(t)
	a := env.SignUp(t)
	_, err := svc.Open(ctx, account.Principal{AccountID: a.ID}, passport, "http://cb")
	wantCode(t, err, account.CodeReauthRequired)
	v, err := svc.Open(ctx, fresh(env, a), passport, "http://cb")
	if err != nil || v.Status != idv.StatusPending || v.DocumentLast4 != "5678" || len(vendor.got) != 1 || vendor.got[0].DocumentNumber != "E12345678" {
		t.Fatalf("open: %+v %v", v, err)
	}
	_, err = svc.Open(ctx, fresh(env, a), passport, "http://cb")
	wantCode(t, err, account.CodeVerificationOpen)
	agent := support.Caller{ARN: "arn:aws:iam::123456789012:user/agent"}
	cs := support.Case{Reason: "documents checked", CaseID: "CS-9"}
	got, err := svc.Decide(ctx, agent, v.VerificationID, idv.ManualDecision{Decision: idv.DecisionApprove, Case: cs})
	if err != nil || got.Status != idv.StatusApproved || got.Level != account.LevelRealName {
		t.Fatalf("approve: %+v %v", got, err)
	}
	acct, _ := env.Store.Account(ctx, a.ID)
	if acct.Level != account.LevelRealName || acct.LevelAt.IsZero() || acct.Profile.IDLast4 != "5678" || acct.Profile.Citizenship != "CN" ||
		acct.Profile.IDType != "passport" || !acct.Profile.RealNameVerified() {
		t.Fatalf("account after approval: %+v", acct)
	}
	if evs := env.Events(t, a.ID, account.EventIdentityVerified); len(evs) != 1 {
		t.Fatalf("events: %v", evs)
	}
	version := acct.Version
	again, err := svc.Decide(ctx, agent, v.VerificationID, idv.ManualDecision{Decision: idv.DecisionApprove, Case: cs})
	if err != nil || again.Status != idv.StatusApproved {
		t.Fatalf("approve again: %+v %v", again, err)
	}
	_, err = svc.Decide(ctx, agent, v.VerificationID, idv.ManualDecision{Decision: idv.DecisionReject, ReasonCode: "blurry", Case: cs})
	wantCode(t, err, account.CodeVerificationDecided)
	if acct, _ = env.Store.Account(ctx, a.ID); acct.Version != version || len(env.Events(t, a.ID, account.EventIdentityVerified)) != 1 {
		t.Fatalf("a repeated decision wrote: v%d -> v%d", version, acct.Version)
	}
	audits, err := env.Store.ForSupport(env.Cfg.AuditTTL).AuditTrail(ctx, a.ID, "", 10)
	if err != nil || len(audits) != 1 || audits[0].Action != idv.ActionDecision || audits[0].Principal != agent.ARN {
		t.Fatalf("audit: %+v %v", audits, err)
	}
	cur, err := svc.Current(ctx, fresh(env, a))
	if err != nil || cur.VerificationID != v.VerificationID || cur.DecidedAt == nil {
		t.Fatalf("current: %+v %v", cur, err)
	}
}

// TestWebhookCallback: a signed approval with a face match raises to verified; the same
// delivery again is replayed; a new delivery of the same decision changes nothing, of another is
// refused; a bad or stale signature is refused before anything is read; an unknown case, once
// signed, is a clean not_found.
func TestWebhookCallback(t *testing.T) {
	env, svc, _ := newService(t)
	a := env.SignUp(t)
	v, err := svc.Open(ctx, fresh(env, a), passport, "http://cb")
	if err != nil {
		t.Fatal(err)
	}
	approve := map[string]any{"verificationId": v.VerificationID, "decision": "approved", "faceMatch": true}
	raw, _ := json.Marshal(approve)
	ts, sig := idv.Sign([]byte(hmacKey), env.Clock.Now(), raw)
	_, err = svc.Verify(ctx, ts, sig, []byte(strings.Replace(string(raw), "true", "false", 1)))
	wantCode(t, err, account.CodeInvalidSignature)
	staleTS, staleSig := idv.Sign([]byte(hmacKey), env.Clock.Now().Add(-6*time.Minute), raw)
	_, err = svc.Verify(ctx, staleTS, staleSig, raw)
	wantCode(t, err, account.CodeSignatureExpired)
	ok, err := svc.Verify(ctx, ts, sig, raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Callback(ctx, ok, idv.VendorDecision{CaseID: v.VerificationID, Decision: "approved", FaceMatch: true})
	if err != nil || got.Level != account.LevelVerified {
		t.Fatalf("callback: %+v %v", got, err)
	}
	_, err = svc.Verify(ctx, ts, sig, raw)
	wantCode(t, err, account.CodeReplayed)
	acct, _ := env.Store.Account(ctx, a.ID)
	env.Clock.Advance(time.Second)
	if again, err := callback(t, env, svc, approve); err != nil || again.Status != idv.StatusApproved {
		t.Fatalf("repeated: %+v %v", again, err)
	}
	_, err = callback(t, env, svc, map[string]any{"verificationId": v.VerificationID, "decision": "rejected", "reasonCode": "fraud"})
	wantCode(t, err, account.CodeVerificationDecided)
	if after, _ := env.Store.Account(ctx, a.ID); after.Version != acct.Version || after.Level != account.LevelVerified {
		t.Fatalf("a repeated callback wrote: %+v", after)
	}
	_, err = callback(t, env, svc, map[string]any{"verificationId": a.ID + ".01KAAAAAAAAAAAAAAAAAAAAAAA", "decision": "approved"})
	wantCode(t, err, account.CodeNotFound)
	_, err = svc.Open(ctx, fresh(env, a), passport, "http://cb")
	wantCode(t, err, account.CodeVerificationAlreadyAt)
}

// TestAttemptsAndMismatch: a rejection records its reason and frees the account for another
// case, up to IDV_MAX_ATTEMPTS in 30 days (then 429 until the oldest leaves the window); a case
// whose document is not the profile's is refused, and one the profile changed under is rejected
// document_mismatch on approval; a provider's refusal leaves nothing and counts nothing.
func TestAttemptsAndMismatch(t *testing.T) {
	env, svc, vendor := newService(t)
	a := env.SignUp(t)
	vendor.fail = true
	_, err := svc.Open(ctx, fresh(env, a), passport, "http://cb")
	if !errors.Is(err, account.ErrUnavailable) {
		t.Fatalf("vendor down: %v", err)
	}
	vendor.fail = false
	for i := range 3 {
		v, err := svc.Open(ctx, fresh(env, a), passport, "http://cb")
		if err != nil {
			t.Fatalf("case %d: %v", i+1, err)
		}
		got, err := callback(t, env, svc, map[string]any{"verificationId": v.VerificationID, "decision": "rejected", "reasonCode": "blurry_photo"})
		if err != nil || got.Status != idv.StatusRejected || got.ReasonCode != "blurry_photo" {
			t.Fatalf("reject %d: %+v %v", i+1, got, err)
		}
		env.Clock.Advance(24 * time.Hour)
	}
	_, err = svc.Open(ctx, fresh(env, a), passport, "http://cb")
	e, ok := account.As(err)
	if !ok || e.Code != account.CodeTooManyVerifications || e.RetryAfter != 27*24*time.Hour {
		t.Fatalf("4th: %+v", err)
	}
	if n := len(env.Events(t, a.ID, account.EventIdentityRejected)); n != 3 {
		t.Fatalf("%d rejections", n)
	}

	b := env.SignUp(t, flowtest.WithIDNumber("110101199003074512"))
	_, err = svc.Open(ctx, fresh(env, b), passport, "http://cb")
	wantCode(t, err, account.CodeDocumentMismatch)
	c := env.SignUp(t)
	v, err := svc.Open(ctx, fresh(env, c), passport, "http://cb")
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := env.Store.Account(ctx, c.ID)
	other := acct.Profile
	other.Citizenship = "SG"
	if err := env.Store.SaveProfile(ctx, *acct, other, nil); err != nil {
		t.Fatal(err)
	}
	got, err := callback(t, env, svc, map[string]any{"verificationId": v.VerificationID, "decision": "approved"})
	if err != nil || got.Status != idv.StatusRejected || got.ReasonCode != account.ReasonDocumentMismatch {
		t.Fatalf("mismatch: %+v %v", got, err)
	}
	if acct, _ = env.Store.Account(ctx, c.ID); acct.Level.Or() != account.LevelPhone {
		t.Fatalf("level %q after a mismatch", acct.Level)
	}
}
