// Package deletion is the holder's request to delete the account. It is refused while anything
// must be settled first (a linked bank card, a phone change under way, a flag set by other
// systems or customer service); accepted, the account keeps working for DELETION_HOLD, during
// which the holder can cancel, and then the closure job's sweep checks the same preconditions
// again and closes it by the closure path (claims released, sessions ended, account.closed to the
// ledger), or cancels it and tells the holder why.
package deletion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

// State is what a deletion decides on: the account, and what must be settled before it goes.
type State struct {
	Account      *account.Account // nil when there is none
	Cards        int              // linked bank cards
	PhoneChanges int              // phone changes under way at the time asked (awaiting the new number, or on hold)
	Sessions     [][]byte         // the session hashes of its devices
}

// Store is what deletion needs of the table.
type Store interface {
	// DeletionState reads the account, its cards, devices and the phone changes open at asOf,
	// strongly.
	DeletionState(ctx context.Context, accountID string, asOf time.Time) (State, error)
	// RequestDeletion sets the account's deletion due at r.DueAt and files it for the sweep,
	// admitting the payment password, with the event, in one transaction conditional on the
	// account's version (account.ErrStale when it changed).
	RequestDeletion(ctx context.Context, r Request) error
	// CancelDeletion clears the pending deletion due at a.DeletionDueAt, with the event, in one
	// transaction conditional on it still being pending (account.ErrStale otherwise).
	CancelDeletion(ctx context.Context, a account.Account, ev account.Event) error
	// DueDeletions returns the accounts whose deletion is due at or before asOf.
	DueDeletions(ctx context.Context, asOf time.Time) ([]string, error)
	// CloseDeleted closes the account by the closure path (see closure.Store.Close), conditional
	// on its deletion still being the one due at a.DeletionDueAt and it being unflagged
	// (account.ErrStale otherwise).
	CloseDeleted(ctx context.Context, a account.Account, sessions [][]byte, ev account.Event) error
}

// PaymentPassword checks the payment password under its lock (paypass.Checker).
type PaymentPassword interface {
	Verify(ctx context.Context, acct account.Account, pin string) (paypass.Admission, error)
}

// Request is one accepted deletion request, as the store writes it.
type Request struct {
	Account   account.Account // as read
	DueAt     time.Time
	Admission paypass.Admission
	Event     account.Event
}

// Service requests, cancels and carries out deletions.
type Service struct {
	store  Store
	pay    PaymentPassword
	clock  account.Clock
	rand   io.Reader
	hold   time.Duration // DELETION_HOLD
	window time.Duration // RECENT_AUTH_WINDOW
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, pay PaymentPassword, hold, window time.Duration, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	return &Service{store: store, pay: pay, clock: clock, rand: rand, hold: hold, window: window, log: log}
}

// Pending is an accepted request: when the account closes.
type Pending struct {
	Status      string    `json:"status"` // pending
	EffectiveAt time.Time `json:"effectiveAt"`
}

// Request asks for the principal's account to be deleted: fresh proof, the payment password
// under its lock, and every precondition met. It writes deletion_requested, which texts the
// holder, with the hold.
func (s *Service) Request(ctx context.Context, p account.Principal, paymentPassword string) (Pending, error) {
	if err := account.Required("paymentPassword", paymentPassword); err != nil {
		return Pending{}, err
	}
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.window); err != nil {
		return Pending{}, err
	}
	st, err := s.live(ctx, p.AccountID, now)
	if err != nil {
		return Pending{}, err
	}
	a := *st.Account
	if !a.DeletionDueAt.IsZero() {
		return Pending{}, account.Errorf(account.CodeDeletionPending, "a deletion is pending already: it takes effect at %s", a.DeletionDueAt.Format(time.RFC3339))
	}
	if err := Refusal(st); err != nil {
		return Pending{}, err
	}
	admission, err := s.pay.Verify(ctx, a, paymentPassword)
	if err != nil {
		return Pending{}, err
	}
	due := now.Add(s.hold)
	ev, err := s.event(account.EventDeletionRequested, now, account.DetailEffectiveAt, due.Format(time.RFC3339))
	if err != nil {
		return Pending{}, err
	}
	if err := s.store.RequestDeletion(ctx, Request{Account: a, DueAt: due, Admission: admission, Event: ev}); err != nil {
		return Pending{}, stale(err)
	}
	s.log.InfoContext(ctx, "deletion requested", "account", a.ID, "effectiveAt", due)
	return Pending{Status: "pending", EffectiveAt: due}, nil
}

// Cancel withdraws the principal's pending deletion; deletion_cancelled texts the holder.
func (s *Service) Cancel(ctx context.Context, p account.Principal) error {
	st, err := s.live(ctx, p.AccountID, s.clock.Now())
	if err != nil {
		return err
	}
	a := *st.Account
	if a.DeletionDueAt.IsZero() {
		return account.Errorf(account.CodeNotFound, "no deletion is pending")
	}
	ev, err := s.event(account.EventDeletionCancelled, s.clock.Now(), account.DetailReason, account.DeletionCancelledByHolder)
	if err != nil {
		return err
	}
	if err := s.store.CancelDeletion(ctx, a, ev); err != nil {
		return stale(err)
	}
	s.log.InfoContext(ctx, "deletion cancelled", "account", a.ID, "by", account.DeletionCancelledByHolder)
	return nil
}

// live reads the account's state; the account must be active.
func (s *Service) live(ctx context.Context, accountID string, now time.Time) (State, error) {
	st, err := s.store.DeletionState(ctx, accountID, now)
	if err != nil {
		return State{}, fmt.Errorf("deletion state: %w", err)
	}
	if st.Account == nil || st.Account.Status != account.StatusActive {
		return State{}, account.Errorf(account.CodeUnauthenticated, "sign in first: the session is missing, expired or ended")
	}
	return st, nil
}

// Refusal is why the account cannot be deleted now, or nil: a linked card, a phone change under
// way, a flag (each named).
func Refusal(st State) error {
	switch {
	case st.Cards > 0:
		return account.Errorf(account.CodeCardsLinked, "unlink every bank card first")
	case st.PhoneChanges > 0:
		return account.Errorf(account.CodePhoneChangePending, "finish or cancel the phone change first")
	case len(st.Account.Blocks) > 0:
		flags := slices.Sorted(slices.Values(st.Account.Blocks))
		return &account.Error{Code: account.CodeAccountFlagged, Flags: flags,
			Message: "the account has something to settle first; customer service can help"}
	}
	return nil
}

func (s *Service) event(typ string, now time.Time, key, value string) (account.Event, error) {
	return newEvent(s.rand, typ, now, key, value)
}

// newEvent is an event of type typ with one detail.
func newEvent(rand io.Reader, typ string, now time.Time, key, value string) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: typ, At: now, Details: map[string]string{key: value}}, nil
}

// stale answers a write that lost a race as a conflict.
func stale(err error) error {
	if errors.Is(err, account.ErrStale) {
		return account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
	}
	return err
}
