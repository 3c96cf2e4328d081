package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/moto"
)

// The email steps: a code to a new address, the code spent (the binding), sign-in by the bound
// address, and its removal.

// emailCounter makes the bench's addresses unique within a run.
var emailCounter atomic.Uint64

// newBenchEmail is a fresh address: letters only, unique in the run.
func newBenchEmail() string {
	n := emailCounter.Add(1)
	var b strings.Builder
	for range 8 {
		b.WriteByte(byte('a' + n%26))
		n /= 26
	}
	return "bench." + randomLetters(6) + "." + b.String() + "@example.com"
}

// randomLetters is n random lower-case letters.
func randomLetters(n int) string {
	h := randomHex(n)
	out := make([]byte, n)
	for i := range out {
		out[i] = 'a' + h[i]%26
	}
	return string(out)
}

// emailAccounts is the setup of an email code: n new accounts, each with a fresh address to ask
// a code for (their sessions are fresh: just signed up).
func emailAccounts(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := signedUp(ctx, b, n)
	for i := range fs {
		fs[i].Email = newBenchEmail()
	}
	return fs, err
}

// emailCodes is the setup of the binding: n accounts, each with a code sent to a fresh address,
// read from moto's SES.
func emailCodes(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := emailAccounts(ctx, b, n)
	if err != nil {
		return nil, err
	}
	if err := b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			ChallengeID string `json:"challengeId"`
			CodeLength  int    `json:"codeLength"`
		}
		err := c.expect(ctx, emailCodeRequest(b, *f), http.StatusAccepted, "setup: email code", &out)
		f.ChallengeID, f.CodeLength = out.ChallengeID, out.CodeLength
		return err
	}); err != nil {
		return nil, err
	}
	return fs, b.readEmailCodes(ctx, fs)
}

// emailBound is the setup of sign-in by email and of the removal: n accounts, each with its
// address bound.
func emailBound(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := emailCodes(ctx, b, n)
	if err != nil {
		return nil, err
	}
	return fs, b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		return c.expect(ctx, emailVerifyRequest(b, *f), http.StatusOK, "setup: bind email", new(map[string]any))
	})
}

// readEmailCodes fills in each fixture's code from the email moto recorded for its address,
// waiting up to 15 s for them all.
func (b *bench) readEmailCodes(ctx context.Context, fs []fixture) error {
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		sent, err := moto.SentEmail(ctx, http.DefaultClient, b.stack.SNS)
		if err != nil {
			return err
		}
		last := make(map[string]string, len(fs))
		for _, m := range sent {
			last[m.To()] = m.Body
		}
		missing := 0
		for i := range fs {
			body, ok := last[fs[i].Email]
			if !ok {
				missing++
				continue
			}
			if fs[i].Code = codePattern(fs[i].CodeLength).FindString(body); fs[i].Code == "" {
				return fmt.Errorf("setup: no %d-digit code in the email to %s", fs[i].CodeLength, fs[i].Email[:7])
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("setup: %d of %d emails never reached moto", missing, len(fs))
		}
	}
}

func emailCodeRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/account/email", Header: bearer(f.Session), Body: map[string]string{"email": f.Email}}
}

func emailVerifyRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/account/email/verify", Header: bearer(f.Session),
		Body: map[string]string{"challengeId": f.ChallengeID, "code": f.Code}}
}

func emailSignInRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/sessions", Body: map[string]any{"email": f.Email, "password": "violet-harbor-seventy-2", "device": device(f)}}
}

func emailRemoveRequest(_ *bench, f fixture) call {
	return call{Method: "DELETE", Path: "/v1/account/email", Header: bearer(f.Session)}
}

// signInByEmailAfterBind signs in by the bound address on the signup device, with its secret.
func signInByEmailAfterBind(b *bench, f fixture) call { return emailSignInRequest(b, f) }
