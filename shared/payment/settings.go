package payment

import (
	"context"
	"fmt"
	"slices"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

// SettingsView is the holder's password-free settings and what they may choose from.
type SettingsView struct {
	PasswordFree bool     `json:"passwordFree"`
	Currency     string   `json:"currency,omitempty"`
	PerPayment   string   `json:"perPayment,omitempty"`
	Daily        string   `json:"daily,omitempty"`
	Caps         []string `json:"perPaymentChoices"`
	DailyMax     string   `json:"dailyMax"`
}

// SettingsChange is PUT /v1/payment-settings.
type SettingsChange struct {
	PasswordFree    bool
	Currency        string
	PerPayment      string
	Daily           string
	PaymentPassword string
}

// Settings returns the holder's password-free settings.
func (s *Service) Settings(ctx context.Context, p account.Principal) (SettingsView, error) {
	a, set, err := s.store.PaymentSettings(ctx, p.AccountID)
	if err != nil {
		return SettingsView{}, err
	}
	if a == nil {
		return SettingsView{}, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	return s.settingsView(set), nil
}

// PutSettings saves the holder's password-free settings. Turning them on or raising a cap (or
// moving them to another currency) weakens the account's protection: it needs fresh proof and
// the payment password, and sends an alert; turning them off or lowering a cap needs a session.
func (s *Service) PutSettings(ctx context.Context, p account.Principal, in SettingsChange) (SettingsView, error) {
	next, err := s.parseSettings(in)
	if err != nil {
		return SettingsView{}, err
	}
	a, cur, err := s.store.PaymentSettings(ctx, p.AccountID)
	if err != nil {
		return SettingsView{}, err
	}
	if a == nil {
		return SettingsView{}, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	now := s.clock.Now()
	next.UpdatedAt = now
	var ev *account.Event
	var ad *paypass.Admission
	if weakens(cur, next) {
		if ev, ad, err = s.weaken(ctx, p, *a, in.PaymentPassword, next); err != nil {
			return SettingsView{}, err
		}
	} else if err := a.Usable(); err != nil {
		return SettingsView{}, err
	}
	if err := s.store.SavePaymentSettings(ctx, p.AccountID, next, ev, ad); err != nil {
		return SettingsView{}, err
	}
	s.log.InfoContext(ctx, "payment settings saved", "account", p.AccountID, "password_free", next.PasswordFree)
	return s.settingsView(next), nil
}

// weaken checks what a weakening needs and returns its event and the payment password's admission.
func (s *Service) weaken(ctx context.Context, p account.Principal, a account.Account, pin string, next Settings) (*account.Event, *paypass.Admission, error) {
	now := s.clock.Now()
	if err := p.RequireFresh(now, s.cfg.RecentAuthWindow); err != nil {
		return nil, nil, err
	}
	if err := account.Required("paymentPassword", pin); err != nil {
		return nil, nil, err
	}
	ad, err := s.payments.Verify(ctx, a, pin)
	if err != nil {
		return nil, nil, err
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return nil, nil, fmt.Errorf("event id: %w", err)
	}
	ev := &account.Event{ID: id.String(), Type: account.EventPasswordFreeEnabled, At: now,
		Details: map[string]string{account.DetailAmount: money.Format(next.PerPayment, next.Currency), account.DetailCurrency: next.Currency}}
	return ev, &ad, nil
}

// weakens reports whether next allows more without a password than cur.
func weakens(cur, next Settings) bool {
	return next.PasswordFree && (!cur.PasswordFree || next.Currency != cur.Currency || next.PerPayment > cur.PerPayment || next.Daily > cur.Daily)
}

// parseSettings reads a change: off, or a currency some level accepts, a per-payment cap from
// PASSWORD_FREE_CAPS and a daily cap from the per-payment cap to PASSWORD_FREE_DAILY_MAX.
func (s *Service) parseSettings(in SettingsChange) (Settings, error) {
	if !in.PasswordFree {
		if in.Currency != "" || in.PerPayment != "" || in.Daily != "" {
			return Settings{}, account.FieldError(account.CodeInvalidField, "currency", "give no caps when turning password-free payments off")
		}
		return Settings{}, nil
	}
	if err := account.Required("currency", in.Currency, "perPayment", in.PerPayment, "daily", in.Daily); err != nil {
		return Settings{}, err
	}
	if _, ok := s.lowestAccepting(in.Currency); !ok {
		return Settings{}, account.FieldError(account.CodeInvalidCurrency, "currency", "payments are not accepted in this currency")
	}
	per, err := money.Parse(in.PerPayment, in.Currency)
	if err != nil || !slices.ContainsFunc(s.cfg.PasswordFreeCaps, func(c string) bool {
		v, err := money.Parse(c, in.Currency)
		return err == nil && v == per
	}) {
		return Settings{}, account.FieldError(account.CodeInvalidAmount, "perPayment", "choose one of "+fmt.Sprint(s.cfg.PasswordFreeCaps))
	}
	daily, err := money.Parse(in.Daily, in.Currency)
	most, errMax := money.Parse(s.cfg.PasswordFreeDailyMax, in.Currency)
	if err != nil || errMax != nil || daily.Minor < per.Minor || daily.Minor > most.Minor {
		return Settings{}, account.FieldError(account.CodeInvalidAmount, "daily", "a decimal amount from perPayment to "+s.cfg.PasswordFreeDailyMax)
	}
	return Settings{PasswordFree: true, Currency: in.Currency, PerPayment: per.Minor, Daily: daily.Minor}, nil
}

func (s *Service) settingsView(set Settings) SettingsView {
	v := SettingsView{PasswordFree: set.PasswordFree, Caps: s.cfg.PasswordFreeCaps, DailyMax: s.cfg.PasswordFreeDailyMax}
	if set.PasswordFree {
		v.Currency, v.PerPayment, v.Daily = set.Currency, money.Format(set.PerPayment, set.Currency), money.Format(set.Daily, set.Currency)
	}
	return v
}
