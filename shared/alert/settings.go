package alert

import (
	"context"
	"errors"
	"fmt"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
)

// SettingsView is the alert settings as GET and PUT /v1/alert-settings answer them.
type SettingsView struct {
	// LargeTransaction is the threshold at or above which a transaction sends an SMS; null is off.
	LargeTransaction *MoneyView    `json:"largeTransaction"`
	Nighttime        NighttimeView `json:"nighttime"`
}

// MoneyView is an amount: a decimal string and an ISO 4217 currency.
type MoneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// NighttimeView is the nighttime-protection window. Its time zone is also the one alert texts
// tell the time in.
type NighttimeView struct {
	Enabled  bool   `json:"enabled"`
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"timezone"`
}

// SettingsInput is the whole settings that PUT /v1/alert-settings replaces. A nil
// LargeTransaction is off; Nighttime and each of its fields are required.
type SettingsInput struct {
	LargeTransaction *MoneyView
	Nighttime        *NighttimeInput
}

// NighttimeInput is the window as a client sends it; Enabled is a pointer so that a missing
// one is told from false.
type NighttimeInput struct {
	Enabled  *bool
	Start    string
	End      string
	TimeZone string
}

// settingsRetries is how often a save that lost a race reads the account again.
const settingsRetries = 3

// Settings returns the principal's alert settings, the defaults filled in.
func (s *Service) Settings(ctx context.Context, p account.Principal) (SettingsView, error) {
	a, err := s.account(ctx, p)
	if err != nil {
		return SettingsView{}, err
	}
	return s.view(a.Alerts), nil
}

// SaveSettings replaces the principal's alert settings. A frozen or closed account changes
// nothing. A change that weakens protection (Weakenings) needs fresh proof and writes
// protection_weakened with it, which sends an SMS with a freeze link. The save counts as activity.
func (s *Service) SaveSettings(ctx context.Context, p account.Principal, in SettingsInput) (SettingsView, error) {
	set, err := CheckSettings(in)
	if err != nil {
		return SettingsView{}, err
	}
	for try := 0; ; try++ {
		err := s.saveSettings(ctx, p, set)
		switch {
		case errors.Is(err, account.ErrStale) && try < settingsRetries:
			continue
		case errors.Is(err, account.ErrStale):
			return SettingsView{}, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
		case err != nil:
			return SettingsView{}, err
		}
		return s.view(set), nil
	}
}

// saveSettings reads the account and saves set over the settings read, with protection_weakened
// if set weakens them; account.ErrStale when the account changed since the read.
func (s *Service) saveSettings(ctx context.Context, p account.Principal, set account.AlertSettings) error {
	a, err := s.account(ctx, p)
	if err != nil {
		return err
	}
	switch a.Status {
	case account.StatusActive:
	case account.StatusFrozen:
		return account.Errorf(account.CodeAccountFrozen, "this account is frozen")
	default:
		return account.Errorf(account.CodeAccountClosed, "this account is closed")
	}
	now := s.clock.Now()
	var ev *account.Event
	if weak := Weakenings(a.Alerts, set); len(weak) > 0 {
		if err := p.RequireFresh(now, s.window); err != nil {
			return err
		}
		id, err := ulid.New(ulid.Timestamp(now), s.rand)
		if err != nil {
			return fmt.Errorf("event id: %w", err)
		}
		ev = &account.Event{ID: id.String(), Type: account.EventProtectionWeakened, At: now,
			Details: map[string]string{account.DetailWeakened: JoinWeakenings(weak)}}
	}
	if err := s.store.SaveAlertSettings(ctx, a, set, now, ev); err != nil {
		return fmt.Errorf("save alert settings: %w", err) // account.ErrStale stays visible to errors.Is
	}
	s.log.InfoContext(ctx, "alert settings saved", "account", a.ID, "large_transaction", set.LargeTransaction != nil,
		"nighttime", set.Nighttime.Enabled, "weakened", ev != nil)
	return nil
}

func (s *Service) account(ctx context.Context, p account.Principal) (account.Account, error) {
	a, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return account.Account{}, fmt.Errorf("read account: %w", err)
	}
	if a == nil {
		return account.Account{}, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	return *a, nil
}

// view shows settings with the defaults filled in: the window 23:00-07:00, the default zone.
func (s *Service) view(set account.AlertSettings) SettingsView {
	n := set.Nighttime
	v := SettingsView{Nighttime: NighttimeView{Enabled: n.Enabled, Start: n.Start, End: n.End, TimeZone: n.TimeZone}}
	if v.Nighttime.Start == "" || v.Nighttime.End == "" {
		v.Nighttime.Start, v.Nighttime.End = account.DefaultNightStart, account.DefaultNightEnd
	}
	if v.Nighttime.TimeZone == "" {
		v.Nighttime.TimeZone = s.zoneName
	}
	if t := set.LargeTransaction; t != nil {
		v.LargeTransaction = &MoneyView{Amount: t.Amount, Currency: t.Currency}
	}
	return v
}

// CheckSettings checks a PUT body and returns the settings it sets. Times are "HH:MM" (00:00 to
// 23:59) and the window may cross midnight but not be empty; the time zone is an IANA name this
// build knows; the threshold is a positive decimal (at most 15 digits and 4 decimals) with an
// ISO 4217 currency.
func CheckSettings(in SettingsInput) (account.AlertSettings, error) {
	n := in.Nighttime
	if n == nil {
		return account.AlertSettings{}, account.FieldError(account.CodeMissingField, "nighttime", "nighttime is required")
	}
	if n.Enabled == nil {
		return account.AlertSettings{}, account.FieldError(account.CodeMissingField, "nighttime.enabled", "nighttime.enabled is required")
	}
	if err := account.Required("nighttime.start", n.Start, "nighttime.end", n.End, "nighttime.timezone", n.TimeZone); err != nil {
		return account.AlertSettings{}, err
	}
	start, okStart := account.ClockMinutes(n.Start)
	end, okEnd := account.ClockMinutes(n.End)
	switch {
	case !okStart:
		return account.AlertSettings{}, account.FieldError(account.CodeInvalidTime, "nighttime.start", "start is a time of day, HH:MM from 00:00 to 23:59")
	case !okEnd:
		return account.AlertSettings{}, account.FieldError(account.CodeInvalidTime, "nighttime.end", "end is a time of day, HH:MM from 00:00 to 23:59")
	case start == end:
		return account.AlertSettings{}, account.FieldError(account.CodeInvalidTime, "nighttime.end", "the window must not end where it starts")
	}
	if _, err := loadZone(n.TimeZone); err != nil {
		return account.AlertSettings{}, account.FieldError(account.CodeInvalidTimeZone, "nighttime.timezone",
			"timezone is an IANA time zone name, such as Asia/Shanghai")
	}
	set := account.AlertSettings{Nighttime: account.Nighttime{Enabled: *n.Enabled, Start: n.Start, End: n.End, TimeZone: n.TimeZone}}
	if t := in.LargeTransaction; t != nil {
		if amt, ok := parseAmount(t.Amount); !ok || amt.Sign() <= 0 {
			return account.AlertSettings{}, account.FieldError(account.CodeInvalidAmount, "largeTransaction.amount",
				`amount is a positive decimal string, such as "5000.00"`)
		}
		if !validCurrency(t.Currency) {
			return account.AlertSettings{}, account.FieldError(account.CodeInvalidCurrency, "largeTransaction.currency",
				"currency is an ISO 4217 code, such as CNY")
		}
		set.LargeTransaction = &account.Money{Amount: t.Amount, Currency: t.Currency}
	}
	return set, nil
}
