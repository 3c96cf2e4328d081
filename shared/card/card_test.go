package card_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
)

var ctx = context.Background()

const (
	visa       = "4111111111111111"
	visaSpaced = "4111 1111 1111 1111"
	mastercard = "5555555555554444"
)

func newService(t *testing.T) (*flowtest.Env, *card.Service) {
	t.Helper()
	env := flowtest.New(t, nil)
	pay := paypass.New(env.Store, env.Hasher, env.Clock, env.Cfg, env.Log)
	return env, card.NewService(env.Store, pay, env.Cfg, env.Clock, rand.Reader, env.Log)
}

func wantCode(t *testing.T, err error, code account.Code) {
	t.Helper()
	if !account.Is(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestLinkListUnlink(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: env.Clock.Now()}
	c, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: visaSpaced, PaymentPassword: a.PaymentPassword, HolderName: " Li Lei "})
	if err != nil {
		t.Fatal(err)
	}
	if c.Last4 != "1111" || len(c.ID) != 24 || c.HolderName != "Li Lei" || !c.LinkedAt.Equal(env.Clock.Now()) {
		t.Fatalf("card %+v", c)
	}
	_, err = svc.Link(ctx, p, card.LinkRequest{CardNumber: "4111-1111-1111-1111", PaymentPassword: a.PaymentPassword})
	wantCode(t, err, account.CodeCardAlreadyLinked)

	cards, err := svc.List(ctx, p)
	if err != nil || len(cards) != 1 || cards[0].ID != c.ID || cards[0].Last4 != "1111" {
		t.Fatalf("list %+v %v", cards, err)
	}
	// Another account may link the same card.
	b := env.SignUp(t)
	if _, err := svc.Link(ctx, account.Principal{AccountID: b.ID}, card.LinkRequest{CardNumber: visa, PaymentPassword: b.PaymentPassword}); err != nil {
		t.Fatal(err)
	}
	stacktest.AssertNotStored(t, env.DB, env.Table, visa, visaSpaced, "411111", a.PaymentPassword)

	if err := svc.Unlink(ctx, p, c.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.Unlink(ctx, p, c.ID), account.CodeNotFound)
	wantCode(t, svc.Unlink(ctx, p, "../ACCOUNT"), account.CodeInvalidField)
	if _, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: visa, PaymentPassword: a.PaymentPassword}); err != nil {
		t.Fatalf("an unlinked card may be linked again: %v", err)
	}
}

// TestACardLinkedBeforeARotation: after the pepper is rotated, a card linked under the old key is
// still found, so it cannot be linked twice; a new card gets a fingerprint under the new key.
func TestACardLinkedBeforeARotation(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := account.Principal{AccountID: a.ID}
	old, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: visa, PaymentPassword: a.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	env.Rotate(t)
	svc = card.NewService(env.Store, paypass.New(env.Store, env.Hasher, env.Clock, env.Cfg, env.Log), env.Cfg, env.Clock, rand.Reader, env.Log)
	_, err = svc.Link(ctx, p, card.LinkRequest{CardNumber: visaSpaced, PaymentPassword: a.PaymentPassword})
	wantCode(t, err, account.CodeCardAlreadyLinked)
	fresh, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: mastercard, PaymentPassword: a.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	if secret.FingerprintKeyID(old.Hash) != "1" || secret.FingerprintKeyID(fresh.Hash) != "2" {
		t.Fatalf("fingerprints must name their keys: %q, %q", secret.FingerprintKeyID(old.Hash), secret.FingerprintKeyID(fresh.Hash))
	}
}

// TestACardIDLinksNothing: the same card linked in two accounts has a different id in each, so
// an id tells nobody which accounts share a card; within one account it is still one card.
func TestACardIDLinksNothing(t *testing.T) {
	env, svc := newService(t)
	a, b := env.SignUp(t), env.SignUp(t)
	ca, err := svc.Link(ctx, account.Principal{AccountID: a.ID}, card.LinkRequest{CardNumber: visa, PaymentPassword: a.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := svc.Link(ctx, account.Principal{AccountID: b.ID}, card.LinkRequest{CardNumber: visa, PaymentPassword: b.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	if ca.ID == cb.ID {
		t.Fatalf("the same card has the id %s in two accounts", ca.ID)
	}
	_, err = svc.Link(ctx, account.Principal{AccountID: b.ID}, card.LinkRequest{CardNumber: visaSpaced, PaymentPassword: b.PaymentPassword})
	wantCode(t, err, account.CodeCardAlreadyLinked)
}

func TestLinkNeedsTheRightPaymentPassword(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := account.Principal{AccountID: a.ID}
	_, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: visa, PaymentPassword: "385016"})
	wantCode(t, err, account.CodeWrongPaymentPassword)
	_, err = svc.Link(ctx, p, card.LinkRequest{CardNumber: "4111111111111112", PaymentPassword: a.PaymentPassword})
	wantCode(t, err, account.CodeInvalidCardNumber) // Luhn, before the payment password is tried
	_, err = svc.Link(ctx, p, card.LinkRequest{CardNumber: visa})
	wantCode(t, err, account.CodeMissingField)
	if cards, _ := svc.List(ctx, p); len(cards) != 0 {
		t.Fatalf("cards linked by refused requests: %+v", cards)
	}
	if n := stacktest.GetNumber(t, env.DB, env.Table, "ACCOUNT#"+a.ID, "ACCOUNT", "payFailures"); n != 1 {
		t.Fatalf("%d payment failures, want 1", n)
	}
}

// unlinkEvents are the account's bank_card_unlinked events, by their last 4.
func unlinkEvents(t *testing.T, env *flowtest.Env, accountID string) []string {
	t.Helper()
	var out []string
	for _, it := range stacktest.Scan(t, env.DB, env.Table) {
		if it["PK"] == "ACCOUNT#"+accountID && strings.HasPrefix(it["SK"].(string), "EVENT#") && it["type"] == account.EventBankCardUnlinked {
			details, _ := it["details"].(map[string]any)
			out = append(out, fmt.Sprint(details["last4"]))
		}
	}
	return out
}

// TestUnlinkNeedsFreshProof: a session whose proof is older than RECENT_AUTH_WINDOW cannot
// unlink a card (reauthentication_required, asked before the card is looked for: an absent card
// answers the same) and the card stays; with fresh proof the card goes, and bank_card_unlinked
// with its last 4 is written with it, once.
func TestUnlinkNeedsFreshProof(t *testing.T) {
	env, svc := newService(t)
	a := env.SignUp(t)
	p := account.Principal{AccountID: a.ID, DeviceID: a.DeviceID, FreshAt: env.Clock.Now()}
	c, err := svc.Link(ctx, p, card.LinkRequest{CardNumber: mastercard, PaymentPassword: a.PaymentPassword})
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(env.Cfg.RecentAuthWindow + time.Second)
	wantCode(t, svc.Unlink(ctx, p, c.ID), account.CodeReauthRequired)
	wantCode(t, svc.Unlink(ctx, p, strings.Repeat("0", 24)), account.CodeReauthRequired)
	if cards, err := svc.List(ctx, p); err != nil || len(cards) != 1 {
		t.Fatalf("stale: the card must stay: %+v %v", cards, err)
	}
	if evs := unlinkEvents(t, env, a.ID); len(evs) != 0 {
		t.Fatalf("stale: events %v", evs)
	}
	p.FreshAt = env.Clock.Now() // reauthenticated
	if err := svc.Unlink(ctx, p, c.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.Unlink(ctx, p, c.ID), account.CodeNotFound)
	if cards, err := svc.List(ctx, p); err != nil || len(cards) != 0 {
		t.Fatalf("fresh: the card must go: %+v %v", cards, err)
	}
	if evs := unlinkEvents(t, env, a.ID); len(evs) != 1 || evs[0] != "4444" {
		t.Fatalf("events %v, want one bank_card_unlinked with 4444", evs)
	}
}
