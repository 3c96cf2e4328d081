package deletion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Sweeper carries out the deletions whose hold ended: the closure job runs it (closure.Sweep).
type Sweeper struct {
	store Store
	clock account.Clock
	rand  io.Reader
	log   *slog.Logger
}

// NewSweeper returns a Sweeper.
func NewSweeper(store Store, clock account.Clock, rand io.Reader, log *slog.Logger) *Sweeper {
	return &Sweeper{store: store, clock: clock, rand: rand, log: log}
}

// sweepRefusal is why a due deletion is cancelled instead, or "": a precondition that fails now
// (its code), or a frozen account (its holder feared someone else had it, who may have asked).
func sweepRefusal(st State) string {
	if st.Account.Status == account.StatusFrozen {
		return string(account.CodeAccountFrozen)
	}
	if e, ok := account.As(Refusal(st)); ok {
		return string(e.Code)
	}
	return ""
}

// ApplyDue carries out the deletions due at or before asOf: each account is closed, or, when a
// precondition fails now, its deletion is cancelled with the reason (or, in a dry run, counted).
// It returns how many it closed or cancelled.
func (s *Sweeper) ApplyDue(ctx context.Context, asOf time.Time, dryRun bool) (int, error) {
	ids, err := s.store.DueDeletions(ctx, asOf)
	if err != nil || dryRun {
		return len(ids), err
	}
	n := 0
	for _, id := range ids {
		done, err := s.apply(ctx, id, asOf)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// apply closes one due account or cancels its deletion; false when it was not due after all
// (cancelled meanwhile, or changed and left for the next run).
func (s *Sweeper) apply(ctx context.Context, accountID string, asOf time.Time) (bool, error) {
	now := s.clock.Now()
	st, err := s.store.DeletionState(ctx, accountID, now)
	if err != nil {
		return false, fmt.Errorf("deletion state: %w", err)
	}
	a := st.Account
	if a == nil || a.DeletionDueAt.IsZero() || a.DeletionDueAt.After(asOf) || a.Status == account.StatusClosed {
		return false, nil
	}
	if reason := sweepRefusal(st); reason != "" {
		ev, err := newEvent(s.rand, account.EventDeletionCancelled, now, account.DetailReason, reason)
		if err != nil {
			return false, err
		}
		return s.done(ctx, s.store.CancelDeletion(ctx, *a, ev), "deletion cancelled", a.ID, reason)
	}
	ev, err := newEvent(s.rand, account.EventAccountClosed, now, account.DetailReason, account.ClosedDeletion)
	if err != nil {
		return false, err
	}
	return s.done(ctx, s.store.CloseDeleted(ctx, *a, st.Sessions, ev), "account deleted", a.ID, account.ClosedDeletion)
}

// done reads a sweep's write: a lost race is left for the next run.
func (s *Sweeper) done(ctx context.Context, err error, what, accountID, reason string) (bool, error) {
	if errors.Is(err, account.ErrStale) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.log.InfoContext(ctx, what, "account", accountID, "reason", reason)
	return true, nil
}
