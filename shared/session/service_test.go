package session_test

import (
	"context"
	"crypto/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/session"
)

type harness struct {
	*flowtest.Env
	svc *session.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := flowtest.New(t, nil)
	return &harness{Env: env, svc: session.NewService(env.Store, env.Hasher, env.Clock, rand.Reader, env.Cfg, env.Log)}
}

var (
	ctx       = context.Background()
	newDevice = session.DeviceInput{ID: "device-second-02", Name: "Tablet", Platform: "ios"}
)

func signupDevice(a flowtest.Account) session.DeviceInput {
	return session.DeviceInput{ID: a.DeviceID, Name: "Test phone", Platform: "android", Secret: a.DeviceSecret}
}

func (h *harness) signIn(a flowtest.Account, password string, dev session.DeviceInput, token string) (session.SignInResult, error) {
	return h.svc.SignIn(ctx, session.SignInRequest{Phone: a.Phone, Password: password, Device: dev, VerificationToken: token, SourceIP: "198.51.100.7"})
}

func (h *harness) mustSignIn(t *testing.T, a flowtest.Account, dev session.DeviceInput, token string) string {
	t.Helper()
	res, err := h.signIn(a, a.Password, dev, token)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return res.SessionToken
}

func wantCode(t *testing.T, err error, code account.Code) *account.Error {
	t.Helper()
	e, ok := account.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return e
}

func TestSignInOnKnownDeviceReplacesItsSession(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	h.Clock.Advance(time.Hour)
	res, err := h.signIn(a, a.Password, signupDevice(a), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := h.Clock.Now().Add(30 * 24 * time.Hour).Truncate(time.Second); !res.ExpiresAt.Equal(want) {
		t.Fatalf("expiresAt %v, want %v", res.ExpiresAt, want)
	}
	p, err := h.svc.Authenticate(ctx, res.SessionToken)
	if err != nil || p.AccountID != a.ID || p.DeviceID != a.DeviceID {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	_, err = h.svc.Authenticate(ctx, a.SessionToken)
	wantCode(t, err, account.CodeUnauthenticated) // one session per device
	stacktest.AssertNotStored(t, h.DB, h.Table, append(a.Secrets(), res.SessionToken)...)
}

func TestNewDeviceNeedsStepUp(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	_, err := h.signIn(a, a.Password, newDevice, "")
	if e := wantCode(t, err, account.CodeStepUpRequired); e.Purpose != string(account.PurposeLoginStepUp) {
		t.Fatalf("purpose %q", e.Purpose)
	}
	_, err = h.signIn(a, a.Password, newDevice, h.Token(t, a, account.PurposeResetLogin))
	wantCode(t, err, account.CodeInvalidToken) // another purpose
	other := h.SignUp(t)
	_, err = h.signIn(a, a.Password, newDevice, h.Token(t, other, account.PurposeLoginStepUp))
	wantCode(t, err, account.CodeInvalidToken) // another phone

	token := h.Token(t, a, account.PurposeLoginStepUp)
	res, err := h.signIn(a, a.Password, newDevice, token)
	if err != nil || res.DeviceSecret == "" {
		t.Fatalf("step-up sign-in: %+v %v", res, err)
	}
	events := 0
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventNewDeviceLogin {
			events++
		}
	}
	if events != 1 {
		t.Fatalf("%d new_device_login events, want 1", events)
	}
	// The step-up enrolled the device: its secret proves it now; the spent token cannot open a
	// third device.
	enrolled := newDevice
	enrolled.Secret = res.DeviceSecret
	h.mustSignIn(t, a, enrolled, "")
	_, err = h.signIn(a, a.Password, session.DeviceInput{ID: "device-third-03", Name: "Laptop", Platform: "web"}, token)
	wantCode(t, err, account.CodeInvalidToken)
}

func TestLockoutAfterFiveWrongPasswords(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	wrong := a.Password + "!"
	for i := 1; i <= 4; i++ {
		_, err := h.signIn(a, wrong, signupDevice(a), "")
		wantCode(t, err, account.CodeInvalidCredentials)
	}
	_, err := h.signIn(a, wrong, signupDevice(a), "")
	if e := wantCode(t, err, account.CodeLocked); e.RetryAfter != 30*time.Minute {
		t.Fatalf("first lock %v, want 30m", e.RetryAfter)
	}
	h.Clock.Advance(29 * time.Minute)
	_, err = h.signIn(a, a.Password, signupDevice(a), "")
	if e := wantCode(t, err, account.CodeLocked); e.RetryAfter != time.Minute {
		t.Fatalf("the right password during the lock: %v", e.RetryAfter)
	}
	h.Clock.Advance(time.Minute)
	h.mustSignIn(t, a, signupDevice(a), "")
	if n := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "loginFailures"); n != 0 {
		t.Fatalf("success leaves %d failures", n)
	}
	// A second lock within a day lasts twice as long.
	for i := 1; i <= 5; i++ {
		_, err = h.signIn(a, wrong, signupDevice(a), "")
	}
	if e := wantCode(t, err, account.CodeLocked); e.RetryAfter != time.Hour {
		t.Fatalf("second lock %v, want 1h", e.RetryAfter)
	}
	h.Clock.Advance(time.Hour)
	for i := 1; i <= 5; i++ {
		_, err = h.signIn(a, wrong, signupDevice(a), "")
	}
	if e := wantCode(t, err, account.CodeLocked); e.RetryAfter != 2*time.Hour {
		t.Fatalf("third lock %v, want 2h", e.RetryAfter)
	}
}

func TestParallelGuessesAreAllCounted(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = h.signIn(a, "guess-"+strings.Repeat("x", i+8), signupDevice(a), "")
		}()
	}
	wg.Wait()
	if n := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "loginFailures"); n != 4 {
		t.Fatalf("%d failures counted, want 4", n)
	}
	_, err := h.signIn(a, "one-more-guess", signupDevice(a), "")
	wantCode(t, err, account.CodeLocked)
}

func TestUnknownPhoneLooksLikeWrongPassword(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	stranger := flowtest.Account{Phone: flowtest.NewPhone(t), Password: a.Password}
	for i := 1; i <= 5; i++ {
		_, errKnown := h.signIn(a, "not-the-password", signupDevice(a), "")
		_, errUnknown := h.signIn(stranger, stranger.Password, signupDevice(a), "")
		k, _ := account.As(errKnown)
		u, _ := account.As(errUnknown)
		if k == nil || u == nil || !reflect.DeepEqual(*k, *u) {
			t.Fatalf("attempt %d: known %+v, unknown %+v", i, k, u)
		}
		if i == 5 && k.Code != account.CodeLocked || i < 5 && k.Code != account.CodeInvalidCredentials {
			t.Fatalf("attempt %d: %s", i, k.Code)
		}
	}
}

func TestParallelSignInsOnOneDeviceLeaveOneSession(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	var wg sync.WaitGroup
	tokens := make([]string, 5)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := h.signIn(a, a.Password, signupDevice(a), ""); err == nil {
				tokens[i] = res.SessionToken
			} else if !account.Is(err, account.CodeConflict) {
				t.Errorf("sign in: %v", err)
			}
		}()
	}
	wg.Wait()
	live := 0
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if strings.HasPrefix(it["PK"].(string), "SESSION#") && it["accountId"] == a.ID {
			live++
		}
	}
	if live != 1 {
		t.Fatalf("%d sessions stored for one device, want 1", live)
	}
}

func TestSessionExpiryAndSliding(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	h.Calls.Reset()
	if _, err := h.svc.Authenticate(ctx, a.SessionToken); err != nil {
		t.Fatal(err)
	}
	if n := h.Calls.Count("DynamoDB"); n != 1 {
		t.Fatalf("authenticate: %d round trips (%s), want 1", n, h.Calls)
	}
	h.Clock.Advance(25 * 24 * time.Hour)
	h.Calls.Reset()
	if _, err := h.svc.Authenticate(ctx, a.SessionToken); err != nil {
		t.Fatal(err)
	}
	if n := h.Calls.Count("DynamoDB"); n != 2 {
		t.Fatalf("sliding authenticate: %d round trips (%s), want 2", n, h.Calls)
	}
	h.Clock.Advance(25 * 24 * time.Hour) // 50 days after signup, 25 after the slide
	if _, err := h.svc.Authenticate(ctx, a.SessionToken); err != nil {
		t.Fatalf("the slide kept the session: %v", err)
	}
	h.Clock.Advance(31 * 24 * time.Hour)
	_, err := h.svc.Authenticate(ctx, a.SessionToken)
	wantCode(t, err, account.CodeUnauthenticated)
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), a.SessionToken + "A"} {
		_, err := h.svc.Authenticate(ctx, bad)
		wantCode(t, err, account.CodeUnauthenticated)
	}
}

func TestDevicesAndRemoval(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	second := h.mustSignIn(t, a, newDevice, h.Token(t, a, account.PurposeLoginStepUp))
	p, err := h.svc.Authenticate(ctx, a.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := h.svc.Devices(ctx, p)
	if err != nil || len(devs) != 2 {
		t.Fatalf("devices %+v %v", devs, err)
	}
	for _, d := range devs {
		if d.Current != (d.ID == a.DeviceID) || d.FirstSeen.IsZero() || d.LastSeen.IsZero() || d.Name == "" {
			t.Fatalf("device %+v", d)
		}
	}
	if err := h.svc.RemoveDevice(ctx, p, newDevice.ID); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Authenticate(ctx, second)
	wantCode(t, err, account.CodeUnauthenticated)
	wantCode(t, h.svc.RemoveDevice(ctx, p, newDevice.ID), account.CodeNotFound)
	wantCode(t, h.svc.RemoveDevice(ctx, p, "short"), account.CodeInvalidField)
	// The removed device is new again: it needs a step-up.
	_, err = h.signIn(a, a.Password, newDevice, "")
	wantCode(t, err, account.CodeStepUpRequired)
}

func TestSignOut(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	p, err := h.svc.Authenticate(ctx, a.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.SignOut(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Authenticate(ctx, a.SessionToken)
	wantCode(t, err, account.CodeUnauthenticated)
	if dev := stacktest.GetItem(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "DEVICE#"+a.DeviceID); dev == nil || dev["sessionHash"] != nil {
		t.Fatalf("device after sign-out: %v", dev)
	}
	h.mustSignIn(t, a, signupDevice(a), "") // still a known device
}

func TestRoundTripsSignIn(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	h.Clock.Advance(24 * time.Hour) // first activity of the day: the account's activity is written too
	h.Calls.Reset()
	h.mustSignIn(t, a, signupDevice(a), "")
	known := h.Calls.Count("DynamoDB")
	t.Logf("sign-in, known device: %d round trips (%s)", known, h.Calls)
	token := h.Token(t, a, account.PurposeLoginStepUp)
	h.Calls.Reset()
	h.mustSignIn(t, a, newDevice, token)
	stepUp := h.Calls.Count("DynamoDB")
	t.Logf("sign-in, new device with step-up: %d round trips (%s)", stepUp, h.Calls)
	if known > 3 || stepUp > 3 {
		t.Fatalf("sign-in takes %d / %d round trips, budget 3", known, stepUp)
	}
}

func TestRoundTripsAuthenticatedReads(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	h.Calls.Reset()
	p, err := h.svc.Authenticate(ctx, a.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Account(ctx, p); err != nil {
		t.Fatal(err)
	}
	acct := h.Calls.Count("DynamoDB")
	t.Logf("GET /v1/account: %d round trips (%s)", acct, h.Calls)
	h.Calls.Reset()
	if p, err = h.svc.Authenticate(ctx, a.SessionToken); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Devices(ctx, p); err != nil {
		t.Fatal(err)
	}
	devs := h.Calls.Count("DynamoDB")
	t.Logf("GET /v1/devices: %d round trips (%s)", devs, h.Calls)
	if acct != 2 || devs != 2 {
		t.Fatalf("authenticated reads take %d / %d round trips, want 2", acct, devs)
	}
}

// raceStore lands failures between a sign-in's read and its write, as wrong guesses sent
// alongside the right password do.
type raceStore struct {
	session.Store
	subject  session.Subject
	failures int
}

func (s *raceStore) SignIn(ctx context.Context, w session.Write) error {
	for ; s.failures > 0; s.failures-- {
		if _, err := s.RecordLoginFailure(ctx, s.subject, w.Now); err != nil {
			return err
		}
	}
	return s.Store.SignIn(ctx, w)
}

// TestRightPasswordAfterTheCountFillsIsLocked closes the concurrent-guess window: a right
// password checked while wrong ones were in flight gets in only if its write lands before the
// failure that fills the count. Landing after it, it is answered locked, like the guesses that
// came after the fifth, and the account is locked.
func TestRightPasswordAfterTheCountFillsIsLocked(t *testing.T) {
	for _, tc := range []struct {
		failures int
		want     account.Code
	}{{4, ""}, {5, account.CodeLocked}} {
		h := newHarness(t)
		a := h.SignUp(t)
		race := &raceStore{Store: h.Store, subject: session.Subject{AccountID: a.ID}, failures: tc.failures}
		svc := session.NewService(race, h.Hasher, h.Clock, rand.Reader, h.Cfg, h.Log)
		_, err := svc.SignIn(ctx, session.SignInRequest{Phone: a.Phone, Password: a.Password, Device: signupDevice(a), SourceIP: "198.51.100.7"})
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%d failures landed first: %v, want a session", tc.failures, err)
			}
			continue
		}
		wantCode(t, err, tc.want)
		if until := stacktest.GetNumber(t, h.DB, h.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "loginLockedUntil"); int64(until) <= h.Clock.Now().UnixMilli() {
			t.Fatalf("%d failures landed first: the account is not locked", tc.failures)
		}
	}
}

// TestAReplacedSecretRevokesTheDevice: the secret a sign-in replaced, sent again within
// ReplaceGrace, is a lost race (409, nothing revoked); later, it revokes the device: its session
// ends, the event is written, the current secret proves nothing, and the request is a new
// device's (step-up).
func TestAReplacedSecretRevokesTheDevice(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	old := signupDevice(a)
	res, err := h.signIn(a, a.Password, old, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.signIn(a, a.Password, old, "")
	wantCode(t, err, account.CodeConflict)
	if _, err := h.svc.Authenticate(ctx, res.SessionToken); err != nil {
		t.Fatalf("a race must not revoke: %v", err)
	}
	h.Clock.Advance(session.ReplaceGrace)
	_, err = h.signIn(a, a.Password, old, "")
	wantCode(t, err, account.CodeStepUpRequired)
	_, err = h.svc.Authenticate(ctx, res.SessionToken)
	wantCode(t, err, account.CodeUnauthenticated)
	current := old
	current.Secret = res.DeviceSecret
	_, err = h.signIn(a, a.Password, current, "")
	wantCode(t, err, account.CodeStepUpRequired)
	events := 0
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventDeviceSecretReused {
			events++
		}
	}
	if events != 1 {
		t.Fatalf("%d device_secret_reused events, want 1", events)
	}
	again, err := h.signIn(a, a.Password, old, h.Token(t, a, account.PurposeLoginStepUp))
	if err != nil || again.DeviceSecret == "" {
		t.Fatalf("a step-up enrols the revoked device again: %v", err)
	}
}

// TestReauthenticateRefreshesTheSession: a session is fresh at sign-in, stale RECENT_AUTH_WINDOW
// later, and fresh again after the password; a wrong password leaves it stale.
func TestReauthenticateRefreshesTheSession(t *testing.T) {
	h := newHarness(t)
	a := h.SignUp(t)
	p, err := h.svc.Authenticate(ctx, a.SessionToken)
	if err != nil || p.RequireFresh(h.Clock.Now(), h.Cfg.RecentAuthWindow) != nil {
		t.Fatalf("a new session must be fresh: %+v %v", p, err)
	}
	h.Clock.Advance(h.Cfg.RecentAuthWindow + time.Second)
	p, _ = h.svc.Authenticate(ctx, a.SessionToken)
	wantCode(t, p.RequireFresh(h.Clock.Now(), h.Cfg.RecentAuthWindow), account.CodeReauthRequired)
	wantCode(t, h.svc.Reauthenticate(ctx, p, "not-the-password-7", nil), account.CodeWrongPassword)
	p, _ = h.svc.Authenticate(ctx, a.SessionToken)
	wantCode(t, p.RequireFresh(h.Clock.Now(), h.Cfg.RecentAuthWindow), account.CodeReauthRequired)
	if err := h.svc.Reauthenticate(ctx, p, a.Password, nil); err != nil {
		t.Fatal(err)
	}
	p, _ = h.svc.Authenticate(ctx, a.SessionToken)
	if err := p.RequireFresh(h.Clock.Now(), h.Cfg.RecentAuthWindow); err != nil {
		t.Fatalf("after reauthentication: %v", err)
	}
}
