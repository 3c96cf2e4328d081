package email_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/ses"
)

// harness is the email service over a fresh table in DynamoDB Local, its codes sent through
// moto's SES, with an injected clock.
type harness struct {
	*flowtest.Env
	svc     *email.Service
	failing atomic.Bool // SES fails while set (an SDK middleware in front of the real client)
}

func newHarness(t *testing.T, tune func(*config.Config)) *harness {
	t.Helper()
	h := &harness{Env: flowtest.New(t, tune)}
	stacktest.VerifySender(t, h.Cfg.EmailFrom)
	client := stacktest.SESClient(t, func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, h.inject) })
	codes := otp.NewService(h.Store, nil, h.Clock, rand.Reader, h.Cfg, h.Log).WithMailer(courier.NewMailer(ses.New(client, h.Cfg.EmailFrom)))
	h.svc = email.NewService(h.Store, codes, h.Clock, rand.Reader, h.Cfg, h.Log)
	return h
}

func (h *harness) inject(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("fail", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if h.failing.Load() {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: ses unavailable")
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

// fresh is the account's principal with a factor proven now.
func (h *harness) fresh(a flowtest.Account) account.Principal {
	return account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: h.Clock.Now()}
}

// newAddress is an address no other test uses, in mixed case.
func newAddress(t *testing.T) string {
	t.Helper()
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<40))
	return fmt.Sprintf("Li.Wei.%d@Example.com", n.Int64())
}

// start asks for a code for addr and returns the challenge and the code the email carried.
func (h *harness) start(t *testing.T, p account.Principal, addr string) (string, string) {
	t.Helper()
	before := len(stacktest.EmailTo(t, addr))
	res, err := h.svc.Start(context.Background(), p, email.StartRequest{Email: addr, SourceIP: "198.51.100.7"})
	if err != nil {
		t.Fatalf("start %s: %v", addr, err)
	}
	m := stacktest.WaitEmail(t, addr, before, 5*time.Second)
	return res.ChallengeID, m.Code(t)
}

func code(t *testing.T, err error, want account.Code) {
	t.Helper()
	if !account.Is(err, want) {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func (h *harness) owner(t *testing.T, addr string) string {
	t.Helper()
	id, err := h.Store.EmailOwner(context.Background(), strings.ToLower(addr))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBindEmail: the code sent to the address binds it in one transaction: the claim, the
// account's email verified, the email_changed event with masked details; the code mail is in
// the account's language and the address is lower-cased.
func TestBindEmail(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	addr := newAddress(t)
	id, c := h.start(t, h.fresh(a), addr)
	res, err := h.svc.Verify(context.Background(), account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(addr)
	if res.Email != lower || !res.EmailVerified || h.owner(t, addr) != a.ID {
		t.Fatalf("result %+v, owner %q", res, h.owner(t, addr))
	}
	acct, _ := h.Store.Account(context.Background(), a.ID)
	if acct.Profile.Email != lower || !acct.Profile.EmailVerified {
		t.Fatalf("profile %+v", acct.Profile)
	}
	ev := h.event(t, a.ID, account.EventEmailChanged)
	if d := ev["details"].(map[string]any); d[account.DetailEmail] != account.MaskEmail(lower) || d[account.DetailOldEmail] != nil {
		t.Fatalf("details %v", d)
	}
	if stacktest.GetItem(t, h.DB, h.Table, "OTP#"+id, "OTP") != nil {
		t.Fatal("the challenge must be spent with the binding")
	}
}

// event returns the account's one event of type kind as stored.
func (h *harness) event(t *testing.T, accountID, kind string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+accountID && strings.HasPrefix(it["SK"].(string), "EVENT#") && it["type"] == kind {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s events, want 1", len(found), kind)
	}
	return found[0]
}

// TestStartNeedsFreshProof: a session whose holder proved no factor within RECENT_AUTH_WINDOW
// may not ask for a code, nor remove the email.
func TestStartNeedsFreshProof(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	stale := account.Principal{AccountID: a.ID, FreshAt: h.Clock.Now().Add(-h.Cfg.RecentAuthWindow - time.Second)}
	_, err := h.svc.Start(context.Background(), stale, email.StartRequest{Email: newAddress(t)})
	code(t, err, account.CodeReauthRequired)
	code(t, h.svc.Remove(context.Background(), stale), account.CodeReauthRequired)
}

// TestAddressIsValidated: one bare address, at most 254 characters, with a dotted domain.
func TestAddressIsValidated(t *testing.T) {
	h := newHarness(t, nil)
	p := h.fresh(h.SignUp(t))
	for _, bad := range []string{"not-an-email", "Li Wei <li@example.com>", "li@localhost", "a@b@example.com",
		strings.Repeat("a", 250) + "@example.com", "li@example.com\nBcc: x@example.com", "li@exa mple.com"} {
		_, err := h.svc.Start(context.Background(), p, email.StartRequest{Email: bad})
		if !account.Is(err, account.CodeInvalidEmail) {
			t.Errorf("%q: got %v, want invalid_email", bad, err)
		}
	}
	_, err := h.svc.Start(context.Background(), p, email.StartRequest{Email: ""})
	code(t, err, account.CodeMissingField)
}

// TestTheOldAddressStaysUntilTheNewIsVerified: asking for a code to a new address changes
// nothing; its code binds it in place of the old, whose claim is released and whose address is
// kept (only) for the alert's notice.
func TestTheOldAddressStaysUntilTheNewIsVerified(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	old, next := newAddress(t), newAddress(t)
	h.bind(t, a, old)
	id, c := h.start(t, h.fresh(a), next)
	if h.owner(t, old) != a.ID || h.owner(t, next) != "" {
		t.Fatal("a code must change nothing: the old address stays bound")
	}
	if _, err := h.svc.Verify(context.Background(), account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err)
	}
	if h.owner(t, old) != "" || h.owner(t, next) != a.ID {
		t.Fatalf("owners: old %q, new %q", h.owner(t, old), h.owner(t, next))
	}
	var changed map[string]any
	for _, it := range stacktest.Scan(t, h.DB, h.Table) {
		if it["PK"] == "ACCOUNT#"+a.ID && it["type"] == account.EventEmailChanged && it["details"].(map[string]any)[account.DetailOldEmail] != nil {
			changed = it
		}
	}
	if changed == nil || changed["details"].(map[string]any)[account.DetailOldEmail] != account.MaskEmail(strings.ToLower(old)) {
		t.Fatalf("event %v", changed)
	}
	replaced, err := h.Store.ReplacedEmail(context.Background(), a.ID, strings.TrimPrefix(changed["SK"].(string), "EVENT#"))
	if err != nil || replaced != strings.ToLower(old) {
		t.Fatalf("replaced %q (%v)", replaced, err)
	}
}

// bind binds addr to a.
func (h *harness) bind(t *testing.T, a flowtest.Account, addr string) {
	t.Helper()
	id, c := h.start(t, h.fresh(a), addr)
	if _, err := h.svc.Verify(context.Background(), account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err)
	}
}

// TestAlreadyBound: the account's verified address answers email_already_bound, at the code
// request; another account's address is sent a code like any other (nothing tells it is taken)
// and answers email_taken only when the code is spent.
func TestAlreadyBoundAndTaken(t *testing.T) {
	h := newHarness(t, nil)
	a, b := h.SignUp(t), h.SignUp(t)
	addr := newAddress(t)
	h.bind(t, a, addr)
	_, err := h.svc.Start(context.Background(), h.fresh(a), email.StartRequest{Email: strings.ToUpper(addr)})
	code(t, err, account.CodeEmailAlreadyBound)
	id, c := h.start(t, h.fresh(b), addr)
	_, err = h.svc.Verify(context.Background(), account.Principal{AccountID: b.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeEmailTaken)
	if h.owner(t, addr) != a.ID {
		t.Fatal("the address must stay a's")
	}
}

// TestTwoAccountsRaceForOneEmail: accounts that each hold a right code for one address spend
// them at once, with real concurrency against DynamoDB Local: exactly one gets the address.
func TestTwoAccountsRaceForOneEmail(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPEmailHourly, c.OTPEmailDaily = 100, 100 })
	addr := newAddress(t)
	const n = 6
	type pending struct {
		a     flowtest.Account
		id, c string
	}
	ps := make([]pending, n)
	for i := range ps {
		a := h.SignUp(t)
		id, c := h.start(t, h.fresh(a), addr)
		ps[i] = pending{a, id, c}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	out := map[account.Code]int{}
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.Verify(context.Background(), account.Principal{AccountID: p.a.ID}, email.VerifyRequest{ChallengeID: p.id, Code: p.c})
			var c account.Code
			if e, ok := account.As(err); ok {
				c = e.Code
			} else if err != nil {
				c = "error: " + account.Code(err.Error())
			}
			mu.Lock()
			out[c]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if out[""] != 1 || out[account.CodeEmailTaken]+out[account.CodeConflict] != n-1 {
		t.Fatalf("outcomes %v, want one success", out)
	}
	winner := h.owner(t, addr)
	bound := 0
	for _, p := range ps {
		acct, _ := h.Store.Account(context.Background(), p.a.ID)
		if acct.Profile.EmailVerified {
			bound++
			if p.a.ID != winner {
				t.Errorf("account %s has the address, the claim says %s", p.a.ID, winner)
			}
		}
	}
	if bound != 1 {
		t.Fatalf("%d accounts have the address", bound)
	}
}

// TestCodeRules: an email code lives OTP_TTL, is single use, is burned by OTP_MAX_ATTEMPTS
// wrong tries, and only the account that asked may spend it.
func TestCodeRules(t *testing.T) {
	h := newHarness(t, nil)
	a, b := h.SignUp(t), h.SignUp(t)
	ctx := context.Background()

	id, c := h.start(t, h.fresh(a), newAddress(t))
	_, err := h.svc.Verify(ctx, account.Principal{AccountID: b.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeChallengeNotFound) // another account's challenge
	h.Clock.Advance(h.Cfg.OTPTTL + time.Second)
	_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeChallengeExpired)

	id, c = h.start(t, h.fresh(a), newAddress(t))
	wrong := fmt.Sprintf("%06d", (atoi(c)+1)%1000000)
	for i := 1; i < h.Cfg.OTPMaxAttempts; i++ {
		_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: wrong})
		e, _ := account.As(err)
		if e == nil || e.Code != account.CodeInvalidCode || *e.AttemptsRemaining != h.Cfg.OTPMaxAttempts-i {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: wrong})
	code(t, err, account.CodeTooManyAttempts)
	_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeTooManyAttempts) // burned: the right code no longer works

	addr := newAddress(t)
	id, c = h.start(t, h.fresh(a), addr)
	if _, err := h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeChallengeNotFound) // single use: spent with the binding
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestResendCooldownAndLimits: one code per address (and account) per OTP_RESEND_AFTER, a new
// one replacing the old; OTP_EMAIL_HOURLY per address; OTP_IP_HOURLY per source IP.
func TestResendCooldownAndLimits(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPEmailHourly, c.OTPIPHourly = 3, 5 })
	a := h.SignUp(t)
	ctx := context.Background()
	addr := newAddress(t)
	first, firstCode := h.start(t, h.fresh(a), addr)
	_, err := h.svc.Start(ctx, h.fresh(a), email.StartRequest{Email: addr, SourceIP: "198.51.100.7"})
	e, _ := account.As(err)
	if e == nil || e.Code != account.CodeResendTooSoon || e.RetryAfter != h.Cfg.OTPResendAfter {
		t.Fatalf("resend at once: %v", err)
	}
	h.Clock.Advance(h.Cfg.OTPResendAfter)
	h.start(t, h.fresh(a), addr)
	_, err = h.svc.Verify(ctx, account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: first, Code: firstCode})
	code(t, err, account.CodeChallengeNotFound) // replaced by the new code
	h.Clock.Advance(h.Cfg.OTPResendAfter)
	h.start(t, h.fresh(a), addr)
	h.Clock.Advance(h.Cfg.OTPResendAfter)
	_, err = h.svc.Start(ctx, h.fresh(a), email.StartRequest{Email: addr, SourceIP: "198.51.100.8"})
	code(t, err, account.CodeRateLimited) // the address's fourth code this hour

	// Refused requests charge nothing: the source IP .7 has 3 codes this hour; two more to other
	// addresses reach OTP_IP_HOURLY (5), and the next is refused.
	h.start(t, h.fresh(a), newAddress(t))
	h.start(t, h.fresh(a), newAddress(t))
	_, err = h.svc.Start(ctx, h.fresh(a), email.StartRequest{Email: newAddress(t), SourceIP: "198.51.100.7"})
	code(t, err, account.CodeRateLimited)
}

// TestDailyEmailBudget: the service's emails per day stop at EMAIL_DAILY_BUDGET, answered 503
// email_budget_exhausted until the day ends.
func TestDailyEmailBudget(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.EmailDailyBudget = 4 })
	a := h.SignUp(t)
	sent, refused := 0, 0
	for range 10 {
		_, err := h.svc.Start(context.Background(), h.fresh(a), email.StartRequest{Email: newAddress(t)})
		switch e, _ := account.As(err); {
		case err == nil:
			sent++
		case e != nil && e.Code == account.CodeEmailBudgetExhausted && e.RetryAfter > 0:
			refused++
		default:
			t.Fatalf("send: %v", err)
		}
	}
	if sent < 1 || sent > 4 || refused != 10-sent {
		t.Fatalf("sent %d, refused %d; the budget is 4", sent, refused)
	}
}

// TestSESFailureWithdrawsTheCode: when SES fails the client gets 503 email_unavailable, the
// challenge is not left usable and nothing is charged, so a retry at once is not refused.
func TestSESFailureWithdrawsTheCode(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPEmailHourly = 1 })
	a := h.SignUp(t)
	addr := newAddress(t)
	h.failing.Store(true)
	_, err := h.svc.Start(context.Background(), h.fresh(a), email.StartRequest{Email: addr})
	code(t, err, account.CodeEmailUnavailable)
	h.failing.Store(false)
	h.start(t, h.fresh(a), addr) // neither the cooldown nor the hourly cap of 1 was charged
}

// TestRemoveEmail: removing releases the claim (the address no longer signs in), writes
// email_removed and keeps the address for the alert's notice; an account without an email
// answers no_email.
func TestRemoveEmail(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	code(t, h.svc.Remove(context.Background(), h.fresh(a)), account.CodeNoEmail)
	addr := newAddress(t)
	h.bind(t, a, addr)
	if err := h.svc.Remove(context.Background(), h.fresh(a)); err != nil {
		t.Fatal(err)
	}
	acct, _ := h.Store.Account(context.Background(), a.ID)
	if h.owner(t, addr) != "" || acct.Profile.Email != "" || acct.Profile.EmailVerified {
		t.Fatalf("owner %q, profile %+v", h.owner(t, addr), acct.Profile)
	}
	ev := h.event(t, a.ID, account.EventEmailRemoved)
	if ev["details"].(map[string]any)[account.DetailOldEmail] != account.MaskEmail(strings.ToLower(addr)) {
		t.Fatalf("event %v", ev)
	}
	replaced, err := h.Store.ReplacedEmail(context.Background(), a.ID, strings.TrimPrefix(ev["SK"].(string), "EVENT#"))
	if err != nil || replaced != strings.ToLower(addr) {
		t.Fatalf("replaced %q (%v)", replaced, err)
	}
}

// TestFrozenAccountBindsNothing: a frozen account may not ask for a code.
func TestFrozenAccountBindsNothing(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	_, err := h.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: &h.Table,
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ACCOUNT#" + a.ID}, "SK": &types.AttributeValueMemberS{Value: "ACCOUNT"}},
		UpdateExpression:          aws.String("SET #s = :f"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberS{Value: "frozen"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Start(context.Background(), h.fresh(a), email.StartRequest{Email: newAddress(t)})
	code(t, err, account.CodeAccountFrozen)
}

// TestABindingThatFailedAfterTheCodeCanBeRetried: when the binding's transaction fails after the
// code was checked (the challenge is then a proof of this account's), the same request again
// binds; it is the account's own proof, and no other account can spend it.
func TestABindingThatFailedAfterTheCodeCanBeRetried(t *testing.T) {
	h := newHarness(t, nil)
	a, b := h.SignUp(t), h.SignUp(t)
	addr := newAddress(t)
	id, c := h.start(t, h.fresh(a), addr)
	codes := otp.NewService(h.Store, nil, h.Clock, rand.Reader, h.Cfg, h.Log)
	if _, err := codes.Prove(context.Background(), otp.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err) // the code checked, as Verify does before its transaction, which then failed
	}
	_, err := h.svc.Verify(context.Background(), account.Principal{AccountID: b.ID}, email.VerifyRequest{ChallengeID: id, Code: c})
	code(t, err, account.CodeChallengeNotFound)
	if _, err := h.svc.Verify(context.Background(), account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err)
	}
	if h.owner(t, addr) != a.ID {
		t.Fatal("the retry must bind the address")
	}
}

// TestRoundTripsEmail: past the session's read (apigw), a code is 2 DynamoDB round trips (the
// slot and the account in one batch, then the challenge's transaction) and the SES call; its
// binding 3 (the account and the challenge in one batch, the code's check, the transaction);
// the removal 2 (the account, the transaction).
func TestRoundTripsEmail(t *testing.T) {
	h := newHarness(t, nil)
	a := h.SignUp(t)
	addr := newAddress(t)
	h.Calls.Reset()
	id, c := h.start(t, h.fresh(a), addr)
	if n := h.Calls.Count("DynamoDB"); n != 2 {
		t.Errorf("code: %d DynamoDB round trips (%s), want 2", n, h.Calls)
	}
	h.Calls.Reset()
	if _, err := h.svc.Verify(context.Background(), account.Principal{AccountID: a.ID}, email.VerifyRequest{ChallengeID: id, Code: c}); err != nil {
		t.Fatal(err)
	}
	if n := h.Calls.Count("DynamoDB"); n != 3 {
		t.Errorf("binding: %d DynamoDB round trips (%s), want 3", n, h.Calls)
	}
	h.Calls.Reset()
	if err := h.svc.Remove(context.Background(), h.fresh(a)); err != nil {
		t.Fatal(err)
	}
	if n := h.Calls.Count("DynamoDB"); n != 2 {
		t.Errorf("removal: %d DynamoDB round trips (%s), want 2", n, h.Calls)
	}
}
