package closure

import (
	"encoding/json"
	"fmt"
	"time"
)

// ClosedType is the type of the message published to the account-events topic when an account
// is closed (also its SNS message attribute "type", for subscription filters).
const ClosedType = "account.closed"

// ClosedMessage is the account.closed message: the ledger settles the remaining balance. It is
// published at least once; EventID is the same on every attempt, so consumers drop repeats.
type ClosedMessage struct {
	Type      string    `json:"type"`    // account.closed
	EventID   string    `json:"eventId"` // the account_closed security event's id
	AccountID string    `json:"accountId"`
	ClosedAt  time.Time `json:"closedAt"`
	Reason    string    `json:"reason"`  // inactivity, deletion or support (account.Closed*)
	Balance   Balance   `json:"balance"` // as the account item last showed it; "0" when the ledger set none
}

// closedMessage encodes the account.closed message of a closed account.
func closedMessage(s Subject) ([]byte, error) {
	b, err := json.Marshal(ClosedMessage{Type: ClosedType, EventID: s.EventID, AccountID: s.ID, ClosedAt: s.ClosedAt.UTC(),
		Reason: s.closedReason(), Balance: s.Balance.orZero()})
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ClosedType, err)
	}
	return b, nil
}
