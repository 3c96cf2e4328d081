package ceremony_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
	"github.com/wallet-accounts/wallet/shared/secret"
)

var ctx = context.Background()

// origin is the default RP_ORIGINS; the default RP_ID is localhost.
const origin = "http://localhost:3000"

func newService(t *testing.T) (*flowtest.Env, *ceremony.Service) {
	t.Helper()
	env := flowtest.New(t, nil)
	return env, ceremony.NewService(env.Store, env.Cfg, env.Clock, rand.Reader, env.Log)
}

// fresh is a principal of a's session whose holder has just proved a factor.
func fresh(env *flowtest.Env, a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: env.Clock.Now()}
}

func newAuthenticator() *passkeytest.Authenticator {
	return passkeytest.New("localhost", origin, virtualwebauthn.AuthenticatorOptions{})
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// register registers auth's credential to the principal's account under name.
func register(t *testing.T, svc *ceremony.Service, p account.Principal, auth *passkeytest.Authenticator, name string) passkey.Passkey {
	t.Helper()
	regID, cred := answered(t, svc, p, auth)
	pk, err := svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: regID, Name: name, Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// answered opens a registration for p and has auth answer it; the caller finishes it.
func answered(t *testing.T, svc *ceremony.Service, p account.Principal, auth *passkeytest.Authenticator) (regID string, cred []byte) {
	t.Helper()
	opts, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return opts.RegistrationID, auth.Register(t, opts.PublicKey)
}

// eventCount counts the account's events of type typ in the table.
func eventCount(t *testing.T, env *flowtest.Env, accountID, typ string) int {
	t.Helper()
	n := 0
	for _, it := range stacktest.Scan(t, env.DB, env.Table) {
		if it["PK"] == "ACCOUNT#"+accountID && strings.HasPrefix(it["SK"].(string), "EVENT#") && it["type"] == typ {
			n++
		}
	}
	return n
}

// items counts the table's items whose partition key starts with prefix.
func items(t *testing.T, env *flowtest.Env, prefix string) int {
	t.Helper()
	n := 0
	for _, it := range stacktest.Scan(t, env.DB, env.Table) {
		if strings.HasPrefix(it["PK"].(string), prefix) {
			n++
		}
	}
	return n
}

// TestRegisterListRenameRemove: a passkey is registered with fresh proof, listed without key
// material, renamed and removed; adding and removing each write their event, and the credential
// index and ceremony marker come and go with it. The challenge is stored nowhere.
func TestRegisterListRenameRemove(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := fresh(env, a)
	auth := newAuthenticator()
	opts, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if opts.PublicKey.AuthenticatorSelection.UserVerification != "required" || opts.PublicKey.AuthenticatorSelection.ResidentKey != "required" ||
		opts.PublicKey.RelyingParty.ID != "localhost" || opts.RegistrationID == "" {
		t.Fatalf("options %+v", opts.PublicKey)
	}
	if items(t, env, "CEREMONY#") != 0 {
		t.Fatal("asking for options wrote a ceremony")
	}
	challenge := passkeytest.Challenge(t, opts.PublicKey)
	pk, err := svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "  Laptop  ",
		Credential: auth.Register(t, opts.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	if pk.Name != "Laptop" || len(pk.ID) != 24 || !pk.CreatedAt.Equal(env.Clock.Now()) || len(pk.PublicKey) == 0 {
		t.Fatalf("passkey %+v", pk)
	}
	if eventCount(t, env, a.ID, account.EventPasskeyAdded) != 1 || items(t, env, "PASSKEY#") != 1 || items(t, env, "CEREMONY#") != 1 {
		t.Fatal("want one passkey_added event, one credential index item, one ceremony marker")
	}
	stacktest.AssertNotStored(t, env.DB, env.Table, challenge, opts.RegistrationID)

	list, err := svc.List(ctx, p)
	if err != nil || len(list) != 1 || list[0].ID != pk.ID || list[0].Name != "Laptop" {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := svc.Rename(ctx, p, pk.ID, "Work laptop"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.Rename(ctx, p, pk.ID, strings.Repeat("x", 65)), account.CodeInvalidField)
	wantCode(t, svc.Rename(ctx, p, pk.ID, "tab\there"), account.CodeInvalidField)
	wantCode(t, svc.Rename(ctx, p, "../ACCOUNT", "x"), account.CodeInvalidField)
	wantCode(t, svc.Rename(ctx, account.Principal{AccountID: env.SignUp(t).ID}, pk.ID, "mine"), account.CodeNotFound)
	if list, _ = svc.List(ctx, p); list[0].Name != "Work laptop" {
		t.Fatalf("renamed: %+v", list)
	}

	if err := svc.Remove(ctx, p, pk.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.Remove(ctx, p, pk.ID), account.CodeNotFound)
	if list, _ = svc.List(ctx, p); len(list) != 0 || items(t, env, "PASSKEY#") != 0 || eventCount(t, env, a.ID, account.EventPasskeyRemoved) != 1 {
		t.Fatalf("after removal: %+v", list)
	}
	// The removed credential may be registered again.
	register(t, svc, p, auth, "Laptop again")
}

// TestPasskeyChangesNeedFreshProof: registering (options and answer) and removing need a
// session whose holder proved a factor within RECENT_AUTH_WINDOW; listing and renaming do not.
func TestPasskeyChangesNeedFreshProof(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := fresh(env, a)
	regID, cred := answered(t, svc, p, newAuthenticator())
	env.Clock.Advance(env.Cfg.RecentAuthWindow + time.Second)
	_, err := svc.BeginRegistration(ctx, p)
	wantCode(t, err, account.CodeReauthRequired)
	_, err = svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: regID, Name: "Laptop", Credential: cred})
	wantCode(t, err, account.CodeReauthRequired)
	_, err = svc.BeginRegistration(ctx, account.Principal{AccountID: a.ID}) // never proved
	wantCode(t, err, account.CodeReauthRequired)

	p = fresh(env, a)
	pk := register(t, svc, p, newAuthenticator(), "Phone")
	env.Clock.Advance(env.Cfg.RecentAuthWindow + time.Second)
	wantCode(t, svc.Remove(ctx, p, pk.ID), account.CodeReauthRequired)
	if err := svc.Rename(ctx, p, pk.ID, "Old phone"); err != nil {
		t.Fatalf("renaming needs only a session: %v", err)
	}
	if list, err := svc.List(ctx, p); err != nil || len(list) != 1 {
		t.Fatalf("listing needs only a session: %v %v", list, err)
	}
}

// TestRegistrationNeedsUserVerification: an authenticator that only tests presence (no PIN or
// biometrics) cannot register a passkey.
func TestRegistrationNeedsUserVerification(t *testing.T) {
	env, svc := newService(t)
	p := fresh(env, env.SignUp(t))
	opts, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	auth := passkeytest.New("localhost", origin, virtualwebauthn.AuthenticatorOptions{UserNotVerified: true})
	_, err = svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "Key",
		Credential: auth.Register(t, opts.PublicKey)})
	wantCode(t, err, account.CodeUserVerification)
	if items(t, env, "PASSKEY#")+items(t, env, "CEREMONY#") != 0 {
		t.Fatal("a refused registration wrote")
	}
}

// TestARegistrationTakesEffectOnce: a ceremony registers one passkey. Finished twice, the second
// answer is refused; finished by ten authenticators at once, exactly one passkey is stored.
func TestARegistrationTakesEffectOnce(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := fresh(env, a)
	opts, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	req := ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "Laptop", Credential: newAuthenticator().Register(t, opts.PublicKey)}
	if _, err := svc.FinishRegistration(ctx, p, req); err != nil {
		t.Fatal(err)
	}
	_, err = svc.FinishRegistration(ctx, p, req)
	wantCode(t, err, account.CodeCeremonyUsed)
	req.Credential = newAuthenticator().Register(t, opts.PublicKey)
	_, err = svc.FinishRegistration(ctx, p, req)
	wantCode(t, err, account.CodeCeremonyUsed)

	b := env.SignUp(t)
	q := fresh(env, b)
	opts, err = svc.BeginRegistration(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		cred := newAuthenticator().Register(t, opts.PublicKey)
		wg.Go(func() {
			_, errs[i] = svc.FinishRegistration(ctx, q, ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "Racer", Credential: cred})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !account.Is(err, account.CodeCeremonyUsed) && !account.Is(err, account.CodeConflict):
			t.Errorf("a losing finish answered %v, want ceremony_used or conflict", err)
		}
	}
	list, _ := svc.List(ctx, q)
	if ok != 1 || len(list) != 1 || eventCount(t, env, b.ID, account.EventPasskeyAdded) != 1 {
		t.Fatalf("%d finishes succeeded, %d passkeys stored; want 1 and 1", ok, len(list))
	}
}

// TestAnExpiredCeremonyIsRefused: a registration answered more than 5 minutes after its options
// is refused, however fresh the session.
func TestAnExpiredCeremonyIsRefused(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	regID, cred := answered(t, svc, fresh(env, a), newAuthenticator())
	env.Clock.Advance(passkey.CeremonyTTL + time.Second)
	_, err := svc.FinishRegistration(ctx, fresh(env, a), ceremony.RegistrationRequest{RegistrationID: regID, Name: "Late", Credential: cred})
	wantCode(t, err, account.CodeCeremonyExpired)
}

// TestATamperedCeremonyIsRefused: a ceremony id with a byte changed, one opened for another
// account, and one MAC'd under another pepper are all refused as invalid.
func TestATamperedCeremonyIsRefused(t *testing.T) {
	env, svc := newService(t)
	a, b := env.SignUp(t), env.SignUp(t)
	regID, cred := answered(t, svc, fresh(env, a), newAuthenticator())
	finish := func(p account.Principal, id string) error {
		_, err := svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: id, Name: "Key", Credential: cred})
		return err
	}
	id := []byte(regID)
	for _, i := range []int{0, len(id) / 2, len(id) - 1} {
		bad := append([]byte(nil), id...)
		bad[i] = map[bool]byte{true: 'B', false: 'A'}[bad[i] == 'A']
		wantCode(t, finish(fresh(env, a), string(bad)), account.CodeInvalidCeremony)
	}
	wantCode(t, finish(fresh(env, b), regID), account.CodeInvalidCeremony)
	wantCode(t, finish(fresh(env, a), ""), account.CodeInvalidCeremony)
	wantCode(t, finish(fresh(env, a), strings.Repeat("A", 4096)), account.CodeInvalidCeremony)
	other := ceremony.NewService(env.Store, flowtest.Config(t, nil), env.Clock, rand.Reader, env.Log) // another pepper, same key id
	forged, err := other.BeginRegistration(ctx, fresh(env, a))
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, finish(fresh(env, a), forged.RegistrationID), account.CodeInvalidCeremony)
	// An assertion ceremony is not a registration.
	reauth := register(t, svc, fresh(env, a), newAuthenticator(), "Phone")
	ao, err := svc.BeginAssertion(ctx, passkey.PurposeReauth, a.ID)
	if err != nil || reauth.ID == "" {
		t.Fatal(err)
	}
	wantCode(t, finish(fresh(env, a), ao.CeremonyID), account.CodeInvalidCeremony)
	if n := len(mustList(t, svc, fresh(env, a))); n != 1 {
		t.Fatalf("%d passkeys, want the one registered properly", n)
	}
}

func mustList(t *testing.T, svc *ceremony.Service, p account.Principal) []passkey.Passkey {
	t.Helper()
	list, err := svc.List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestTheAccountsPasskeysAreExcluded: the options exclude the account's passkeys, and a
// credential registered already is refused if an authenticator answers anyway.
func TestTheAccountsPasskeysAreExcluded(t *testing.T) {
	env, svc := newService(t)
	p := fresh(env, env.SignUp(t))
	auth := newAuthenticator()
	register(t, svc, p, auth, "Laptop")
	opts, err := svc.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.Excluded(t, opts.PublicKey) || newAuthenticator().Excluded(t, opts.PublicKey) {
		t.Fatal("the options must exclude exactly the account's credentials")
	}
	_, err = svc.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "Again", Credential: auth.Register(t, opts.PublicKey)})
	wantCode(t, err, account.CodePasskeyRegistered)
}

// TestACeremonyOutlivesARotation: a ceremony opened under the pepper's previous key is finished
// after a rotation, since its id names its key; once that key is removed it is refused.
func TestACeremonyOutlivesARotation(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	regID, cred := answered(t, svc, fresh(env, a), newAuthenticator())
	old := env.Cfg.Pepper
	env.Rotate(t)
	rotated := ceremony.NewService(env.Store, env.Cfg, env.Clock, rand.Reader, env.Log)
	req := ceremony.RegistrationRequest{RegistrationID: regID, Name: "Laptop", Credential: cred}
	if _, err := rotated.FinishRegistration(ctx, fresh(env, a), req); err != nil {
		t.Fatalf("a ceremony under the previous key: %v", err)
	}
	regID, cred = answered(t, svc, fresh(env, a), newAuthenticator())
	req = ceremony.RegistrationRequest{RegistrationID: regID, Name: "Phone", Credential: cred}
	cfg := env.Cfg
	var err error
	cfg.Pepper, err = secret.NewKeyring(env.Cfg.Pepper.Current()) // the previous key removed
	if err != nil || old.Current().ID == cfg.Pepper.Current().ID {
		t.Fatal(err)
	}
	_, err = ceremony.NewService(env.Store, cfg, env.Clock, rand.Reader, env.Log).FinishRegistration(ctx, fresh(env, a), req)
	wantCode(t, err, account.CodeInvalidCeremony)
}
