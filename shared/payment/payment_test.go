package payment_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
	"github.com/wallet-accounts/wallet/shared/payment"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

var ctx = context.Background()

type world struct {
	env      *flowtest.Env
	svc      *payment.Service
	passkeys *ceremony.Service
}

// newWorld is a payment service over a fresh table; table replaces the default limits when not "".
func newWorld(t *testing.T, table string) world {
	t.Helper()
	env := flowtest.New(t, func(c *config.Config) {
		if table != "" {
			if err := c.PaymentLimits.UnmarshalText([]byte(table)); err != nil {
				t.Fatal(err)
			}
		}
	})
	pks := ceremony.NewService(env.Store, env.Cfg, env.Clock, rand.Reader, env.Log)
	svc := payment.NewService(env.Store, paypass.New(env.Store, env.Hasher, env.Clock, env.Cfg, env.Log), pks, env.Clock,
		rand.Reader, env.Cfg, time.UTC, env.Log)
	return world{env: env, svc: svc, passkeys: pks}
}

func request(a flowtest.Account, amount, currency, payee, key string) payment.Request {
	return payment.Request{Caller: "arn:aws:iam::123456789012:role/payments", AccountID: a.ID, Amount: amount, Currency: currency,
		Payee: payment.Payee{ID: payee, Name: "Shop " + payee}, IdempotencyKey: key}
}

func (w world) authorize(t *testing.T, r payment.Request) payment.Answer {
	t.Helper()
	ans, err := w.svc.Authorize(ctx, r)
	if err != nil {
		t.Fatalf("authorize %s %s: %v", r.Amount, r.Currency, err)
	}
	return ans
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// checkReservations holds the table to the fault matrix's invariants, among them that every
// limit counter reserves exactly what the live authorizations in it hold.
func checkReservations(t *testing.T, env *flowtest.Env) {
	t.Helper()
	for _, v := range faults.CheckTable(faults.Snapshot(t, env.DB, env.Table)) {
		t.Error(v)
	}
}

// TestParallelAuthorizationsNeverPassTheDailyCap: 50 payments of 100 at once against a daily cap
// of 1,000 reserve exactly 1,000; voids and expiries give back exactly what they held.
func TestParallelAuthorizationsNeverPassTheDailyCap(t *testing.T) {
	w := newWorld(t, "phone.USD.day=1000")
	a := w.env.SignUp(t)
	var mu sync.Mutex
	var reserved []payment.Answer
	denied := 0
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ans := w.authorize(t, request(a, "100", "USD", "m1", fmt.Sprintf("key-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			if ans.Decision == payment.Denied {
				if ans.Reason != payment.ReasonLimit || ans.Exceeded.Window != limits.Day {
					t.Errorf("denied for %s %+v, want the day's limit", ans.Reason, ans.Exceeded)
				}
				denied++
				return
			}
			reserved = append(reserved, ans)
		}()
	}
	wg.Wait()
	if len(reserved) != 10 || denied != 40 {
		t.Fatalf("%d reserved, %d denied; want exactly 10 of 100 within the cap of 1,000, and 40 denied", len(reserved), denied)
	}
	checkReservations(t, w.env)
	// The 51st is denied and says nothing remains.
	if ans := w.authorize(t, request(a, "0.01", "USD", "m1", "key-over")); ans.Decision != payment.Denied || ans.Exceeded.Remaining != 0 {
		t.Fatalf("over the cap: %+v", ans)
	}
	// Three voids (one twice) and the rest's expiry release exactly what they held.
	for _, ans := range reserved[:3] {
		if _, err := w.svc.Void(ctx, ans.AuthorizationID); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := w.svc.Void(ctx, reserved[0].AuthorizationID); err != nil || v.Status != payment.StatusVoided {
		t.Fatalf("second void: %+v, %v", v, err)
	}
	checkReservations(t, w.env)
	if ans := w.authorize(t, request(a, "300", "USD", "m1", "key-after-voids")); ans.Decision == payment.Denied {
		t.Fatalf("after three voids 300 fits: %+v", ans)
	}
	w.env.Clock.Advance(w.env.Cfg.AuthorizationTTL + time.Second)
	n, err := w.svc.ExpireDue(ctx)
	if err != nil || n != 8 {
		t.Fatalf("expired %d, %v; want the 8 unconfirmed", n, err)
	}
	checkReservations(t, w.env)
	if ans := w.authorize(t, request(a, "1000", "USD", "m1", "key-after-expiry")); ans.Decision == payment.Denied {
		t.Fatalf("after every reservation expired, the whole cap fits: %+v", ans)
	}
}

func newAuthenticator() *passkeytest.Authenticator {
	return passkeytest.New("localhost", "http://localhost:3000", virtualwebauthn.AuthenticatorOptions{})
}

// registerPasskey registers a passkey to a through the real registration.
func (w world) registerPasskey(t *testing.T, a flowtest.Account) *passkeytest.Authenticator {
	t.Helper()
	auth := newAuthenticator()
	p := account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: w.env.Clock.Now()}
	opts, err := w.passkeys.BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.passkeys.FinishRegistration(ctx, p, ceremony.RegistrationRequest{RegistrationID: opts.RegistrationID, Name: "phone",
		Credential: auth.Register(t, opts.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	return auth
}

func shown(ans payment.Answer) payment.Shown {
	return payment.Shown{Amount: ans.Amount.String(), Currency: ans.Amount.Currency, PayeeID: ans.Payee.ID}
}

// TestAConfirmationApprovesOnlyItsPayment: a passkey assertion or a payment-password
// confirmation made for one authorization fails for another amount or payee, and works once.
func TestAConfirmationApprovesOnlyItsPayment(t *testing.T) {
	w := newWorld(t, "")
	a := w.env.SignUp(t)
	auth := w.registerPasskey(t, a)
	first := w.authorize(t, request(a, "100", "CNY", "shop-1", "k1"))
	dearer := w.authorize(t, request(a, "200", "CNY", "shop-1", "k2"))
	elsewhere := w.authorize(t, request(a, "100", "CNY", "shop-2", "k3"))
	for _, ans := range []payment.Answer{first, dearer, elsewhere} {
		if ans.Decision != payment.ConfirmationRequired || ans.PasskeyOptions == nil {
			t.Fatalf("want a confirmation with passkey options: %+v", ans)
		}
	}
	assertion := auth.Assert(t, first.PasskeyOptions)
	confirm := func(target payment.Answer, s payment.Shown, pin string, pk []byte) error {
		_, err := w.svc.Confirm(ctx, payment.ConfirmRequest{SessionToken: a.SessionToken, AuthorizationID: target.AuthorizationID,
			Shown: s, PaymentPassword: pin, Passkey: pk})
		return err
	}
	// The first payment's assertion, presented for the others (saying what they are), is refused.
	wantCode(t, confirm(dearer, shown(dearer), "", assertion), account.CodePasskeyRejected)
	wantCode(t, confirm(elsewhere, shown(elsewhere), "", assertion), account.CodePasskeyRejected)
	// A confirmation stating the first payment is refused for the others.
	wantCode(t, confirm(dearer, shown(first), a.PaymentPassword, nil), account.CodePaymentMismatch)
	wantCode(t, confirm(elsewhere, shown(first), a.PaymentPassword, nil), account.CodePaymentMismatch)
	// Its own payment it approves, once.
	if err := confirm(first, shown(first), "", assertion); err != nil {
		t.Fatal(err)
	}
	wantCode(t, confirm(first, shown(first), "", auth.Assert(t, first.PasskeyOptions)), account.CodeAuthorizationDone)
	if err := confirm(dearer, shown(dearer), a.PaymentPassword, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, confirm(dearer, shown(dearer), a.PaymentPassword, nil), account.CodeAuthorizationDone)
	// Another holder's session cannot confirm, and cannot tell the payment exists.
	other := w.env.SignUp(t)
	_, err := w.svc.Confirm(ctx, payment.ConfirmRequest{SessionToken: other.SessionToken, AuthorizationID: elsewhere.AuthorizationID,
		Shown: shown(elsewhere), PaymentPassword: other.PaymentPassword})
	wantCode(t, err, account.CodeNotFound)
	// Captured, a payment stays captured; voided, it cannot be captured.
	if c, err := w.svc.Capture(ctx, first.AuthorizationID); err != nil || c.Status != payment.StatusCaptured {
		t.Fatalf("capture: %+v, %v", c, err)
	}
	if _, err := w.svc.Capture(ctx, first.AuthorizationID); err != nil {
		t.Fatalf("a second capture answers the first: %v", err)
	}
	_, err = w.svc.Void(ctx, first.AuthorizationID)
	wantCode(t, err, account.CodeAlreadyCaptured)
	_, err = w.svc.Capture(ctx, elsewhere.AuthorizationID)
	wantCode(t, err, account.CodeNotApproved)
	checkReservations(t, w.env)
}

// TestPasswordFreePayments: within both caps a payment from a proven device needs no
// confirmation; over either, inside the nighttime window, from an unproven device or within 24 h
// of a reset or a new passkey, it does.
func TestPasswordFreePayments(t *testing.T) {
	w := newWorld(t, "")
	a := w.env.SignUp(t)
	p := account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: w.env.Clock.Now()}
	on := payment.SettingsChange{PasswordFree: true, Currency: "CNY", PerPayment: "50", Daily: "120", PaymentPassword: a.PaymentPassword}
	stale := p
	stale.FreshAt = w.env.Clock.Now().Add(-time.Hour)
	_, err := w.svc.PutSettings(ctx, stale, on)
	wantCode(t, err, account.CodeReauthRequired)
	if _, err := w.svc.PutSettings(ctx, p, on); err != nil {
		t.Fatal(err)
	}
	if n := len(w.env.Events(t, a.ID, account.EventPasswordFreeEnabled)); n != 1 {
		t.Fatalf("%d password_free_enabled events, want 1", n)
	}
	pay := func(amount, key, device string) payment.Decision {
		r := request(a, amount, "CNY", "cafe", key)
		r.DeviceID = device
		return w.authorize(t, r).Decision
	}
	for i, c := range []struct {
		amount, device string
		want           payment.Decision
	}{
		{"50", a.DeviceID, payment.Approved},
		{"50.01", a.DeviceID, payment.ConfirmationRequired}, // over the per-payment cap
		{"50", "", payment.ConfirmationRequired},            // no device named
		{"50", "device-unknown-01", payment.ConfirmationRequired},
		{"50", a.DeviceID, payment.Approved},
		{"20.01", a.DeviceID, payment.ConfirmationRequired}, // 100 today: over the daily 120
		{"20", a.DeviceID, payment.Approved},
	} {
		if got := pay(c.amount, fmt.Sprintf("k-%d", i), c.device); got != c.want {
			t.Errorf("%s CNY from %q: %s, want %s", c.amount, c.device, got, c.want)
		}
	}
	w.env.Clock.Advance(24 * time.Hour) // a new day
	if got := pay("10", "k-day2", a.DeviceID); got != payment.Approved {
		t.Fatalf("next day: %s", got)
	}
	w.registerPasskey(t, a)
	if got := pay("10", "k-passkey", a.DeviceID); got != payment.ConfirmationRequired {
		t.Errorf("within 24 h of a new passkey: %s", got)
	}
	w.env.Clock.Advance(25 * time.Hour)
	if got := pay("10", "k-later", a.DeviceID); got != payment.Approved {
		t.Errorf("25 h after the passkey: %s", got)
	}
	acctPK := "ACCOUNT#" + a.ID
	stacktest.UpdateItem(t, w.env.DB, w.env.Table, acctPK, "ACCOUNT", "SET passwordResetAt = :t",
		map[string]any{":t": w.env.Clock.Now().Add(-time.Hour).UnixMilli()})
	if got := pay("10", "k-reset", a.DeviceID); got != payment.ConfirmationRequired {
		t.Errorf("an hour after a reset: %s", got)
	}
	w.env.Clock.Advance(24 * time.Hour)
	stacktest.UpdateItem(t, w.env.DB, w.env.Table, acctPK, "ACCOUNT", "SET alerts = :a", map[string]any{":a": map[string]any{
		"night": true, "nightStart": "00:00", "nightEnd": "23:59", "timeZone": "UTC"}})
	if got := pay("10", "k-night", a.DeviceID); got != payment.StepUpRequired {
		t.Errorf("inside the nighttime window: %s", got)
	}
	checkReservations(t, w.env)
}

// TestInsideTheNighttimeWindowAConfirmationNeedsAStepUp: a payment inside the window is
// step_up_required: the payment password alone is refused, with a login_step_up code (spent) or
// a passkey it is approved.
func TestInsideTheNighttimeWindowAConfirmationNeedsAStepUp(t *testing.T) {
	w := newWorld(t, "")
	a := w.env.SignUp(t)
	auth := w.registerPasskey(t, a)
	stacktest.UpdateItem(t, w.env.DB, w.env.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "SET alerts = :a", map[string]any{":a": map[string]any{
		"night": true, "nightStart": "00:00", "nightEnd": "23:59", "timeZone": "UTC"}})
	confirm := func(ans payment.Answer, token string, pk []byte) error {
		req := payment.ConfirmRequest{SessionToken: a.SessionToken, AuthorizationID: ans.AuthorizationID, Shown: shown(ans),
			VerificationToken: token, Passkey: pk}
		if pk == nil {
			req.PaymentPassword = a.PaymentPassword
		}
		_, err := w.svc.Confirm(ctx, req)
		return err
	}
	byCode := w.authorize(t, request(a, "10", "CNY", "shop", "night-1"))
	if byCode.Decision != payment.StepUpRequired {
		t.Fatalf("inside the window: %s", byCode.Decision)
	}
	wantCode(t, confirm(byCode, "", nil), account.CodeStepUpRequired)
	token := w.env.Token(t, a, account.PurposeLoginStepUp)
	if err := confirm(byCode, token, nil); err != nil {
		t.Fatal(err)
	}
	byPasskey := w.authorize(t, request(a, "10", "CNY", "shop", "night-2"))
	wantCode(t, confirm(byPasskey, token, nil), account.CodeInvalidToken) // spent by the first
	if err := confirm(byPasskey, "", auth.Assert(t, byPasskey.PasskeyOptions)); err != nil {
		t.Fatal(err)
	}
	checkReservations(t, w.env)
}
