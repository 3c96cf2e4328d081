package ceremony_test

import (
	"testing"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
)

// TestVerifyAssertion: an assertion bound to the account, and a discoverable one, prove the
// account and passkey without writing; UsePasskey then spends the ceremony (once) and records the
// use.
func TestVerifyAssertion(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	auth := newAuthenticator()
	auth.Counting(7)
	pk := register(t, svc, fresh(env, a), auth, "Phone")

	opts, err := svc.BeginAssertion(ctx, passkey.PurposeReauth, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.PublicKey.AllowedCredentials) != 1 || opts.PublicKey.UserVerification != "required" {
		t.Fatalf("options %+v", opts.PublicKey)
	}
	before := len(stacktest.Scan(t, env.DB, env.Table))
	proof, err := svc.VerifyAssertion(ctx, opts.CeremonyID, auth.Assert(t, opts.PublicKey), passkey.PurposeReauth, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if proof.AccountID != a.ID || proof.PasskeyID != pk.ID || proof.SignCount != 8 || proof.PrevSignCount != 7 {
		t.Fatalf("proof %+v", proof)
	}
	if len(stacktest.Scan(t, env.DB, env.Table)) != before {
		t.Fatal("VerifyAssertion wrote")
	}
	if err := env.Store.UsePasskey(ctx, proof); err != nil {
		t.Fatal(err)
	}
	wantCode(t, env.Store.UsePasskey(ctx, proof), account.CodeCeremonyUsed)
	list := mustList(t, svc, fresh(env, a))
	if list[0].SignCount != 8 || !list[0].LastUsedAt.Equal(env.Clock.Now()) {
		t.Fatalf("use not recorded: %+v", list[0])
	}
	// Two assertions verified against the same stored count: only the first recorded counts; the
	// second is a lost race (re-read, and verify again).
	first, second := verified(t, svc, auth, a.ID), verified(t, svc, auth, a.ID)
	if err := env.Store.UsePasskey(ctx, first); err != nil {
		t.Fatal(err)
	}
	wantCode(t, env.Store.UsePasskey(ctx, second), account.CodeConflict)

	// Discoverable: no account until the answer, which names it by its user handle.
	opts, err = svc.BeginAssertion(ctx, passkey.PurposeSignIn, "")
	if err != nil || len(opts.PublicKey.AllowedCredentials) != 0 {
		t.Fatalf("discoverable options %+v %v", opts.PublicKey, err)
	}
	proof, err = svc.VerifyAssertion(ctx, opts.CeremonyID, auth.Assert(t, opts.PublicKey), passkey.PurposeSignIn, "")
	if err != nil || proof.AccountID != a.ID || proof.PasskeyID != pk.ID || proof.SignCount != 11 {
		t.Fatalf("discoverable %+v %v", proof, err)
	}
	// A ceremony answered for another purpose, or bound elsewhere, is refused.
	_, err = svc.VerifyAssertion(ctx, opts.CeremonyID, auth.Assert(t, opts.PublicKey), passkey.PurposeReauth, a.ID)
	wantCode(t, err, account.CodeInvalidCeremony)
}

// verified is a verified reauthentication assertion by auth for the account.
func verified(t *testing.T, svc *ceremony.Service, auth *passkeytest.Authenticator, accountID string) passkey.Assertion {
	t.Helper()
	opts, err := svc.BeginAssertion(ctx, passkey.PurposeReauth, accountID)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := svc.VerifyAssertion(ctx, opts.CeremonyID, auth.Assert(t, opts.PublicKey), passkey.PurposeReauth, accountID)
	if err != nil {
		t.Fatal(err)
	}
	return proof
}

// TestAnAssertionForAnotherAccount: a ceremony bound to one account refuses another account's
// passkey, and one account's ceremony cannot be verified as another's.
func TestAnAssertionForAnotherAccount(t *testing.T) {
	env, svc := newService(t)
	a, b := env.SignUp(t), env.SignUp(t)
	authA, authB := newAuthenticator(), newAuthenticator()
	register(t, svc, fresh(env, a), authA, "A's phone")
	register(t, svc, fresh(env, b), authB, "B's phone")
	opts, err := svc.BeginAssertion(ctx, passkey.PurposeStepUp, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.VerifyAssertion(ctx, opts.CeremonyID, authB.Assert(t, opts.PublicKey), passkey.PurposeStepUp, a.ID)
	wantCode(t, err, account.CodeUnknownPasskey)
	_, err = svc.VerifyAssertion(ctx, opts.CeremonyID, authB.Assert(t, opts.PublicKey), passkey.PurposeStepUp, b.ID)
	wantCode(t, err, account.CodeInvalidCeremony)
	// A's passkey whose authenticator claims B's user handle finds nothing.
	authA.Auth.Options.UserHandle = []byte(b.ID)
	opts, err = svc.BeginAssertion(ctx, passkey.PurposeSignIn, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.VerifyAssertion(ctx, opts.CeremonyID, authA.Assert(t, opts.PublicKey), passkey.PurposeSignIn, "")
	wantCode(t, err, account.CodeUnknownPasskey)
	// An account without passkeys is offered no assertion.
	_, err = svc.BeginAssertion(ctx, passkey.PurposeReset, env.SignUp(t).ID)
	wantCode(t, err, account.CodeUnknownPasskey)
}

// TestAnAssertionOverAnotherChallenge: an answer signed over one ceremony's challenge does not
// verify for another ceremony, nor does one from another origin, nor one without user
// verification.
func TestAnAssertionOverAnotherChallenge(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	auth := newAuthenticator()
	register(t, svc, fresh(env, a), auth, "Phone")
	first, err := svc.BeginAssertion(ctx, passkey.PurposeReauth, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.BeginAssertion(ctx, passkey.PurposeReauth, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.VerifyAssertion(ctx, second.CeremonyID, auth.Assert(t, first.PublicKey), passkey.PurposeReauth, a.ID)
	wantCode(t, err, account.CodePasskeyRejected)
	auth.RP.Origin = "https://phish.example"
	_, err = svc.VerifyAssertion(ctx, second.CeremonyID, auth.Assert(t, second.PublicKey), passkey.PurposeReauth, a.ID)
	wantCode(t, err, account.CodePasskeyRejected)
	auth.RP.Origin = origin
	auth.Auth.Options.UserNotVerified = true
	_, err = svc.VerifyAssertion(ctx, second.CeremonyID, auth.Assert(t, second.PublicKey), passkey.PurposeReauth, a.ID)
	wantCode(t, err, account.CodeUserVerification)
	_, err = svc.VerifyAssertion(ctx, second.CeremonyID, []byte(`{"id":"x"}`), passkey.PurposeReauth, a.ID)
	wantCode(t, err, account.CodePasskeyRejected)
}

// TestASignCountGoingBackwards: an assertion whose counter is not above the stored one is refused
// as a possible clone, and writes passkey_clone_suspected (which alerts) with the warning on the
// passkey; its ceremony is not spent and the count is not moved.
func TestASignCountGoingBackwards(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	auth := newAuthenticator()
	auth.Counting(40)
	pk := register(t, svc, fresh(env, a), auth, "Key")
	auth.Counting(12)
	opts, err := svc.BeginAssertion(ctx, passkey.PurposeStepUp, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.VerifyAssertion(ctx, opts.CeremonyID, auth.Assert(t, opts.PublicKey), passkey.PurposeStepUp, a.ID)
	wantCode(t, err, account.CodePasskeyCloneWarning)
	if eventCount(t, env, a.ID, account.EventPasskeyClone) != 1 {
		t.Fatal("no passkey_clone_suspected event")
	}
	item := stacktest.GetItem(t, env.DB, env.Table, "ACCOUNT#"+a.ID, "CREDENTIAL#"+pk.ID)
	if item["cloneWarnedAt"] == nil || item["signCount"] != float64(40) || items(t, env, "CEREMONY#") != 1 {
		t.Fatalf("passkey after the warning: %v", item)
	}
	// A counter of zero that stays zero is an authenticator that keeps none: accepted.
	z := newAuthenticator()
	register(t, svc, fresh(env, a), z, "Synced")
	for range 2 {
		opts, err = svc.BeginAssertion(ctx, passkey.PurposeStepUp, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := svc.VerifyAssertion(ctx, opts.CeremonyID, z.Assert(t, opts.PublicKey), passkey.PurposeStepUp, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Store.UsePasskey(ctx, proof); err != nil {
			t.Fatal(err)
		}
	}
}
