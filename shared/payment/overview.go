package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/limits"
)

// UsageReader reads an account with what its limit counters hold (Store.AccountUsage).
type UsageReader interface {
	AccountUsage(ctx context.Context, accountID string, periods []limits.Period) (*account.Account, map[string]limits.Used, error)
}

// Overview tells a holder their limits and what remains of each (GET /v1/account).
type Overview struct {
	store UsageReader
	table limits.Table
	loc   *time.Location
	clock account.Clock
}

// Location loads LIMITS_TIME_ZONE: the day and year the limits count are this zone's.
func Location(cfg config.Config) (*time.Location, error) {
	loc, err := time.LoadLocation(cfg.LimitsTimeZone)
	if err != nil {
		return nil, fmt.Errorf("LIMITS_TIME_ZONE: %w", err)
	}
	return loc, nil
}

// NewOverview returns an Overview of cfg's limits, counted in loc (Location).
func NewOverview(store UsageReader, cfg config.Config, loc *time.Location, clock account.Clock) *Overview {
	return &Overview{store: store, table: cfg.PaymentLimits, loc: loc, clock: clock}
}

// Account reads the principal's account and lists its limits with what remains of each now, in
// one read; an account gone since the session's read answers unauthenticated.
func (o *Overview) Account(ctx context.Context, p account.Principal) (account.Account, []limits.Line, error) {
	a, used, err := o.store.AccountUsage(ctx, p.AccountID, limits.Periods(o.clock.Now(), o.loc))
	if err != nil {
		return account.Account{}, nil, err
	}
	if a == nil {
		return account.Account{}, nil, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	return *a, o.table.Lines(a.Level, used), nil
}
