// Package support is customer service on the internal API (AdminFunction): look an account up
// by phone, email or id and see it masked; freeze, unfreeze, sign out every device, set or clear
// the flags that block closure and deletion, and close it; and read the audit trail.
//
// Every action names its caller (the IAM principal API Gateway verified), a reason and a case id,
// and writes an audit item (AUDIT_TTL) and a security event in the same transaction as the change,
// conditional on the account's version as read: of two agents acting at once on one account, one
// writes and the other reads again and decides anew, so every status change has exactly one
// audit and the latest audit's "after" is the account's status. Freeze, unfreeze and close send
// the holder an SMS through the stream (the outbox), as every alert does.
package support

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/phonechange"
)

// The actions, as audit items name them.
const (
	ActionFreeze   = "freeze"
	ActionUnfreeze = "unfreeze"
	ActionSignOut  = "sign_out"
	ActionFlags    = "flags"
	ActionClose    = "close"
)

// Caller is who asks: the IAM principal of the signed request.
type Caller struct {
	ARN string // requestContext.authorizer.iam.userArn
}

// Case is why an agent acts: both are required (CheckCase).
type Case struct {
	Reason string
	CaseID string
}

// Record is what the store holds of an account for customer service.
type Record struct {
	Account      account.Account
	Flags        []string // the account item's blocks, sorted
	Devices      []account.Device
	PhoneChanges []phonechange.Change // with events only
	Events       []account.Event      // newest first; with events only
}

// Audit is one customer-service action as the trail keeps it.
type Audit struct {
	ID          string
	AccountID   string
	Principal   string // the caller's ARN
	Action      string
	Reason      string
	CaseID      string
	At          time.Time
	Before      account.Status
	After       account.Status
	FlagsBefore []string // flags only
	FlagsAfter  []string
	Version     int64 // the account's version this action wrote: orders an account's actions
}

// Change is one action's write: the account as read (its version is the condition), the status
// and flags after, the sessions to end, the audit and the event. Close takes the closure path.
type Change struct {
	Record   Record
	Status   account.Status // after
	Flags    []string       // after
	Sessions [][]byte       // to end in the same transaction
	Close    *closure.Subject
	Audit    Audit
	Event    account.Event
}

// Store is what customer service needs of the table.
type Store interface {
	// AccountByPhone and AccountByEmail return the id of the account that claims the number
	// (E.164) or the address (lower case), "" when none.
	AccountByPhone(ctx context.Context, e164 string) (string, error)
	AccountByEmail(ctx context.Context, lower string) (string, error)
	// SupportRecord reads an account with its devices, strongly consistent; with events > 0 also
	// its phone changes and its newest events since since. nil when there is no account.
	SupportRecord(ctx context.Context, id string, since time.Time, events int) (*Record, error)
	// SupportAct writes c in one transaction, conditional on the account's version as read
	// (else account.ErrStale); a close also releases the claims and files the account for its
	// account.closed message (the closure path), and fails ErrBlocked when a flag was set meanwhile.
	SupportAct(ctx context.Context, c Change) error
	// AuditTrail reads up to limit of the account's audit items older than before ("" for the
	// newest), newest first.
	AuditTrail(ctx context.Context, id, before string, limit int) ([]Audit, error)
}

// ErrBlocked answers a close while a flag forbids closure (the closure job's rule).
var ErrBlocked = account.Errorf(account.CodeCloseBlocked, "a flag blocks closure: clear balance, dispute, debt and investigation first")
