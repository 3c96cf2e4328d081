package closure

import (
	"log/slog"
	"maps"
	"slices"
)

// Counts is what a run, or one invocation of it, did. In a dry run, Warned, Closed and Notified
// count what the run would have done.
type Counts struct {
	Examined     int            `json:"examined"`            // index entries read
	Warned       int            `json:"warned"`              // inactivity warnings written
	Closed       int            `json:"closed"`              // accounts closed
	Notified     int            `json:"notified"`            // account.closed messages published
	NotifyFailed int            `json:"notifyFailed"`        // publishes that failed; retried on the next run
	Waiting      int            `json:"waiting"`             // warned, closure not due yet (the index lagged)
	Reactivated  int            `json:"reactivated"`         // activity since the entry was filed: it won
	Raced        int            `json:"raced"`               // changed between read and write; retried on the next run
	Gone         int            `json:"gone"`                // closed already, or no such account
	Failed       int            `json:"failed"`              // errors; the account is retried on the next run
	Skipped      map[string]int `json:"skipped,omitempty"`   // due but blocked, by reason (an account with two blocks counts under both)
	PhoneChanges int            `json:"phoneChangesApplied"` // phone changes whose hold had passed
	Deletions    int            `json:"deletionsApplied"`    // deletions whose hold had passed: closed, or cancelled by a precondition
	AccountReads int            `json:"accountReads"`        // account items read (closures, notifications, dry runs)
	ReadUnits    float64        `json:"readUnits"`           // DynamoDB read capacity consumed by reads
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Examined += o.Examined
	c.Warned += o.Warned
	c.Closed += o.Closed
	c.Notified += o.Notified
	c.NotifyFailed += o.NotifyFailed
	c.Waiting += o.Waiting
	c.Reactivated += o.Reactivated
	c.Raced += o.Raced
	c.Gone += o.Gone
	c.Failed += o.Failed
	c.PhoneChanges += o.PhoneChanges
	c.Deletions += o.Deletions
	c.AccountReads += o.AccountReads
	c.ReadUnits += o.ReadUnits
	for r, n := range o.Skipped {
		c.skip(r, n)
	}
}

// SkippedTotal is the number of skips, all reasons together.
func (c Counts) SkippedTotal() int {
	n := 0
	for _, v := range c.Skipped {
		n += v
	}
	return n
}

func (c *Counts) skip(reason string, n int) {
	if c.Skipped == nil {
		c.Skipped = map[string]int{}
	}
	c.Skipped[reason] += n
}

func (c *Counts) usage(u Usage) { c.ReadUnits += u.ReadUnits }

// LogValue makes the counts one group in a log line.
func (c Counts) LogValue() slog.Value {
	skipped := make([]slog.Attr, 0, len(c.Skipped))
	for _, r := range slices.Sorted(maps.Keys(c.Skipped)) {
		skipped = append(skipped, slog.Int(r, c.Skipped[r]))
	}
	return slog.GroupValue(slog.Int("examined", c.Examined), slog.Int("warned", c.Warned), slog.Int("closed", c.Closed),
		slog.Int("notified", c.Notified), slog.Int("notify_failed", c.NotifyFailed), slog.Int("waiting", c.Waiting),
		slog.Int("reactivated", c.Reactivated), slog.Int("raced", c.Raced), slog.Int("gone", c.Gone),
		slog.Int("failed", c.Failed), slog.Attr{Key: "skipped", Value: slog.GroupValue(skipped...)},
		slog.Int("skipped_total", c.SkippedTotal()), slog.Int("phone_changes", c.PhoneChanges), slog.Int("deletions", c.Deletions),
		slog.Int("account_reads", c.AccountReads), slog.Float64("read_units", c.ReadUnits))
}
