package otp_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phone"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// harness is an otp.Service over a fresh table in DynamoDB Local and SMS through moto, with an
// injected clock and a record of every text handed to SNS.
type harness struct {
	svc   *otp.Service
	store *dynamo.Store
	clock *account.FixedClock
	db    *dynamodb.Client
	table string
	cfg   config.Config
	sent  *outbox
	ddb   *stacktest.Calls
	sns   *stacktest.Calls
	// courier is the SMS courier the service sends with, for a test that builds its own service.
	courier otp.Courier
}

func newHarness(t *testing.T, tune func(*config.Config)) *harness {
	t.Helper()
	cfg := testConfig(t)
	if tune != nil {
		tune(&cfg)
	}
	h := &harness{clock: &account.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}, cfg: cfg,
		sent: &outbox{}, ddb: &stacktest.Calls{}, sns: &stacktest.Calls{}}
	h.db, h.table = stacktest.NewTable(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, h.ddb.Middleware) })
	snsClient := stacktest.SNSClient(t, func(o *sns.Options) {
		o.APIOptions = append(o.APIOptions, h.sns.Middleware, h.sent.capture)
	})
	h.store = dynamo.New(h.db, h.table)
	h.courier = courier.New(sms.New(snsClient, ""))
	h.svc = otp.NewService(h.store, h.courier, h.clock, rand.Reader, cfg, slog.New(slog.DiscardHandler))
	return h
}

func testConfig(t *testing.T) config.Config {
	return flowtest.Config(t, func(c *config.Config) { c.NoSendDelay = time.Millisecond })
}

// outbox records the text of every Publish, and can make SNS fail, as an SDK middleware in front
// of the real client: the request still goes to moto unless failing is set.
type outbox struct {
	mu      sync.Mutex
	texts   map[string][]string // by phone
	failing bool
}

func (o *outbox) capture(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("outbox", func(ctx context.Context,
		in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if p, ok := in.Parameters.(*sns.PublishInput); ok {
			o.mu.Lock()
			if o.texts == nil {
				o.texts = map[string][]string{}
			}
			o.texts[*p.PhoneNumber] = append(o.texts[*p.PhoneNumber], *p.Message)
			failing := o.failing
			o.mu.Unlock()
			if failing {
				return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: sns unavailable")
			}
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

func (o *outbox) setFailing(f bool) { o.mu.Lock(); o.failing = f; o.mu.Unlock() }

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// lastCode returns the code in the last text sent to e164.
func (o *outbox) lastCode(t *testing.T, e164 string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	texts := o.texts[e164]
	if len(texts) == 0 {
		t.Fatalf("no SMS to %s", e164)
	}
	code := codeRE.FindString(texts[len(texts)-1])
	if code == "" {
		t.Fatalf("no code in %q", texts[len(texts)-1])
	}
	return code
}

func (o *outbox) count(e164 string) int { o.mu.Lock(); defer o.mu.Unlock(); return len(o.texts[e164]) }

const (
	cnPhone = "+8613800138000"
	cnInput = "+86 138 0013 8000"
)

func (h *harness) send(t *testing.T, number string, purpose account.Purpose) (otp.SendResult, error) {
	t.Helper()
	num, err := phone.Parse(number, "")
	if err != nil {
		t.Fatalf("parse %s: %v", number, err)
	}
	return h.svc.Send(context.Background(), otp.SendRequest{Phone: num, Purpose: purpose, SourceIP: "198.51.100.7"})
}

func (h *harness) mustSend(t *testing.T, phone string, purpose account.Purpose) otp.SendResult {
	t.Helper()
	res, err := h.send(t, phone, purpose)
	if err != nil {
		t.Fatalf("send %s: %v", purpose, err)
	}
	return res
}

func (h *harness) verify(id, code string) (otp.VerifyResult, error) {
	return h.svc.Verify(context.Background(), otp.VerifyRequest{ChallengeID: id, Code: code})
}

func wantCode(t *testing.T, err error, code account.Code) *account.Error {
	t.Helper()
	e, ok := account.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return e
}

func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestSendAndVerify(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	if res.ExpiresInSeconds != 300 || res.ResendAfterSeconds != 60 || res.CodeLength != 6 || res.ChallengeID == "" {
		t.Fatalf("send result %+v", res)
	}
	got, err := h.verify(res.ChallengeID, h.sent.lastCode(t, cnPhone))
	if err != nil {
		t.Fatal(err)
	}
	if got.ExpiresInSeconds != 600 || len(got.VerificationToken) < 40 {
		t.Fatalf("verify result %+v", got)
	}
	proof, err := h.store.Proof(context.Background(), got.VerificationToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := otp.CheckProof(proof, got.VerificationToken, account.PurposeSignup, cnPhone, h.clock.Now()); err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
}

func TestCodeExpires(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	h.clock.Advance(5*time.Minute + time.Second)
	_, err := h.verify(res.ChallengeID, h.sent.lastCode(t, cnPhone))
	wantCode(t, err, account.CodeChallengeExpired)
}

func TestFiveWrongCodesBurnTheChallenge(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	for i := 1; i <= 4; i++ {
		_, err := h.verify(res.ChallengeID, wrong(code))
		e := wantCode(t, err, account.CodeInvalidCode)
		if e.AttemptsRemaining == nil || *e.AttemptsRemaining != 5-i {
			t.Fatalf("attempt %d: attemptsRemaining %v", i, e.AttemptsRemaining)
		}
	}
	// The fifth wrong code uses the last try: it is answered with the limit, as the fifth wrong
	// password is.
	_, err := h.verify(res.ChallengeID, wrong(code))
	wantCode(t, err, account.CodeTooManyAttempts)
	_, err = h.verify(res.ChallengeID, code)
	wantCode(t, err, account.CodeTooManyAttempts)
}

// TestABurnedChallengeSaysWhenToAskAgain: like every 429, the answer for a challenge burned by
// wrong codes says when to retry: when a new code may be sent.
func TestABurnedChallengeSaysWhenToAskAgain(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	for range 5 {
		_, _ = h.verify(res.ChallengeID, wrong(code))
	}
	_, err := h.verify(res.ChallengeID, code)
	e := wantCode(t, err, account.CodeTooManyAttempts)
	if e.RetryAfter < time.Second || e.RetryAfter > 60*time.Second {
		t.Fatalf("retry after %v, want within the 60 s resend cooldown", e.RetryAfter)
	}
}

// TestAChallengeBurnedByTheDailyCapSaysTheDayEnds: when the phone's wrong codes for the day burn
// a challenge, its 429s say to retry when the day ends (no new code is sent before), not after
// the resend cooldown.
func TestAChallengeBurnedByTheDailyCapSaysTheDayEnds(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPPhoneFailures = 2 })
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	untilMidnight := 14 * time.Hour // the harness clock is 10:00 UTC
	for range 2 {                   // the day's count takes two
		_, err := h.verify(res.ChallengeID, wrong(code))
		wantCode(t, err, account.CodeInvalidCode)
	}
	_, err := h.verify(res.ChallengeID, wrong(code))
	if e := wantCode(t, err, account.CodeTooManyAttempts); e.RetryAfter != untilMidnight {
		t.Fatalf("the wrong code past the day's count: retry after %v, want %v", e.RetryAfter, untilMidnight)
	}
	_, err = h.verify(res.ChallengeID, code)
	if e := wantCode(t, err, account.CodeTooManyAttempts); e.RetryAfter != untilMidnight {
		t.Fatalf("the burned challenge: retry after %v, want %v", e.RetryAfter, untilMidnight)
	}
	// No new code goes out to the phone until the day's count ends (the send reads the count).
	h.clock.Advance(time.Minute)
	_, err = h.send(t, cnInput, account.PurposeResetLogin)
	if e := wantCode(t, err, account.CodeTooManyAttempts); e.RetryAfter != untilMidnight-time.Minute {
		t.Fatalf("a send after the day's wrong codes: retry after %v, want %v", e.RetryAfter, untilMidnight-time.Minute)
	}
}

func TestCodeWorksOnce(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	if _, err := h.verify(res.ChallengeID, code); err != nil {
		t.Fatal(err)
	}
	_, err := h.verify(res.ChallengeID, code)
	wantCode(t, err, account.CodeChallengeUsed)
}

func TestResendCooldownAndReplacement(t *testing.T) {
	h := newHarness(t, nil)
	first := h.mustSend(t, cnInput, account.PurposeSignup)
	firstCode := h.sent.lastCode(t, cnPhone)
	h.clock.Advance(20 * time.Second)
	_, err := h.send(t, cnInput, account.PurposeSignup)
	e := wantCode(t, err, account.CodeResendTooSoon)
	if e.RetryAfter != 40*time.Second {
		t.Fatalf("retry after %v, want 40s", e.RetryAfter)
	}
	// Another purpose has its own cooldown.
	h.mustSend(t, cnInput, account.PurposeLoginStepUp)
	h.clock.Advance(41 * time.Second)
	second := h.mustSend(t, cnInput, account.PurposeSignup)
	_, err = h.verify(first.ChallengeID, firstCode)
	wantCode(t, err, account.CodeChallengeNotFound)
	if _, err := h.verify(second.ChallengeID, h.sent.lastCode(t, cnPhone)); err != nil {
		t.Fatalf("the new code must work: %v", err)
	}
}

// TestOnlyALiveCodeIsSuperseded: a send marks the previous challenge superseded only while its
// code could still be redeemed; one past its lifetime (and the clocks' margin) is left as it is,
// a write saved, and its code still does not work.
func TestOnlyALiveCodeIsSuperseded(t *testing.T) {
	h := newHarness(t, nil)
	first := h.mustSend(t, cnInput, account.PurposeSignup)
	firstCode := h.sent.lastCode(t, cnPhone)
	h.clock.Advance(h.cfg.OTPTTL + 2*time.Minute)
	second := h.mustSend(t, cnInput, account.PurposeSignup)
	if item := stacktest.GetItem(t, h.db, h.table, "OTP#"+first.ChallengeID, "OTP"); item["superseded"] != false {
		t.Fatalf("an expired challenge was written again: %v", item)
	}
	if _, err := h.verify(first.ChallengeID, firstCode); err == nil {
		t.Fatal("an expired code was accepted")
	}
	h.clock.Advance(61 * time.Second)
	h.mustSend(t, cnInput, account.PurposeSignup)
	if item := stacktest.GetItem(t, h.db, h.table, "OTP#"+second.ChallengeID, "OTP"); item["superseded"] != true {
		t.Fatalf("a live challenge was not superseded: %v", item)
	}
}

func noCooldown(c *config.Config) { c.OTPResendAfter = 0 }

func TestPhoneHourlyAndDailyCaps(t *testing.T) {
	h := newHarness(t, noCooldown)
	for i := 0; i < 5; i++ {
		h.mustSend(t, cnInput, account.PurposeSignup)
	}
	_, err := h.send(t, cnInput, account.PurposeSignup)
	e := wantCode(t, err, account.CodeRateLimited)
	if e.RetryAfter != time.Hour { // the clock is at 10:00; the hour's window ends at 11:00
		t.Fatalf("hourly retry after %v, want 1h", e.RetryAfter)
	}
	h.clock.Advance(time.Hour)
	for i := 0; i < 5; i++ {
		h.mustSend(t, cnInput, account.PurposeSignup)
	}
	// The phone's counts live on its codes item, one per window; a send drops the ended ones.
	if item := stacktest.GetItem(t, h.db, h.table, "PHONE#"+cnPhone, "OTP"); item["n#H2026112110"] != nil ||
		item["n#H2026112111"] != 5.0 || item["n#D20261121"] != 10.0 {
		t.Fatalf("the phone's codes item: %v", item)
	}
	h.clock.Advance(time.Hour)
	_, err = h.send(t, cnInput, account.PurposeSignup)
	e = wantCode(t, err, account.CodeRateLimited)
	if want := 12 * time.Hour; e.RetryAfter != want { // 12:00 -> midnight UTC
		t.Fatalf("daily retry after %v, want %v", e.RetryAfter, want)
	}
}

func TestIPHourlyCap(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPIPHourly = 3 })
	phones := []string{"+8613800138001", "+8613900139002", "+8615000150003", "+8618600186004"}
	for _, p := range phones[:3] {
		h.mustSend(t, p, account.PurposeSignup)
	}
	_, err := h.send(t, phones[3], account.PurposeSignup)
	wantCode(t, err, account.CodeRateLimited)
	if h.sent.count(phones[3]) != 0 {
		t.Fatal("a refused send must not send an SMS")
	}
}

func TestPrefixHourlyCap(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPPrefixHourly = 3 })
	for i := 0; i < 3; i++ {
		h.mustSend(t, fmt.Sprintf("+861380013%04d", i), account.PurposeSignup)
	}
	_, err := h.send(t, "+8613800133999", account.PurposeSignup)
	wantCode(t, err, account.CodeRateLimited)
	h.mustSend(t, "+8613900138000", account.PurposeSignup) // another prefix is not affected
}

func TestDailyBudgetKeepsAShareForExistingAccounts(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SMSDailyBudget = 5; c.OTPIPHourly = 100 })
	h.claim(t, "+8613800138009", "acct-1")
	for i := 0; i < 4; i++ { // 80% of 5
		h.mustSend(t, fmt.Sprintf("+861390013%04d", i), account.PurposeSignup)
	}
	_, err := h.send(t, "+8613900133999", account.PurposeSignup)
	wantCode(t, err, account.CodeSMSBudgetExhausted)
	h.mustSend(t, "+8613800138009", account.PurposeResetLogin) // the last 20% is for accounts
	_, err = h.send(t, "+8613800138009", account.PurposeFreeze)
	wantCode(t, err, account.CodeSMSBudgetExhausted)
}

// claim binds a phone to an account the way signup does, for tests of purposes that need one.
func (h *harness) claim(t *testing.T, e164, accountID string) {
	t.Helper()
	stacktest.PutItem(t, h.db, h.table, map[string]any{"PK": "PHONE#" + e164, "SK": "PHONE", "accountId": accountID, "lang": "zh"})
}

func TestWrongPurposeOrPhoneTokenRefused(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	got, err := h.verify(res.ChallengeID, h.sent.lastCode(t, cnPhone))
	if err != nil {
		t.Fatal(err)
	}
	proof, err := h.store.Proof(context.Background(), got.VerificationToken)
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	for name, check := range map[string]error{
		"other purpose": otp.CheckProof(proof, got.VerificationToken, account.PurposeResetLogin, cnPhone, now),
		"other phone":   otp.CheckProof(proof, got.VerificationToken, account.PurposeSignup, "+8613900139000", now),
		"expired":       otp.CheckProof(proof, got.VerificationToken, account.PurposeSignup, cnPhone, now.Add(10*time.Minute)),
		"forged secret": otp.CheckProof(proof, res.ChallengeID+".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", account.PurposeSignup, cnPhone, now),
		"no such proof": otp.CheckProof(nil, got.VerificationToken, account.PurposeSignup, cnPhone, now),
	} {
		if !account.Is(check, account.CodeInvalidToken) {
			t.Errorf("%s: got %v, want invalid_verification_token", name, check)
		}
	}
	if p, err := h.store.Proof(context.Background(), "not-a-token"); p != nil || err != nil {
		t.Errorf("malformed token: %v %v", p, err)
	}
}

func TestConcurrentVerifiesOfOneCodeYieldOneToken(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	var wg sync.WaitGroup
	var mu sync.Mutex
	tokens, refusals := 0, map[account.Code]int{}
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.verify(res.ChallengeID, code)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				tokens++
				return
			}
			e, ok := account.As(err)
			if !ok {
				t.Errorf("internal error: %v", err)
				return
			}
			refusals[e.Code]++
		}()
	}
	wg.Wait()
	if tokens != 1 {
		t.Fatalf("%d tokens from one code, refusals %v", tokens, refusals)
	}
	if refusals[account.CodeChallengeUsed] != 49 {
		t.Fatalf("refusals %v, want 49 challenge_used", refusals)
	}
}

func TestConcurrentSendsNeverExceedTheCaps(t *testing.T) {
	h := newHarness(t, noCooldown)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, codes := 0, map[account.Code]int{}
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.send(t, cnInput, account.PurposeSignup)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if e, isAcct := account.As(err); isAcct {
				codes[e.Code]++
			} else {
				t.Errorf("internal error: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok > 5 || h.sent.count(cnPhone) > 5 {
		t.Fatalf("%d sends accepted, %d SMS sent; the hourly cap is 5 (refusals %v)", ok, h.sent.count(cnPhone), codes)
	}
	if ok == 0 {
		t.Fatalf("no send succeeded: %v", codes)
	}
	n := stacktest.GetNumber(t, h.db, h.table, "PHONE#"+cnPhone, "OTP", "n#H2026112110")
	if n != ok {
		t.Fatalf("counter %d, accepted %d", n, ok)
	}
}

func TestAnswersAreTheSameForKnownAndUnknownPhones(t *testing.T) {
	h := newHarness(t, nil)
	h.claim(t, "+8613800138009", "acct-1")
	for _, purpose := range []account.Purpose{account.PurposeSignup, account.PurposeResetLogin, account.PurposeFreeze} {
		known, err1 := h.send(t, "+8613800138009", purpose)
		unknown, err2 := h.send(t, "+8613900139009", purpose)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", purpose, err1, err2)
		}
		known.ChallengeID, unknown.ChallengeID = "", ""
		if known != unknown {
			t.Fatalf("%s: %+v vs %+v", purpose, known, unknown)
		}
	}
	if n := h.sent.count("+8613900139009"); n != 1 { // only the signup code; resets and freeze send nothing
		t.Fatalf("unknown phone got %d SMS, want 1", n)
	}
	if n := h.sent.count("+8613800138009"); n != 3 {
		t.Fatalf("known phone got %d SMS, want 3", n)
	}
}

func TestSignupOnATakenNumberTellsTheOwner(t *testing.T) {
	h := newHarness(t, nil)
	h.claim(t, "+8613800138009", "acct-1")
	res := h.mustSend(t, "+8613800138009", account.PurposeSignup)
	h.sent.mu.Lock()
	text := h.sent.texts["+8613800138009"][0]
	h.sent.mu.Unlock()
	if codeRE.MatchString(text) || !regexp.MustCompile(`已有钱包账户`).MatchString(text) { // the claim says zh
		t.Fatalf("owner notice: %q", text)
	}
	_, err := h.verify(res.ChallengeID, "123456")
	wantCode(t, err, account.CodeInvalidCode)
}

func TestSNSFailureLeavesNoUsableCodeAndChargesNothing(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.OTPPhoneHourly = 1 })
	h.sent.setFailing(true)
	_, err := h.send(t, cnInput, account.PurposeSignup)
	wantCode(t, err, account.CodeSMSUnavailable)
	code := h.sent.lastCode(t, cnPhone) // what would have been sent
	h.sent.setFailing(false)
	// No cooldown and no charge: the retry goes through at once, within an hourly cap of 1.
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	if res.ChallengeID == "" {
		t.Fatal("retry failed")
	}
	for _, item := range stacktest.Scan(t, h.db, h.table) {
		if item["PK"] == "OTP#"+res.ChallengeID {
			continue
		}
		if pk, _ := item["PK"].(string); len(pk) > 4 && pk[:4] == "OTP#" {
			id := pk[4:]
			if _, err := h.verify(id, code); !account.Is(err, account.CodeChallengeNotFound) {
				t.Fatalf("the unsent code must not verify: %v", err)
			}
		}
	}
}

func TestRoundTrips(t *testing.T) {
	h := newHarness(t, nil)
	h.ddb.Reset()
	h.sns.Reset()
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	if d, s := h.ddb.Total(), h.sns.Total(); d > 2 || s != 1 {
		t.Fatalf("send: %d DynamoDB calls, %d SNS calls; budget 2 + 1", d, s)
	}
	h.ddb.Reset()
	if _, err := h.verify(res.ChallengeID, h.sent.lastCode(t, cnPhone)); err != nil {
		t.Fatal(err)
	}
	if d := h.ddb.Total(); d != 1 {
		t.Fatalf("verify with the right code: %d DynamoDB calls, budget 1", d)
	}
}

func TestNoSecretInTheTable(t *testing.T) {
	h := newHarness(t, nil)
	res := h.mustSend(t, cnInput, account.PurposeSignup)
	code := h.sent.lastCode(t, cnPhone)
	got, err := h.verify(res.ChallengeID, code)
	if err != nil {
		t.Fatal(err)
	}
	stacktest.AssertNotStored(t, h.db, h.table, code, got.VerificationToken, cnPhone+code, cnPhone+":"+code)
}
