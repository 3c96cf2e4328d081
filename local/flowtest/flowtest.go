// Package flowtest sets up what integration tests of the flows share: a fresh table in DynamoDB
// Local, configuration with a random pepper and cheap argon2id parameters, an injected clock,
// real verification tokens, and real accounts made by the real signup flow.
package flowtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/otp/otptest"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/signup"
)

// Cheap are argon2id parameters that keep integration tests fast; the real ones are tested in
// shared/secret and shared/signup.
var Cheap = secret.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Env is one test's world.
type Env struct {
	DB     *dynamodb.Client
	Table  string
	Store  *dynamo.Store
	Cfg    config.Config
	Clock  *account.FixedClock
	Hasher *secret.Hasher
	Issuer *otptest.Issuer
	Calls  *stacktest.Calls // every DynamoDB call of Store
	Log    *slog.Logger
	signup *signup.Service
}

// Config returns the default configuration with a fresh random pepper, changed by tune (may be nil).
// Under the race detector, which makes argon2id about three times slower, new hashes are made at
// the least the configuration accepts (8 MiB, one pass): the flows hash every secret they are
// given, a signup five, and at production cost the flow tests' hashing was the largest part of
// make test's CPU. No rule a flow test checks depends on the cost; shared/secret pins
// production's parameters, and the timing tests set their own (local/abuse.HashParams).
func Config(t testing.TB, tune func(*config.Config)) config.Config {
	t.Helper()
	pepper := make([]byte, 32)
	_, _ = rand.Read(pepper)
	cfg, err := config.Load(func(k string) string {
		if k == "PEPPER" {
			return "1:" + base64.StdEncoding.EncodeToString(pepper)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if raceDetector {
		cfg.Argon2MemoryKiB, cfg.Argon2Time = 8192, 1
	}
	if tune != nil {
		tune(&cfg)
	}
	return cfg
}

// New returns an Env over a fresh table; tune may change the configuration.
func New(t testing.TB, tune func(*config.Config)) *Env {
	t.Helper()
	cfg := Config(t, tune)
	e := &Env{Cfg: cfg, Clock: &account.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		Calls: &stacktest.Calls{}, Log: slog.New(slog.DiscardHandler)}
	e.DB, e.Table = stacktest.NewTable(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, e.Calls.Middleware) })
	e.Store = dynamo.New(e.DB, e.Table).WithEventTTL(cfg.EventTTL)
	e.keyed()
	return e
}

// keyed makes what depends on the pepper.
func (e *Env) keyed() {
	e.Hasher = secret.NewHasher(Cheap, rand.Reader, e.Cfg.Pepper)
	e.Issuer = otptest.NewIssuer(e.Store, e.Cfg, e.Clock)
	e.signup = signup.NewService(e.Store, e.Hasher, strength.CheckLoginPassword, e.Clock, rand.Reader, e.Cfg, e.Log)
}

// Rotate does what an operator's pepper rotation does between two deployments: a new random key
// becomes the current one and the old ones stay as previous keys. Services made after it use the
// new keyring; the table keeps what was hashed before.
func (e *Env) Rotate(t testing.TB) {
	t.Helper()
	secretBytes := make([]byte, 32)
	_, _ = rand.Read(secretBytes)
	k, err := secret.NewKey(fmt.Sprintf("%d", len(e.Cfg.Pepper.Keys())+1), secretBytes)
	if err != nil {
		t.Fatal(err)
	}
	if e.Cfg.Pepper, err = secret.NewKeyring(k, e.Cfg.Pepper.Keys()...); err != nil {
		t.Fatal(err)
	}
	e.keyed()
}

// Account is a signed-up account with the secrets the test knows.
type Account struct {
	ID              string
	Phone           account.Phone
	Password        string
	PaymentPassword string
	Answers         map[string]string // question id -> answer
	IDNumber        string            // "" unless WithIDNumber
	SessionToken    string
	DeviceID        string
	DeviceSecret    string // the signup device's secret, which proves it at sign-in
}

// Option changes the signup request.
type Option func(*signup.Request, *Account)

// WithIDNumber gives the account a national ID number (real-name verified).
func WithIDNumber(id string) Option {
	return func(r *signup.Request, a *Account) {
		if r.Profile == nil {
			r.Profile = &signup.ProfileInput{}
		}
		r.Profile.IDType, r.Profile.IDNumber = "national_id", id
		a.IDNumber = id
	}
}

// WithContactEmail gives the account an email address at signup: contact information,
// unverified and claimed by nobody (BindEmail proves one).
func WithContactEmail(addr string) Option {
	return func(r *signup.Request, _ *Account) {
		if r.Profile == nil {
			r.Profile = &signup.ProfileInput{}
		}
		r.Profile.Email = addr
	}
}

// WithPhone signs up with this phone instead of a random one.
func WithPhone(p account.Phone) Option {
	return func(_ *signup.Request, a *Account) { a.Phone = p }
}

// SignUp creates an account through the real signup flow with a fresh random Chinese mobile.
func (e *Env) SignUp(t testing.TB, opts ...Option) Account {
	t.Helper()
	a := Account{Phone: NewPhone(t), Password: "violet-harbor-seventy-2", PaymentPassword: "295071", DeviceID: "device-signup-01",
		Answers: map[string]string{"first_school": "Riverside Primary", "first_pet": "Mochi", "childhood_street": "Elm Road"}}
	req := signup.Request{LoginPassword: a.Password, PaymentPassword: a.PaymentPassword, AgreementVersion: e.Cfg.AgreementVersion,
		Device: &session.DeviceInput{ID: a.DeviceID, Name: "Test phone", Platform: "android"}}
	for _, q := range []string{"first_school", "first_pet", "childhood_street"} {
		req.SecurityAnswers = append(req.SecurityAnswers, signup.AnswerInput{QuestionID: q, Answer: a.Answers[q]})
	}
	for _, o := range opts {
		o(&req, &a)
	}
	req.VerificationToken = e.Issuer.Token(t, a.Phone, account.PurposeSignup)
	res, err := e.signup.Signup(context.Background(), req, nil, "") // no Idempotency-Key: the raw body is not used
	if err != nil {
		t.Fatalf("flowtest: signup: %v", err)
	}
	var out signup.Result
	if err := json.Unmarshal(res, &out); err != nil {
		t.Fatal(err)
	}
	a.ID, a.SessionToken, a.DeviceSecret = out.AccountID, out.SessionToken, out.DeviceSecret
	return a
}

// NewPhone returns a random Chinese mobile number, unused with near certainty, that no test
// payment password is part of.
func NewPhone(t testing.TB) account.Phone {
	t.Helper()
	ph, err := phone.Parse("+86137"+stacktest.MobileDigits("137"), "")
	if err != nil {
		t.Fatal(err)
	}
	return ph
}

// Token returns a verification token for the account's phone and purpose.
func (e *Env) Token(t testing.TB, a Account, purpose account.Purpose) string {
	t.Helper()
	return e.Issuer.Token(t, a.Phone, purpose)
}

// Secrets lists every secret of the account, for scans of the table and the logs.
func (a Account) Secrets() []string {
	out := []string{a.Password, a.PaymentPassword, a.SessionToken, a.DeviceSecret}
	for _, v := range a.Answers {
		out = append(out, v)
	}
	if a.IDNumber != "" {
		out = append(out, a.IDNumber)
	}
	return out
}

// Events returns the details of the account's events of type typ, oldest first.
func (e *Env) Events(t testing.TB, accountID, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range stacktest.Scan(t, e.DB, e.Table) {
		if it["PK"] == "ACCOUNT#"+accountID && strings.HasPrefix(it["SK"].(string), "EVENT#") && it["type"] == typ {
			details, _ := it["details"].(map[string]any)
			out = append(out, details)
		}
	}
	return out
}

// BindEmail binds addr to the account through the real email binding (a code from the issuer's
// inbox, spent in the binding transaction), so that the address signs in.
func (e *Env) BindEmail(t testing.TB, a Account, addr string) {
	t.Helper()
	ctx := context.Background()
	svc := email.NewService(e.Store, e.Issuer.Codes(), e.Clock, rand.Reader, e.Cfg, e.Log)
	res, err := svc.Start(ctx, account.Principal{AccountID: a.ID, FreshAt: e.Clock.Now()}, email.StartRequest{Email: addr})
	if err != nil {
		t.Fatalf("flowtest: email code: %v", err)
	}
	code := e.Issuer.Code(strings.ToLower(addr))
	if _, err := svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: res.ChallengeID, Code: code}); err != nil {
		t.Fatalf("flowtest: bind email: %v", err)
	}
}

// NewEmail returns an address no other test uses (letters only: no digits a card scan could
// mistake).
func NewEmail(t testing.TB) string {
	t.Helper()
	b := make([]byte, 14)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return "li.wei." + string(b) + "@example.com"
}
