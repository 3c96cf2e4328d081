package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/limits"
)

// UsageReader reads what an account's limit counters hold (Store.Usage).
type UsageReader interface {
	Usage(ctx context.Context, accountID string, periods []limits.Period) (map[string]limits.Used, error)
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

// Lines lists a's limits with what remains of each now: one read.
func (o *Overview) Lines(ctx context.Context, a account.Account) ([]limits.Line, error) {
	used, err := o.store.Usage(ctx, a.ID, limits.Periods(o.clock.Now(), o.loc))
	if err != nil {
		return nil, err
	}
	return o.table.Lines(a.Level, used), nil
}
