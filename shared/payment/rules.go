package payment

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/money"
)

// The reasons of a denial.
const (
	ReasonFrozen      = "frozen"
	ReasonClosed      = "closed"
	ReasonLimit       = "limit_exceeded"
	ReasonLevel       = "level_required"         // the currency needs a higher verification level
	ReasonNotAccepted = "currency_not_supported" // no level accepts the currency
)

// verdict is what the rules decide before anything is written.
type verdict struct {
	Decision     Decision
	Reason       string
	Exceeded     *limits.Exceeded
	Level        account.Level // for ReasonLevel: the lowest level that accepts the currency
	PasswordFree bool
}

// decide applies the rules to a request for amt at now: the account's status, its level's caps
// and what its counters hold, then whether the holder must confirm.
func (s *Service) decide(st AuthorizeState, amt money.Amount, now time.Time) verdict {
	a := st.Account
	switch a.Status {
	case account.StatusActive:
	case account.StatusFrozen:
		return verdict{Decision: Denied, Reason: ReasonFrozen}
	default:
		return verdict{Decision: Denied, Reason: ReasonClosed}
	}
	caps, ok := s.cfg.PaymentLimits.Caps(a.Level, amt.Currency)
	if !ok {
		if l, ok := s.lowestAccepting(amt.Currency); ok {
			return verdict{Decision: Denied, Reason: ReasonLevel, Level: l}
		}
		return verdict{Decision: Denied, Reason: ReasonNotAccepted}
	}
	if ex := limits.Check(caps, st.Used[amt.Currency], amt.Minor); ex != nil {
		return verdict{Decision: Denied, Reason: ReasonLimit, Exceeded: ex}
	}
	switch {
	case account.InWindow(a.Alerts.Nighttime, now):
		return verdict{Decision: StepUpRequired}
	case s.passwordFree(st, amt, now):
		return verdict{Decision: Approved, PasswordFree: true}
	}
	return verdict{Decision: ConfirmationRequired}
}

// lowestAccepting returns the lowest level whose limits list currency.
func (s *Service) lowestAccepting(currency string) (account.Level, bool) {
	for _, l := range []account.Level{account.LevelPhone, account.LevelRealName, account.LevelVerified} {
		if _, ok := s.cfg.PaymentLimits.Caps(l, currency); ok {
			return l, true
		}
	}
	return "", false
}

// passwordFree reports whether a payment may go without confirmation: the holder turned it on
// for this currency, the amount is within the per-payment cap and, with today's password-free
// payments, within the daily cap; the request names a proven device of the account (enrolled
// with a device credential, holding a session); and no reset, phone change or new passkey came
// within PASSWORD_FREE_COOLDOWN. The nighttime window is decided before (step-up).
func (s *Service) passwordFree(st AuthorizeState, amt money.Amount, now time.Time) bool {
	set := st.Settings
	if !set.PasswordFree || set.Currency != amt.Currency || amt.Minor > set.PerPayment || st.NoPwUsed[amt.Currency]+amt.Minor > set.Daily {
		return false
	}
	if d := st.Device; d == nil || len(d.SecretHash) == 0 || len(d.SessionHash) == 0 {
		return false
	}
	a := st.Account
	latest := a.PasswordResetAt
	for _, t := range []time.Time{a.PhoneChangedAt, a.PasskeyAddedAt} {
		if t.After(latest) {
			latest = t
		}
	}
	return now.Sub(latest) >= s.cfg.PasswordFreeCooldown
}

// atOrOver reports whether amt is at or over the holder's large-transaction threshold, compared
// exactly and only in the threshold's currency.
func atOrOver(threshold *account.Money, amt money.Amount) bool {
	if threshold == nil || threshold.Currency != amt.Currency {
		return false
	}
	t, ok := new(big.Rat).SetString(threshold.Amount)
	if !ok {
		return false
	}
	v, _ := new(big.Rat).SetString(amt.String())
	return v.Cmp(t) >= 0
}

// binding is what a passkey confirmation signs over: the authorization's id, amount, currency,
// payee and nonce, each length-prefixed so no two payments share one.
func binding(a Authorization) []byte {
	var b strings.Builder
	for _, f := range []string{"payment", a.ID, strconv.FormatInt(a.Amount.Minor, 10), a.Amount.Currency, a.Payee.ID, a.Payee.Name, string(a.Nonce)} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return []byte(b.String())
}
