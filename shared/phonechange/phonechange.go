// Package phonechange moves an account to a new phone number: the most dangerous thing a user
// can do, so it takes fresh proof at full strength.
//
//	start (session + login password + old-phone code)   -> awaiting_new
//	start (session + login password + ID number + 2 answers + payment password) -> awaiting_new
//	awaiting_new --new-phone code--> completed (old phone proven: at once)
//	awaiting_new --new-phone code--> pending   (identity path: the old number is told and can cancel)
//	pending --hold passed, next confirm or the closure sweep--> completed
//	awaiting_new | pending --cancel--> cancelled
//
// Completing is one transaction: the old claim released, the new one taken (conditional), the
// account updated, the proof spent, the event written and every other session ended.
package phonechange

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/session"
)

// State is where a change is.
type State string

// The states of a change.
const (
	StateAwaitingNew State = "awaiting_new"
	StatePending     State = "pending"
	StateCompleted   State = "completed"
	StateCancelled   State = "cancelled"
)

// Path is how the account holder proved themselves at the start.
type Path string

// The paths.
const (
	PathOldPhone Path = "old_phone"
	PathIdentity Path = "identity"
)

// Change is one phone change.
type Change struct {
	ID          string // account.JoinChangeID(accountID, own id)
	AccountID   string
	Path        Path
	State       State
	OldPhone    string // E.164
	NewPhone    string // E.164, once proven
	CreatedAt   time.Time
	EffectiveAt time.Time // when a pending change may complete
	ExpiresAt   time.Time // an unfinished change is dropped then
	SessionHash []byte    // the session that confirmed a held change; it stays when the change applies
}

// Store is what a phone change needs from storage.
type Store interface {
	// StartState reads the account and, when a token is given, the proof it names, in one read.
	StartState(ctx context.Context, accountID, token string) (account.Account, *otp.Challenge, error)
	// CreateChange writes a new change, spends the old-phone proof, if any, and stores the
	// proof's factors under the current pepper (see account.Rehash) in one transaction,
	// conditional on a's version when r is not empty.
	CreateChange(ctx context.Context, c Change, proof *otp.Challenge, a account.Account, r account.Rehash) error
	// ConfirmState reads the session, the change and the proof in one read, then the account and
	// its devices in another.
	ConfirmState(ctx context.Context, sessionHash []byte, changeID, token string) (ConfirmState, error)
	// HoldChange moves a change to pending with its new phone, spends the proof and writes the event.
	HoldChange(ctx context.Context, c Change, proof *otp.Challenge, ev account.Event) error
	// CompleteChange swaps the phone in one transaction (see the package doc).
	CompleteChange(ctx context.Context, w Completion) error
	// DueChanges lists the ids of held changes whose hold ended at or before asOf, from the
	// index of holds by day (never a Scan).
	DueChanges(ctx context.Context, asOf time.Time) ([]string, error)
	// CancelChange moves an open change to cancelled, spending the proof if one was used.
	CancelChange(ctx context.Context, c Change, proof *otp.Challenge, ev account.Event) error
	// RecoveryFailure counts a failed proof of identity at the start atomically.
	RecoveryFailure(ctx context.Context, accountID string) (int, error)
	// LockRecovery locks recovery (and so the identity path) when the failures reach max.
	LockRecovery(ctx context.Context, accountID string, max, level int, until, now time.Time) error
}

// ConfirmState is what a confirm decides on.
type ConfirmState struct {
	Session *session.Session // nil when the token names no session
	Change  *Change          // nil when there is no such change
	Proof   *otp.Challenge   // nil when none was given or it names nothing
	Account account.Account
	Devices []account.Device
}

// Completion is the swap of a change that completes.
type Completion struct {
	Change      Change
	Account     account.Account // as read: the write is conditional on its Version
	KeepSession []byte          // the session that confirmed, if any
	Sessions    [][]byte        // every session of the account, as read
	Proof       *otp.Challenge  // nil when a pending change completes after its hold
	Event       account.Event
}
