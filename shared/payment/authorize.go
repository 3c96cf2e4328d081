package payment

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/metrics"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Request is the payments system's question: may this account pay this amount to this payee?
type Request struct {
	Caller         string // the IAM principal API Gateway verified
	AccountID      string
	Amount         string // a decimal string in Currency
	Currency       string
	Payee          Payee
	IdempotencyKey string
	DeviceID       string // the holder's device the payment comes from, if the payments system knows it
}

// Answer is the decision, and for one that holds a reservation, the authorization.
type Answer struct {
	Decision        Decision
	AuthorizationID string
	Status          Status
	Amount          money.Amount
	Payee           Payee
	Methods         []Method
	PasskeyOptions  json.RawMessage // WebAuthn request options (a PublicKeyCredentialRequestOptions)
	ConfirmBy       time.Time       // for a pending one
	Reason          string          // for a denial
	Exceeded        *limits.Exceeded
	Level           account.Level // for level_required
}

// maxAttempts bounds how often Authorize reads again after losing a race for a counter.
const maxAttempts = 8

// Authorize decides a payment and, unless it is denied, writes the authorization with its
// reservation: one read (account, counters, settings, device and a previous answer to the same
// idempotency key, together) and one transaction. A retry with the same key and body returns the
// first answer (a denial is not kept: a retry decides again); with another body, 409.
func (s *Service) Authorize(ctx context.Context, req Request) (Answer, error) {
	amt, err := checkRequest(req)
	if err != nil {
		return Answer{}, err
	}
	id := req.AccountID + "." + token.ScopedID("authorization", req.AccountID, []byte(req.Caller+"\x00"+req.IdempotencyKey))
	hash := requestHash(req)
	for try := 0; try < maxAttempts; try++ {
		ans, err := s.authorizeOnce(ctx, req, id, hash, amt)
		if !errors.Is(err, account.ErrStale) {
			return ans, err
		}
		time.Sleep(time.Duration(1+rand.IntN(10*(try+1))) * time.Millisecond) // a lost race for a counter: read again
	}
	return Answer{}, account.Errorf(account.CodeConflict, "too many payments at once for this account; try again")
}

func (s *Service) authorizeOnce(ctx context.Context, req Request, id string, hash []byte, amt money.Amount) (Answer, error) {
	now := s.clock.Now()
	periods := limits.Periods(now, s.loc)
	st, err := s.store.AuthorizeState(ctx, StateQuery{AccountID: req.AccountID, AuthzID: id, DeviceID: req.DeviceID, Periods: periods})
	if err != nil {
		return Answer{}, err
	}
	if st.Account == nil {
		return Answer{}, account.Errorf(account.CodeNotFound, "no such account")
	}
	if st.Existing != nil {
		return s.replay(*st.Existing, hash)
	}
	v := s.decide(st, amt, now)
	if v.Decision == Denied {
		s.log.InfoContext(ctx, "payment denied", "account", req.AccountID, "reason", v.Reason)
		metrics.PaymentAuthorization(ctx, s.log, string(Denied))
		return Answer{Decision: Denied, Reason: v.Reason, Exceeded: v.Exceeded, Level: v.Level, Amount: amt}, nil
	}
	a, err := s.newAuthorization(req, id, hash, amt, v, periods, now)
	if err != nil {
		return Answer{}, err
	}
	a.Large = a.Status == StatusApproved && atOrOver(st.Account.Alerts.LargeTransaction, amt)
	r := Reservation{Authz: a, NoPw: st.Settings.Daily}
	r.Caps, _ = s.cfg.PaymentLimits.Caps(st.Account.Level, amt.Currency)
	if a.Large {
		if r.Event, err = s.largeEvent(a, now); err != nil {
			return Answer{}, err
		}
	}
	var le *LimitError
	switch err := s.store.Reserve(ctx, r); {
	case errors.As(err, &le):
		// Another payment took the room since the read: decide on the counter as it stood.
		used := limits.Used{le.Window: le.Used}
		for w, n := range st.Used[amt.Currency] {
			if w != le.Window {
				used[w] = n
			}
		}
		ex := limits.Check(r.Caps, used, amt.Minor)
		if ex == nil {
			return Answer{}, account.ErrStale // it fits as the counter stood: decide again
		}
		metrics.PaymentAuthorization(ctx, s.log, string(Denied))
		return Answer{Decision: Denied, Reason: ReasonLimit, Exceeded: ex, Amount: amt}, nil
	case errors.Is(err, ErrExists):
		return Answer{}, account.ErrStale // the same request, answered meanwhile: read it
	case err != nil:
		return Answer{}, err
	}
	s.log.InfoContext(ctx, "payment authorized", "account", a.AccountID, "authorization", a.ID, "decision", a.Decision)
	metrics.PaymentAuthorization(ctx, s.log, string(a.Decision))
	return s.answer(a)
}

func (s *Service) newAuthorization(req Request, id string, hash []byte, amt money.Amount, v verdict, periods []limits.Period, now time.Time) (Authorization, error) {
	a := Authorization{ID: id, AccountID: req.AccountID, Amount: amt, Payee: req.Payee, Decision: v.Decision, Status: StatusPending,
		Caller: req.Caller, RequestHash: hash, CreatedAt: now, ConfirmBy: now.Add(s.cfg.AuthorizationTTL),
		HoldUntil: now.Add(s.cfg.AuthorizationHold), Periods: periods, PasswordFree: v.PasswordFree, Nonce: make([]byte, 16)}
	if v.Decision == Approved {
		a.Status = StatusApproved
	}
	if _, err := io.ReadFull(s.rand, a.Nonce); err != nil {
		return Authorization{}, fmt.Errorf("authorization nonce: %w", err)
	}
	a.KeyID = s.passkeys.BoundKeyID()
	return a, nil
}

// replay answers a retry: the first answer when the body is the same, else idempotency_key_reused.
func (s *Service) replay(a Authorization, hash []byte) (Answer, error) {
	if string(a.RequestHash) != string(hash) {
		return Answer{}, account.Errorf(account.CodeIdempotencyReuse, "this idempotencyKey was used with another request")
	}
	return s.answer(a)
}

// answer is what Authorize tells about a: for a pending one, how the holder may confirm it.
func (s *Service) answer(a Authorization) (Answer, error) {
	ans := Answer{Decision: a.Decision, AuthorizationID: a.ID, Status: a.Status, Amount: a.Amount, Payee: a.Payee}
	if a.Status != StatusPending {
		return ans, nil
	}
	ans.ConfirmBy = a.ConfirmBy
	ans.Methods = []Method{MethodPasskey, MethodPaymentPassword}
	opts, err := s.passkeys.BoundOptions(a.KeyID, binding(a))
	if err != nil {
		return Answer{}, err
	}
	ans.PasskeyOptions = opts
	return ans, nil
}

func (s *Service) largeEvent(a Authorization, now time.Time) (*account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return nil, fmt.Errorf("event id: %w", err)
	}
	return &account.Event{ID: id.String(), Type: account.EventLargeTransaction, At: now,
		Details: map[string]string{account.DetailAmount: a.Amount.String(), account.DetailCurrency: a.Amount.Currency,
			account.DetailMerchant: a.Payee.Name}}, nil
}

// Field bounds of a request.
const (
	maxPayeeID   = 64
	maxPayeeName = 80
	maxIdemKey   = 128
)

// checkRequest refuses a malformed request with the field at fault and reads its amount.
func checkRequest(req Request) (money.Amount, error) {
	if err := account.Required("accountId", req.AccountID, "amount", req.Amount, "currency", req.Currency,
		"payee.id", req.Payee.ID, "payee.name", req.Payee.Name, "idempotencyKey", req.IdempotencyKey); err != nil {
		return money.Amount{}, err
	}
	if _, err := ulid.ParseStrict(req.AccountID); err != nil {
		return money.Amount{}, account.FieldError(account.CodeInvalidField, "accountId", "not an account id")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"payee.id", req.Payee.ID, maxPayeeID}, {"payee.name", req.Payee.Name, maxPayeeName}, {"idempotencyKey", req.IdempotencyKey, maxIdemKey}, {"deviceId", req.DeviceID, maxPayeeID}} {
		if utf8.RuneCountInString(f.value) > f.max || strings.ContainsFunc(f.value, isControl) {
			return money.Amount{}, account.FieldError(account.CodeInvalidField, f.name, fmt.Sprintf("%s is at most %d characters, none of them control characters", f.name, f.max))
		}
	}
	amt, err := money.Parse(req.Amount, req.Currency)
	switch {
	case errors.Is(err, money.ErrCurrency):
		return amt, account.FieldError(account.CodeInvalidCurrency, "currency", "not an ISO 4217 currency code")
	case err != nil:
		return amt, account.FieldError(account.CodeInvalidAmount, "amount", "a positive decimal amount with at most the currency's decimals ("+err.Error()+")")
	}
	return amt, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// requestHash is what a request said, for telling a retry from another request with its key.
func requestHash(req Request) []byte {
	h := sha256.Sum256([]byte(strings.Join([]string{req.Amount, req.Currency, req.Payee.ID, req.Payee.Name, req.DeviceID}, "\x00")))
	return h[:]
}
