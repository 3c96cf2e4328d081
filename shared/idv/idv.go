// Package idv is identity verification: the holder opens a case (session and fresh proof) with
// the ID document's type, number, name and nationality; a Provider takes it (manual: customer
// service decides on the internal API; webhook: a vendor, whose decision comes back signed to
// the callback); the decision is applied in one transaction with the case, the account's level
// and ID document, a security event (the outbox: AlertFunction texts the holder) and, for
// customer service, an audit item.
//
// The rules: one pending case per account at a time; at most IDV_MAX_ATTEMPTS cases per Window,
// counted in the opening's transaction; the document number is kept only as keyed hashes and its
// last 4; an approval raises the level (real_name, or verified when a second channel was
// checked) and never lowers it, and fixes the ID document, unless the profile holds another one
// (the case is then rejected, document_mismatch); a decision repeated changes nothing, another
// decision of a decided case is refused.
package idv

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/support"
)

// Window is the period IDV_MAX_ATTEMPTS counts cases over.
const Window = 30 * 24 * time.Hour

// Status is where a case is.
type Status string

// The statuses of a case.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
)

// The providers (IDV_PROVIDER).
const (
	ProviderManual  = "manual"
	ProviderWebhook = "webhook"
)

// DecidedByVendor is a case's DecidedBy when the webhook's callback decided it; customer service
// is named by its IAM principal.
const DecidedByVendor = "webhook"

// Case is one identity verification.
type Case struct {
	ID           string // the account's id and the case's own, account.JoinChangeID's form
	AccountID    string
	Provider     string
	Status       Status
	DocumentType string   // passport, national_id, drivers_licence
	IDHashes     [][]byte // the number's fingerprints under every pepper key at opening, the current first
	IDLast4      string
	Nationality  string        // ISO 3166 region
	Decision     Status        // what the decider asked (approved or rejected); Status may differ (document_mismatch)
	ReasonCode   string        // a rejection's
	Level        account.Level // the level an approval left the account at
	CreatedAt    time.Time
	DecidedAt    time.Time
	DecidedBy    string // DecidedByVendor, or customer service's IAM principal
}

// State is an account's verification record: its pending case and when its recent cases were
// opened. Version 0 is a record not yet written.
type State struct {
	Open     string      // the pending case's id, "" when none
	Openings []time.Time // within Window of the latest write, oldest first
	Version  int64
}

// Opening is the write that opens a case: the state as read (its version is the condition) and
// after, the case, and the account, which must still be active.
type Opening struct {
	Account account.Account
	Before  State
	After   State
	Case    Case
}

// Decision is the write that decides a case, conditional on the case being pending, the state
// holding it open and the account's version as read: the case decided, the account's level
// (when Raise) and profile (when Profile is not nil), the event and, for customer service, the
// audit.
type Decision struct {
	Account account.Account
	Case    Case // as decided
	Raise   bool // set the account's level to Case.Level at Case.DecidedAt
	Profile *account.Profile
	Event   account.Event
	Audit   *support.Audit
}

// Store is what identity verification needs of the table.
type Store interface {
	// OpeningRecord reads the account (nil when none) and its verification state in one read.
	OpeningRecord(ctx context.Context, accountID string) (*account.Account, State, error)
	// Account reads an account (nil when none).
	Account(ctx context.Context, id string) (*account.Account, error)
	// Case reads a case by its id (nil when none or malformed); LatestCase the account's newest.
	Case(ctx context.Context, id string) (*Case, error)
	LatestCase(ctx context.Context, accountID string) (*Case, error)
	// OpenCase writes o in one transaction; a lost race answers account.ErrStale.
	OpenCase(ctx context.Context, o Opening) error
	// UndoOpening takes back o when its provider refused the case: the case deleted and the
	// state as it was before, conditional on o.After still standing.
	UndoOpening(ctx context.Context, o Opening) error
	// DecideCase writes d in one transaction; a lost race answers account.ErrStale.
	DecideCase(ctx context.Context, d Decision) error
	// SpendSignature records a callback's signature (by its hash) until expires; one recorded
	// already answers ErrReplayed. ForgetSignature deletes the record of a callback that failed.
	SpendSignature(ctx context.Context, hash []byte, expires time.Time) error
	ForgetSignature(ctx context.Context, hash []byte) error
}

// Submission is what a provider gets of a new case: the case, and what the table never keeps.
type Submission struct {
	Case           Case
	DocumentNumber string // normalised (upper case, no spaces)
	Name           string
	CallbackURL    string // where the decision is to be POSTed, signed
}

// Provider takes new cases. Manual does nothing (customer service decides); a webhook sends the
// case to the vendor. An error leaves the case undone, and the holder may try again.
type Provider interface {
	Name() string
	Submit(ctx context.Context, s Submission) error
}

// Manual is the manual provider: a case waits for customer service's decision.
type Manual struct{}

// Name is "manual".
func (Manual) Name() string { return ProviderManual }

// Submit does nothing.
func (Manual) Submit(context.Context, Submission) error { return nil }

// ErrReplayed answers a callback whose signature was received already.
var ErrReplayed = account.Errorf(account.CodeReplayed, "this callback was received already; sign each delivery anew")
