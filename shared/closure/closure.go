// Package closure is the scheduled job that warns accounts idle for CLOSURE_WARN_MONTHS and
// closes those idle for CLOSURE_CLOSE_MONTHS.
//
// The job never scans. Accounts are found through the sparse, write-sharded GSI1, in three parts:
//
//   - Idle: ACTIVE#<month of last activity>#<shard>, written at signup and moved by activity at
//     most once a day. Only the months at or before the warning cutoff, back to CLOSURE_HORIZON_MONTHS,
//     are read, and in the cutoff's month only the days at or before it.
//   - Warned: CLOSING#<month due>#<shard>. Warning an account moves its entry here, keyed by the
//     day it becomes due for closure, so a warned account is not read again until that day.
//   - Unnotified: CLOSED#<shard>. Closing an account moves its entry here until the
//     account.closed message is published; then the account leaves the index.
//
// So a run reads the entries that are due, plus blocked accounts (skipped and counted by reason),
// and a fixed number of empty partitions: its cost grows with the accounts due, not with the table.
//
// Every write is conditional on what was read (status, lastActiveAt, no blocks, the index entry
// where it was found): activity between the read and the write wins, and a second run (or a
// concurrent one) changes nothing twice. A checkpoint item per run (JOB#closure / <yyyy-mm-dd>)
// records each index partition's cursor and the counts, saved after every page; an invocation
// stops starting pages CLOSURE_DEADLINE_MARGIN before its deadline, and the next one continues.
package closure

import (
	"context"
	"errors"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Store is what the job needs from storage.
type Store interface {
	// Shards is how many write shards each part of the index has per month.
	Shards() int
	// Entries reads one page of at most limit entries of a bucket, from cursor ("" for the
	// first page). Page.Next is "" after the last page.
	Entries(ctx context.Context, b Bucket, cursor string, limit int) (Page, error)
	// Subject reads an account strongly consistent, with its devices' session hashes when
	// sessions is true; a Subject with an empty ID when there is no such account.
	Subject(ctx context.Context, id string, sessions bool) (Subject, Usage, error)
	// Warn marks the account warned, moves its entry to the Warned index and writes the
	// inactivity_warning event, in one transaction, if the account is still where w.From found
	// it, active or frozen, unblocked, unwarned and last active at or before w.Cutoff. When it
	// is not, it returns false and the account as it now is.
	Warn(ctx context.Context, w Warning) (bool, Subject, error)
	// Close closes the account in one transaction (see Closure) if its status and lastActiveAt
	// are still as read, it is still unblocked, warned and where c.From found it. When they are
	// not, it returns false and the account as it now is; when its phone or email claim belongs
	// to another account, ErrClaimElsewhere.
	Close(ctx context.Context, c Closure) (bool, Subject, error)
	// Notified records that account.closed was published for the account: it leaves the index.
	Notified(ctx context.Context, id string, at time.Time) error
	// Reindex files an account whose warning is void (it was active since) under its last
	// activity again, if lastActiveAt is still as read.
	Reindex(ctx context.Context, s Subject) error

	// BeginRun creates the run's checkpoint or reads it, and takes the run's lease for this
	// invocation; ErrBusy when another invocation holds it.
	BeginRun(ctx context.Context, r RunStart) (Checkpoint, error)
	// SaveProgress records one page: the unit's cursor (or that it is finished) and the counts.
	SaveProgress(ctx context.Context, runID string, p Progress) error
	// EndRun releases the lease, marking the run done when done is true.
	EndRun(ctx context.Context, runID, owner string, done bool, at time.Time) error
}

// Publisher publishes a message about an account to the account-events topic.
type Publisher interface {
	Publish(ctx context.Context, eventType string, body []byte) error
}

// Sweep applies what fell due at or before a run's time, once per run: the deletions whose hold
// ended (deletion.Service), and the phone changes whose hold ended (PhoneChanges).
type Sweep interface {
	// ApplyDue applies what is due at or before asOf (or, in a dry run, counts it) and returns
	// how many.
	ApplyDue(ctx context.Context, asOf time.Time, dryRun bool) (int, error)
}

// PhoneChanges applies the phone changes whose hold has passed: an identity-path change on hold
// completes at its next confirm or at this sweep, whichever comes first; phonechange.Service
// implements it.
type PhoneChanges interface {
	// ApplyDue applies the changes whose hold ended at or before asOf (or, in a dry run,
	// counts them) and returns how many.
	ApplyDue(ctx context.Context, asOf time.Time, dryRun bool) (int, error)
}

// NoPhoneChanges applies nothing: for tests of the closure job alone.
type NoPhoneChanges struct{}

// ApplyDue does nothing.
func (NoPhoneChanges) ApplyDue(context.Context, time.Time, bool) (int, error) { return 0, nil }

// Errors a Store returns.
var (
	ErrBusy           = errors.New("closure: another invocation holds the run")
	ErrClaimElsewhere = errors.New("closure: the account's phone or email claim belongs to another account")
)

// Index is one part of the sparse activity index (GSI1).
type Index int

// The parts of the index the job reads.
const (
	Idle       Index = iota // ACTIVE#<month of last activity>#<shard>: not warned
	Warned                  // CLOSING#<month due>#<shard>: warned, by the day closure is due
	Unnotified              // CLOSED#<shard>: closed, account.closed not yet published
)

// Bucket is one partition of the index to read.
type Bucket struct {
	Index Index
	Month time.Time // first instant of the month, UTC; zero for Unnotified
	Shard int
	// Before, when not zero, limits the read to entries whose day is before it (a midnight).
	Before time.Time
}

// Entry is one account found in the index.
type Entry struct {
	AccountID string
	Day       time.Time // the day the entry is filed under: last activity, closure due, or closed
	Cursor    string    // resumes a read of the bucket just after this entry
}

// Page is one page of a bucket.
type Page struct {
	Entries []Entry
	Next    string // cursor of the next page; "" when this was the last
	Usage   Usage
}

// Usage is what a read cost: items read and DynamoDB read capacity units consumed.
type Usage struct {
	Items     int
	ReadUnits float64
}

// Warning is one warning to write.
type Warning struct {
	AccountID string
	From      Bucket    // where the entry was found
	Cutoff    time.Time // the account must have been last active at or before it
	ClosesOn  time.Time // the day closure becomes due (a midnight): where the entry moves
	Event     account.Event
}

// Closure is one account to close. One transaction: status closed, the entry moved to the
// Unnotified index, every device's session deleted, the phone and email claims released
// (conditional on still naming this account), the profile kept, and the account_closed event.
type Closure struct {
	Subject Subject // as read, with its sessions
	From    Bucket
	Event   account.Event
}

// RunStart is what BeginRun needs.
type RunStart struct {
	RunID      string
	AsOf       time.Time // the run's reference time, kept by the checkpoint when it exists
	Owner      string    // this invocation
	LeaseUntil time.Time // when the lease lapses if this invocation dies holding it
	Now        time.Time
}

// Checkpoint is the state of a run.
type Checkpoint struct {
	RunID       string
	AsOf        time.Time // the first invocation's time: every invocation of the run decides on it
	Done        bool
	Finished    map[string]bool   // unit ids
	Cursors     map[string]string // unit id -> cursor of its next page
	Totals      Counts            // all invocations so far
	Invocations int
}

// Progress is one saved page of a unit.
type Progress struct {
	Unit     string
	Cursor   string // the next page's cursor; ignored when Finished
	Finished bool
	Counts   Counts // what the page did
}
