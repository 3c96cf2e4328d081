package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Transaction is one message of the payments system's transactions topic:
//
//	{"eventId": "...", "accountId": "...", "amount": "12000.00", "currency": "CNY",
//	 "merchant": "...", "occurredAt": "2026-11-21T10:00:00Z"}
//
// amount may also be a JSON number; it is read from its text, exactly.
type Transaction struct {
	EventID    string
	AccountID  string
	Amount     string // decimal
	Currency   string // ISO 4217
	Merchant   string // cleaned for a text: no control characters, at most maxMerchant runes
	OccurredAt time.Time
}

// ErrMalformed marks a transaction message that no retry can make readable: it is logged and
// dropped, never retried.
var ErrMalformed = errors.New("malformed transaction message")

// maxMerchant is how much of a merchant's name a text shows.
const maxMerchant = 40

type transactionJSON struct {
	EventID    string          `json:"eventId"`
	AccountID  string          `json:"accountId"`
	Amount     json.RawMessage `json:"amount"`
	Currency   string          `json:"currency"`
	Merchant   string          `json:"merchant"`
	OccurredAt string          `json:"occurredAt"`
}

// ParseTransaction reads and checks a transaction message. Every error wraps ErrMalformed and
// names the field at fault, never its value.
func ParseTransaction(body []byte) (Transaction, error) {
	var in transactionJSON
	if err := json.Unmarshal(body, &in); err != nil {
		return Transaction{}, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	tx := Transaction{EventID: in.EventID, AccountID: in.AccountID, Currency: in.Currency, Merchant: cleanMerchant(in.Merchant)}
	var err error
	tx.Amount, err = amountText(in.Amount)
	switch {
	case err != nil:
	case !validID(tx.EventID, 128):
		err = errors.New("eventId")
	case !validID(tx.AccountID, 64):
		err = errors.New("accountId")
	case !currencyShaped(tx.Currency):
		err = errors.New("currency")
	case tx.Merchant == "":
		err = errors.New("merchant")
	default:
		if tx.OccurredAt, err = time.Parse(time.RFC3339Nano, in.OccurredAt); err != nil {
			err = errors.New("occurredAt")
		}
	}
	if err != nil {
		return Transaction{}, fmt.Errorf("%w: bad %s", ErrMalformed, err)
	}
	return tx, nil
}

// amountText is the decimal text of amount, a JSON string or number.
func amountText(raw json.RawMessage) (string, error) {
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("amount")
		}
	}
	if _, ok := parseAmount(s); !ok {
		return "", errors.New("amount")
	}
	return s, nil
}

// validID reports whether id is 1 to max characters of [A-Za-z0-9._:-]: an id fit for a key.
func validID(id string, max int) bool {
	return id != "" && len(id) <= max && !strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r))
	})
}

// cleanMerchant makes a merchant's name fit for a text: spaces for control characters, runs of
// spaces collapsed, at most maxMerchant runes.
func cleanMerchant(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > maxMerchant {
		s = strings.TrimSpace(string(r[:maxMerchant-1])) + "…"
	}
	return s
}

// Transaction handles one transaction: it counts as activity on the account, and one at or
// above the account's threshold, in the threshold's currency, sends an SMS — once per eventId,
// however often the message is delivered. A message for an account that does not exist or is
// closed is logged and dropped. An error means it must be delivered again.
func (s *Service) Transaction(ctx context.Context, tx Transaction) error {
	a, err := s.store.Account(ctx, tx.AccountID)
	if err != nil {
		return fmt.Errorf("transaction %s: %w", tx.EventID, err)
	}
	if a == nil || a.Status == account.StatusClosed {
		s.log.WarnContext(ctx, "transaction dropped: no such open account", "account", tx.AccountID, "transaction", tx.EventID)
		return nil
	}
	if err := s.store.TouchActivity(ctx, a.ID, a.LastActiveAt, s.clock.Now()); err != nil {
		return fmt.Errorf("transaction %s: %w", tx.EventID, err)
	}
	large, same := Large(a.Alerts.LargeTransaction, tx.Amount, tx.Currency)
	if !same {
		s.log.InfoContext(ctx, "transaction in another currency than the threshold: not compared, no alert",
			"account", a.ID, "transaction", tx.EventID, "currency", tx.Currency, "threshold_currency", a.Alerts.LargeTransaction.Currency)
	}
	if !large {
		return nil
	}
	ev := account.Event{ID: "tx-" + tx.EventID, Type: account.EventLargeTransaction, At: tx.OccurredAt,
		Details: map[string]string{account.DetailAmount: tx.Amount, account.DetailCurrency: tx.Currency,
			account.DetailMerchant: tx.Merchant}}
	return s.sendAll(ctx, *a, ev, s.plan(*a, ev, nil))
}
