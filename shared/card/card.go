// Package card links bank cards to an account. A card number is Luhn-checked and kept only as a
// keyed hash (a fingerprint under the server pepper, naming the pepper's key) and its last 4
// digits; a CVV is never taken. The same card cannot be linked twice: a link compares the number
// with every linked card's fingerprint under its own key, and two links racing under one key get
// one id (derived from the fingerprint), of which only one is put.
package card

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Card is a linked bank card.
type Card struct {
	ID         string
	Hash       []byte // the pepper keyring's fingerprint of the digits (secret.DomainCard)
	Last4      string
	HolderName string
	LinkedAt   time.Time
}

// Store is what card linking needs from storage.
type Store interface {
	// AccountCards reads an account and its cards in one strongly consistent read; a nil
	// account when there is none.
	AccountCards(ctx context.Context, id string) (*account.Account, []Card, error)
	// LinkCard stores a card, with the payment password's admission, in one transaction; it fails
	// with the admission's Refusal, or account.CodeCardAlreadyLinked when the account has the
	// card already.
	LinkCard(ctx context.Context, c Card, admission paypass.Admission) error
	// Cards lists an account's cards.
	Cards(ctx context.Context, accountID string) ([]Card, error)
	// UnlinkCard deletes a card and writes ev (bank_card_unlinked) in one transaction; false,
	// and nothing written, when the account has no such card.
	UnlinkCard(ctx context.Context, accountID, cardID string, ev account.Event) (bool, error)
}

// PaymentPassword checks a payment password against an account read in the same request
// (paypass.Checker), leaving its admission to the card's write.
type PaymentPassword interface {
	Verify(ctx context.Context, acct account.Account, pin string) (paypass.Admission, error)
}

// Service links, lists and unlinks cards.
type Service struct {
	store  Store
	pay    PaymentPassword
	keys   secret.Keyring
	clock  account.Clock
	rand   io.Reader
	window time.Duration // RECENT_AUTH_WINDOW: unlinking needs proof this recent
	log    *slog.Logger
}

// NewService returns a Service: cfg gives the pepper keyring of the card hashes (PEPPER) and
// RECENT_AUTH_WINDOW; rand makes event ids.
func NewService(store Store, pay PaymentPassword, cfg config.Config, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	return &Service{store: store, pay: pay, keys: cfg.Pepper, clock: clock, rand: rand, window: cfg.RecentAuthWindow, log: log}
}

// LinkRequest is a card to link, with the payment password that allows it.
type LinkRequest struct {
	CardNumber      string
	PaymentPassword string
	HolderName      string
}

// maxHolderName bounds the optional name on the card, in characters.
const maxHolderName = 64

// Link checks the card number, then the payment password, and stores the card.
func (s *Service) Link(ctx context.Context, p account.Principal, req LinkRequest) (Card, error) {
	if req.CardNumber == "" {
		return Card{}, account.FieldError(account.CodeMissingField, "cardNumber", "cardNumber is required")
	}
	if req.PaymentPassword == "" {
		return Card{}, account.FieldError(account.CodeMissingField, "paymentPassword", "paymentPassword is required")
	}
	holder := strings.TrimSpace(req.HolderName)
	if utf8.RuneCountInString(holder) > maxHolderName || strings.ContainsFunc(holder, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return Card{}, account.FieldError(account.CodeInvalidField, "holderName", "holderName is at most 64 characters")
	}
	digits, err := secret.CheckCardNumber(req.CardNumber)
	if err != nil {
		return Card{}, err
	}
	acct, cards, err := s.store.AccountCards(ctx, p.AccountID)
	if err != nil {
		return Card{}, fmt.Errorf("link card: %w", err)
	}
	if acct == nil {
		return Card{}, account.Errorf(account.CodeUnauthenticated, "sign in first")
	}
	admission, err := s.pay.Verify(ctx, *acct, req.PaymentPassword)
	if err != nil {
		return Card{}, err
	}
	if linked(s.keys, cards, digits) {
		return Card{}, ErrAlreadyLinked
	}
	hash := s.keys.Fingerprint(secret.DomainCard, digits)
	c := Card{ID: ID(p.AccountID, hash), Hash: hash, Last4: secret.Last4(digits), HolderName: holder, LinkedAt: s.clock.Now()}
	if err := s.store.LinkCard(ctx, c, admission); err != nil {
		return Card{}, err
	}
	s.log.InfoContext(ctx, "card linked", "account", p.AccountID, "card", c.ID, "last4", c.Last4)
	return c, nil
}

// List returns the principal's cards.
func (s *Service) List(ctx context.Context, p account.Principal) ([]Card, error) {
	cs, err := s.store.Cards(ctx, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list cards: %w", err)
	}
	return cs, nil
}

// Unlink removes one of the principal's cards. It needs fresh proof (asked before the card is
// looked for, so a stale session learns nothing of the account's cards) and writes
// bank_card_unlinked, with the card's last 4, in the delete's transaction: the holder gets an
// SMS with a freeze link.
func (s *Service) Unlink(ctx context.Context, p account.Principal, cardID string) error {
	if !validID(cardID) {
		return account.FieldError(account.CodeInvalidField, "cardId", "not a card id")
	}
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return err
	}
	cards, err := s.store.Cards(ctx, p.AccountID)
	if err != nil {
		return fmt.Errorf("unlink card: %w", err)
	}
	i := slices.IndexFunc(cards, func(c Card) bool { return c.ID == cardID })
	if i < 0 {
		return errNoCard
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return fmt.Errorf("event id: %w", err)
	}
	ev := account.Event{ID: id.String(), Type: account.EventBankCardUnlinked, At: now,
		Details: map[string]string{account.DetailLast4: cards[i].Last4}}
	found, err := s.store.UnlinkCard(ctx, p.AccountID, cardID, ev)
	if err != nil {
		return fmt.Errorf("unlink card: %w", err)
	}
	if !found {
		return errNoCard // unlinked meanwhile, by another request
	}
	s.log.InfoContext(ctx, "card unlinked", "account", p.AccountID, "card", cardID)
	return nil
}

var errNoCard = account.Errorf(account.CodeNotFound, "no such card")

// ErrAlreadyLinked refuses a card the account has.
var ErrAlreadyLinked = account.FieldError(account.CodeCardAlreadyLinked, "cardNumber", "this card is already linked to the account")

// linked reports whether digits is one of cards, whichever active pepper key its fingerprint was
// made with.
func linked(keys secret.Keyring, cards []Card, digits string) bool {
	found := false
	for _, c := range cards {
		ok, _ := keys.Match(c.Hash, secret.DomainCard, digits)
		found = ok || found
	}
	return found
}

// ID is the id of the card with this keyed hash in this account: a one-way function of both, so
// the id a client sees reveals neither the stored hash nor, since the same card has another id in
// every other account, which accounts share a card. The same card linked twice in one account has
// the same id, and its conditional put refuses the second.
func ID(accountID string, hash []byte) string {
	return token.ScopedID("card-id", accountID, hash)
}

func validID(id string) bool { return token.ValidScopedID(id) }
