package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/moto"
)

// setupClients is how many clients prepare fixtures at once (untimed).
const setupClients = 8

// fixture is what one timed request needs, prepared by a scenario's setup: a phone and, as the
// flow gets further, its challenge, code, verification token, account and session.
type fixture struct {
	Phone       string // E.164
	DeviceID    string // the device the account signed up (or signs in) on
	Secret      string // the device's secret, which proves it at sign-in ("" for a new device)
	ChallengeID string
	CodeLength  int
	Code        string
	Token       string         // verification token
	Session     string         // session token
	Change      string         // phone change id
	Passkey     map[string]any // an answer to a passkey ceremony: ceremonyId and credential
	Event       string         // an event id of the account's activity
	Email       string         // an address to bind, or bound
	AccountID   string         // the account's id, for the internal API
	Authz       string         // a payment authorization's id
}

// accountPool is how many accounts a read-only step's setup signs up; its requests take turns.
const accountPool = 8

// The payment passwords the bench sets: its signups', and the one its change step sets.
const (
	benchPIN    = "295071"
	benchNewPIN = "481937"
)

// phones hands out fresh mainland-China mobile numbers: the first four digits after +86139 count
// up, so no two numbers are alike and no number prefix (all but the last four digits, the
// OTP_PREFIX_HOURLY key) is used twice. The last four are drawn again while a payment password
// the bench sets is part of the number, which the policy refuses. Safe for concurrent use.
type phones struct{ n atomic.Uint32 }

func (p *phones) next() string {
	n := (p.n.Add(1) - 1) % 10000
	for {
		nsn := fmt.Sprintf("139%04d%04d", n, rand.IntN(10000))
		if !strings.Contains(nsn, benchPIN) && !strings.Contains(nsn, benchNewPIN) {
			return "+86" + nsn
		}
	}
}

// forEach runs fn(i) for i in [0, n) on conc workers, each with its own client that changes
// address every requestsPerAddress requests. It returns the first error; the other workers then
// stop at their next request.
func (b *bench) forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int, c *client) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &rotating{base: b.stack.API, internal: b.stack.Internal, addrs: &b.addrs}
			defer r.close()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i, r.get()); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx) // nil unless a worker failed or the run is over
}

// expect fails unless the response has the wanted status.
func expect(res response, want int, what string) error {
	if res.Status != want {
		return fmt.Errorf("%s: status %d, want %d: %.300s", what, res.Status, want, res.Body)
	}
	return nil
}

// freshPhones is the setup of a code request: n unused numbers.
func freshPhones(_ context.Context, b *bench, n int) ([]fixture, error) {
	fs := make([]fixture, n)
	for i := range fs {
		fs[i].Phone, fs[i].DeviceID = b.phones.next(), "bench-"+randomHex(6)
	}
	return fs, nil
}

// nothing is the setup of a request that needs no state.
func nothing(_ context.Context, _ *bench, n int) ([]fixture, error) {
	return make([]fixture, n), nil
}

// sentCodes is the setup of a code verification: n signup codes requested, and their codes read
// from the SMS moto recorded.
func sentCodes(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, _ := freshPhones(ctx, b, n)
	return fs, b.sendCodes(ctx, fs, "signup")
}

// verifiedPhones is the setup of a signup: n phones proven by a signup code, with their tokens.
func verifiedPhones(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := sentCodes(ctx, b, n)
	if err != nil {
		return nil, err
	}
	return fs, b.verifyCodes(ctx, fs)
}

// signedUp is the setup of a sign-in on the signup device: n new accounts, one each.
func signedUp(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := verifiedPhones(ctx, b, n)
	if err != nil {
		return nil, err
	}
	return fs, b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			Session string `json:"sessionToken"`
			Secret  string `json:"deviceSecret"`
		}
		err := c.expect(ctx, signupRequest(b, *f), http.StatusCreated, "setup: sign up", &out)
		f.Session, f.Secret = out.Session, out.Secret
		return err
	})
}

// sharedAccounts is the setup of a request that changes nothing: n fixtures that take turns on
// accountPool accounts.
func sharedAccounts(ctx context.Context, b *bench, n int) ([]fixture, error) {
	pool, err := signedUp(ctx, b, min(n, accountPool))
	if err != nil {
		return nil, err
	}
	fs := make([]fixture, n)
	for i := range fs {
		fs[i] = pool[i%len(pool)]
	}
	return fs, nil
}

// steppedUp is the setup of a sign-in on a new device: n accounts, each with a new device and a
// login_step_up verification token for it.
func steppedUp(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := signedUp(ctx, b, n)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		fs[i].DeviceID, fs[i].Session, fs[i].Secret = "bench-new-"+randomHex(6), "", ""
	}
	if err := b.sendCodes(ctx, fs, "login_step_up"); err != nil {
		return nil, err
	}
	return fs, b.verifyCodes(ctx, fs)
}

// sendCodes requests a code of purpose for each fixture's phone and reads it from moto.
func (b *bench) sendCodes(ctx context.Context, fs []fixture, purpose string) error {
	err := b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			ChallengeID string `json:"challengeId"`
			CodeLength  int    `json:"codeLength"`
		}
		cl := call{Method: "POST", Path: "/v1/otp", Body: map[string]string{"phone": f.Phone, "purpose": purpose}}
		err := c.expect(ctx, cl, http.StatusAccepted, "setup: send "+purpose+" code", &out)
		f.ChallengeID, f.CodeLength = out.ChallengeID, out.CodeLength
		return err
	})
	if err != nil {
		return err
	}
	return b.readCodes(ctx, fs)
}

// verifyCodes turns each fixture's code into its verification token.
func (b *bench) verifyCodes(ctx context.Context, fs []fixture) error {
	return b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			Token string `json:"verificationToken"`
		}
		err := c.expect(ctx, verifyCode(*f), http.StatusOK, "setup: verify code", &out)
		f.Token = out.Token
		return err
	})
}

// each runs fn on every fixture from setupClients clients (untimed).
func (b *bench) each(ctx context.Context, fs []fixture, fn func(ctx context.Context, f *fixture, c *client) error) error {
	return b.forEach(ctx, len(fs), setupClients, func(ctx context.Context, i int, c *client) error {
		return fn(ctx, &fs[i], c)
	})
}

// readCodes fills in each fixture's code from the SMS moto recorded for its phone (the latest
// one), waiting up to 15 s for them all.
func (b *bench) readCodes(ctx context.Context, fs []fixture) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		sent, err := moto.SentSMS(ctx, http.DefaultClient, b.stack.SNS)
		if err != nil {
			return err
		}
		last := make(map[string]string, len(fs))
		for _, m := range sent {
			last[m.To] = m.Text
		}
		missing := 0
		for i := range fs {
			text, ok := last[fs[i].Phone]
			if !ok {
				missing++
				continue
			}
			code := ""
			if fs[i].CodeLength > 0 {
				code = codePattern(fs[i].CodeLength).FindString(text)
			}
			if code == "" {
				return fmt.Errorf("setup: no %d-digit code in the SMS to %s…", fs[i].CodeLength, fs[i].Phone[:7])
			}
			fs[i].Code = code
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("setup: %d of %d SMS never reached moto", missing, len(fs))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// codePattern matches a code of n digits standing alone.
func codePattern(n int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`\b\d{%d}\b`, n))
}

// wrongCode is a code of the same length that is surely not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return string(b)
}

// changesAwaitingNew is the setup of a phone-change confirm: n accounts, each with a change
// started on the old-phone path and a verified code for a fresh new number.
func changesAwaitingNew(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := signedUp(ctx, b, n)
	if err != nil {
		return nil, err
	}
	if err := b.sendCodes(ctx, fs, "phone_change_old"); err != nil {
		return nil, err
	}
	if err := b.verifyCodes(ctx, fs); err != nil {
		return nil, err
	}
	err = b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			ChangeID string `json:"changeId"`
		}
		cl := call{Method: "POST", Path: "/v1/phone-changes", Header: bearer(f.Session),
			Body: map[string]any{"loginPassword": "violet-harbor-seventy-2", "oldPhoneVerificationToken": f.Token}}
		err := c.expect(ctx, cl, http.StatusCreated, "setup: start phone change", &out)
		f.Change, f.Phone, f.Token = out.ChangeID, b.phones.next(), ""
		return err
	})
	if err != nil {
		return nil, err
	}
	err = b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			ChallengeID string `json:"challengeId"`
			CodeLength  int    `json:"codeLength"`
		}
		cl := call{Method: "POST", Path: "/v1/otp", Header: bearer(f.Session),
			Body: map[string]string{"phone": f.Phone, "purpose": "phone_change_new", "changeId": f.Change}}
		err := c.expect(ctx, cl, http.StatusAccepted, "setup: send the new number's code", &out)
		f.ChallengeID, f.CodeLength = out.ChallengeID, out.CodeLength
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := b.readCodes(ctx, fs); err != nil {
		return nil, err
	}
	return fs, b.verifyCodes(ctx, fs)
}

func bearer(session string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + session}
}
