package profile_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/profile"
)

var ctx = context.Background()

func newService(t *testing.T) (*flowtest.Env, *profile.Service) {
	t.Helper()
	env := flowtest.New(t, nil)
	return env, profile.NewService(env.Store, env.Cfg.Pepper, env.Cfg.RecentAuthWindow, env.Clock, rand.Reader, env.Log)
}

func ptr(s string) *string { return &s }

func wantCode(t *testing.T, err error, code account.Code, field string) {
	t.Helper()
	e, ok := account.As(err)
	if !ok || e.Code != code || e.Field != field {
		t.Fatalf("got %v, want %s on %q", err, code, field)
	}
}

// TestEditableFields: each editable field is checked, set, and cleared by "", a field left out
// stays as it was, and nothing of it writes an event or needs fresh proof.
func TestEditableFields(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	stale := account.Principal{AccountID: a.ID} // never proved a factor: editable fields need no fresh proof
	got, err := svc.Update(ctx, stale, profile.Patch{RealName: ptr("  Li Wei "), Gender: ptr("female"), DateOfBirth: ptr("1990-03-07"),
		Address: ptr("1 Harbour Road"), Occupation: ptr("engineer")})
	if err != nil {
		t.Fatal(err)
	}
	want := account.Profile{RealName: "Li Wei", Gender: "female", DateOfBirth: "1990-03-07", Address: "1 Harbour Road", Occupation: "engineer"}
	if got.RealName != want.RealName || got.Gender != want.Gender || got.DateOfBirth != want.DateOfBirth || got.Address != want.Address || got.Occupation != want.Occupation {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	got, err = svc.Update(ctx, stale, profile.Patch{Occupation: ptr("")})
	if err != nil || got.Occupation != "" || got.RealName != "Li Wei" {
		t.Fatalf("clear one field: %+v %v", got, err)
	}
	read, err := svc.Get(ctx, stale)
	if err != nil || read.Address != "1 Harbour Road" || read.Occupation != "" {
		t.Fatalf("read back %+v %v", read, err)
	}
	for _, c := range []struct {
		patch profile.Patch
		field string
	}{
		{profile.Patch{Gender: ptr("robot")}, "gender"},
		{profile.Patch{DateOfBirth: ptr("07/03/1990")}, "dateOfBirth"},
		{profile.Patch{DateOfBirth: ptr(env.Clock.Now().AddDate(0, 0, 2).Format(time.DateOnly))}, "dateOfBirth"},
		{profile.Patch{RealName: ptr("Li\x00Wei")}, "realName"},
		{profile.Patch{Address: ptr(string(make([]rune, 201)))}, "address"},
		{profile.Patch{Citizenship: ptr("CHN")}, "citizenship"},
		{profile.Patch{Citizenship: ptr("")}, "citizenship"},
		{profile.Patch{IDType: ptr("passport")}, "idNumber"},
		{profile.Patch{IDType: ptr("library_card"), IDNumber: ptr("E12345678")}, "idType"},
	} {
		_, err := svc.Update(ctx, stale, c.patch)
		wantCode(t, err, account.CodeInvalidField, c.field)
	}
	if evs := env.Events(t, a.ID, account.EventIdentityDetailsSet); len(evs) != 0 {
		t.Fatalf("events %v", evs)
	}
}

// TestIdentityFieldsAreSetOnce: citizenship and the ID document need fresh proof, are set once
// with identity_details_set written alongside, and then refuse another value with
// immutable_field while the same value again is a no-op. The ID number is stored only as a keyed
// hash and its last 4, and the recovery factors accept it.
func TestIdentityFieldsAreSetOnce(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	const id = "E12345678"
	p := account.Principal{AccountID: a.ID, FreshAt: env.Clock.Now()}
	env.Clock.Advance(env.Cfg.RecentAuthWindow + time.Second)
	_, err := svc.Update(ctx, p, profile.Patch{Citizenship: ptr("cn"), IDType: ptr("passport"), IDNumber: ptr(id)})
	wantCode(t, err, account.CodeReauthRequired, "")
	if evs := env.Events(t, a.ID, account.EventIdentityDetailsSet); len(evs) != 0 {
		t.Fatalf("stale: events %v", evs)
	}
	p.FreshAt = env.Clock.Now()
	got, err := svc.Update(ctx, p, profile.Patch{Citizenship: ptr("cn"), IDType: ptr("passport"), IDNumber: ptr("e1234 5678")})
	if err != nil || got.Citizenship != "CN" || got.IDType != "passport" || got.IDLast4 != "5678" || !got.RealNameVerified() {
		t.Fatalf("set: %+v %v", got, err)
	}
	evs := env.Events(t, a.ID, account.EventIdentityDetailsSet)
	if len(evs) != 1 || evs[0][account.DetailFields] != "citizenship,idDocument" {
		t.Fatalf("events %v", evs)
	}
	stacktest.AssertNotStored(t, env.DB, env.Table, id, "e1234 5678")

	_, err = svc.Update(ctx, p, profile.Patch{Citizenship: ptr("HK")})
	wantCode(t, err, account.CodeImmutableField, "citizenship")
	_, err = svc.Update(ctx, p, profile.Patch{IDType: ptr("passport"), IDNumber: ptr("E12345679")})
	wantCode(t, err, account.CodeImmutableField, "idNumber")
	_, err = svc.Update(ctx, p, profile.Patch{IDType: ptr("national_id"), IDNumber: ptr(id)})
	wantCode(t, err, account.CodeImmutableField, "idNumber")
	env.Clock.Advance(env.Cfg.RecentAuthWindow + time.Second) // a retry needs no fresh proof: it changes nothing
	if _, err := svc.Update(ctx, p, profile.Patch{Citizenship: ptr("CN"), IDType: ptr("passport"), IDNumber: ptr(id)}); err != nil {
		t.Fatalf("the same values again: %v", err)
	}
	if evs := env.Events(t, a.ID, account.EventIdentityDetailsSet); len(evs) != 1 {
		t.Fatalf("events after refused changes %v", evs)
	}
	stored, err := env.Store.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !factor.NewChecker(env.Hasher, env.Cfg.Pepper).Of(*stored).IDNumber(id) {
		t.Fatal("the recovery factors do not accept the ID number set after signup")
	}
}

// TestProfileEditsRace: two edits read the same version; one is stored, the other answers
// conflict and changes nothing.
func TestProfileEditsRace(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := account.Principal{AccountID: a.ID}
	stored, err := env.Store.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	first, second := stored.Profile, stored.Profile
	first.RealName, second.RealName = "First", "Second"
	if err := env.Store.SaveProfile(ctx, *stored, first, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.SaveProfile(ctx, *stored, second, nil); err != account.ErrStale {
		t.Fatalf("second write on the same version: %v", err)
	}
	if got, _ := svc.Get(ctx, p); got.RealName != "First" {
		t.Fatalf("name %q", got.RealName)
	}
}
