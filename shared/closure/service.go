package closure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/metrics"
)

// JobName names the job's checkpoints (JOB#closure).
const JobName = "closure"

// endRunTimeout bounds the write that gives the run's lease back at the end of an invocation,
// and the write that saves a page's progress.
const endRunTimeout = 3 * time.Second

// entryTimeout bounds the work on one index entry (a read, a write, a publish). An entry once
// begun is not cut by the invocation's deadline, which is checked between entries: cut halfway,
// a write that landed would look failed, and the entry, gone from its index, would be counted
// by no invocation.
const entryTimeout = 5 * time.Second

// noDeadlineLease is how long an invocation without a deadline holds the run.
const noDeadlineLease = 15 * time.Minute

// Options are how the job runs, apart from the policy.
type Options struct {
	Concurrency int           // index partitions read at once
	PageSize    int           // entries per page; progress is saved after each
	Margin      time.Duration // stop starting pages this long before the invocation's deadline
	DryRun      bool          // change nothing, report what would be done
}

// Service runs the job.
type Service struct {
	store  Store
	pub    Publisher
	phones PhoneChanges
	// deletions, when set, closes the accounts whose deletion's hold ended (WithDeletions).
	deletions Sweep
	clock     account.Clock
	rand      io.Reader
	policy    Policy
	opts      Options
	log       *slog.Logger
}

// NewService returns a Service with the policy and options of cfg.
func NewService(store Store, pub Publisher, phones PhoneChanges, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, pub: pub, phones: phones, clock: clock, rand: rand, log: log,
		policy: Policy{WarnAfter: cfg.ClosureWarnMonths, CloseAfter: cfg.ClosureCloseMonths, MinNotice: cfg.ClosureMinNotice,
			Horizon: cfg.ClosureHorizonMonths},
		opts: Options{Concurrency: max(cfg.ClosureConcurrency, 1), PageSize: max(cfg.ClosurePageSize, 1),
			Margin: cfg.ClosureDeadlineMargin, DryRun: cfg.DryRun}}
}

// WithDeletions has each run close the accounts whose deletion is due, by d, before the run's
// notify units, which publish their account.closed messages as every closed account's.
func (s *Service) WithDeletions(d Sweep) *Service {
	s.deletions = d
	return s
}

// Request is one invocation's input.
type Request struct {
	DryRun bool // a dry run even when DRY_RUN is off
}

// Summary is what one invocation did, and the run so far.
type Summary struct {
	RunID          string `json:"runId"`
	DryRun         bool   `json:"dryRun"`
	Complete       bool   `json:"complete"`       // the run has read every partition it had to
	Busy           bool   `json:"busy,omitempty"` // another invocation holds the run; this one did nothing
	RemainingUnits int    `json:"remainingUnits"` // partitions left for the next invocation
	Invocation     Counts `json:"invocation"`
	Run            Counts `json:"run"` // every invocation of the run, this one included
	DurationMS     int64  `json:"durationMs"`
}

// Run runs the job, or the rest of today's run, until it is done or the deadline nears.
func (s *Service) Run(ctx context.Context, req Request) (Summary, error) {
	started := time.Now()
	now := s.clock.Now().UTC()
	j := &job{svc: s, dry: s.opts.DryRun || req.DryRun}
	sum := Summary{RunID: now.Format(time.DateOnly), DryRun: j.dry}
	cp, err := s.begin(ctx, j, sum.RunID, now)
	switch {
	case errors.Is(err, ErrBusy):
		sum.Busy = true
		s.log.WarnContext(ctx, "closure run busy: another invocation holds it", "run_id", sum.RunID)
		return sum, nil
	case err != nil:
		return sum, err
	}
	j.cp = cp
	if cp.Done {
		sum.Complete = true
		sum.Run.Add(cp.Totals)
		s.report(ctx, &sum, started)
		return sum, s.store.EndRun(ctx, sum.RunID, j.owner, true, now)
	}
	work, stop, cancel := s.budget(ctx)
	defer cancel()
	todo := j.pending(s.units(cp.AsOf))
	// The sweeps run first, so that the accounts a deletion closes are published by this run's
	// notify units.
	sweeps, rest := splitSweeps(todo)
	finished, errs := j.runUnits(work, stop, sweeps)
	n, more := j.runUnits(work, stop, rest)
	finished, errs = finished+n, append(errs, more...)
	sum.RemainingUnits = len(todo) - finished
	sum.Complete = sum.RemainingUnits == 0
	if !j.dry {
		// The lease is given back even when the deadline has just passed, so the next
		// invocation need not wait for it to lapse.
		end, cancelEnd := context.WithTimeout(context.WithoutCancel(ctx), endRunTimeout)
		defer cancelEnd()
		if err := s.store.EndRun(end, sum.RunID, j.owner, sum.Complete, s.clock.Now()); err != nil {
			errs = append(errs, fmt.Errorf("end run: %w", err))
		}
	}
	sum.Invocation = j.counts
	sum.Run.Add(cp.Totals)
	sum.Run.Add(j.counts)
	s.report(ctx, &sum, started)
	return sum, errors.Join(errs...)
}

// begin takes the run's lease and reads its checkpoint; a dry run reads and writes none.
func (s *Service) begin(ctx context.Context, j *job, runID string, now time.Time) (Checkpoint, error) {
	if j.dry {
		return Checkpoint{RunID: runID, AsOf: now}, nil
	}
	owner, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("invocation id: %w", err)
	}
	j.owner = owner.String()
	lease := noDeadlineLease
	if d, ok := ctx.Deadline(); ok {
		lease = time.Until(d)
	}
	cp, err := s.store.BeginRun(ctx, RunStart{RunID: runID, AsOf: now, Owner: j.owner, LeaseUntil: now.Add(lease), Now: now})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("begin run %s: %w", runID, err)
	}
	return cp, nil
}

// budget returns two contexts that end before ctx's deadline. Once stop is done (Margin before
// it), no new page is started; once work is done (Margin/2 before it), a page under way stops
// between two entries and saves what it did. The other half of the margin is for the entry under
// way, the page's save and the lease's release, each with a timeout of its own.
func (s *Service) budget(ctx context.Context) (work, stop context.Context, cancel context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		work, cancel = context.WithCancel(ctx)
		return work, work, cancel
	}
	work, cancelWork := context.WithDeadline(ctx, d.Add(-s.opts.Margin/2))
	stop, cancelStop := context.WithDeadline(work, d.Add(-s.opts.Margin))
	return work, stop, func() { cancelStop(); cancelWork() }
}

// report sets the summary's duration and logs the summary line.
func (s *Service) report(ctx context.Context, sum *Summary, started time.Time) {
	sum.DurationMS = time.Since(started).Milliseconds()
	s.log.InfoContext(ctx, "closure run", "run_id", sum.RunID, "dry_run", sum.DryRun, "complete", sum.Complete,
		"remaining_units", sum.RemainingUnits, "invocation", sum.Invocation, "run", sum.Run,
		"duration_ms", sum.DurationMS, logging.CallsFrom(ctx).Attr())
	metrics.ClosureRun(ctx, s.log, runOutcome(*sum), sum.Invocation.Warned, sum.Invocation.Closed)
}

// runOutcome names an invocation's run for the closure metric: the alarm on a job that stopped
// running watches for complete runs.
func runOutcome(sum Summary) string {
	switch {
	case sum.DryRun:
		return metrics.RunDryRun
	case sum.Complete:
		return metrics.RunComplete
	}
	return metrics.RunPartial
}

// unitKind is what a unit of work does.
type unitKind int

const (
	phoneUnit    unitKind = iota // apply phone changes whose hold has passed
	deletionUnit                 // close the accounts whose deletion is due
	notifyUnit                   // publish account.closed messages still owed
	closeUnit                    // close warned accounts that are due
	warnUnit                     // warn idle accounts
)

// unit is one index partition to read (or the phone-change sweep): the checkpoint's grain.
type unit struct {
	id     string
	kind   unitKind
	bucket Bucket
}

// units lists the run's work at asOf: the phone-change sweep, the owed notifications, the
// closures due, then the warnings due, each over every shard.
func (s *Service) units(asOf time.Time) []unit {
	n := s.store.Shards()
	us := []unit{{id: "phone-changes", kind: phoneUnit}}
	if s.deletions != nil {
		us = append(us, unit{id: "deletions", kind: deletionUnit})
	}
	for sh := range n {
		us = append(us, unit{id: fmt.Sprintf("notify#%02d", sh), kind: notifyUnit, bucket: Bucket{Index: Unnotified, Shard: sh}})
	}
	// Accounts last active before the horizon are left alone; one warned within it is due no
	// sooner than CloseAfter months after its last activity.
	oldest := asOf.AddDate(0, -s.policy.Horizon, 0)
	for _, m := range months(oldest.AddDate(0, s.policy.CloseAfter, 0), asOf) {
		for sh := range n {
			us = append(us, unit{id: fmt.Sprintf("close#%s#%02d", m.Format("2006-01"), sh), kind: closeUnit,
				bucket: Bucket{Index: Warned, Month: m, Shard: sh, Before: dayAfter(asOf)}})
		}
	}
	cutoff := s.policy.WarnCutoff(asOf)
	for _, m := range months(oldest, cutoff) {
		for sh := range n {
			us = append(us, unit{id: fmt.Sprintf("warn#%s#%02d", m.Format("2006-01"), sh), kind: warnUnit,
				bucket: Bucket{Index: Idle, Month: m, Shard: sh, Before: dayAfter(cutoff)}})
		}
	}
	return us
}

// job is one invocation of a run.
type job struct {
	svc   *Service
	dry   bool
	owner string
	cp    Checkpoint

	mu     sync.Mutex
	counts Counts
}

// pending drops the units the checkpoint has finished.
func (j *job) pending(us []unit) []unit {
	out := us[:0:0]
	for _, u := range us {
		if !j.cp.Finished[u.id] {
			out = append(out, u)
		}
	}
	return out
}

// runUnits works through units with bounded concurrency until they are done or stop ends, and
// returns how many it finished.
func (j *job) runUnits(ctx, stop context.Context, units []unit) (int, []error) {
	work := make(chan unit)
	var mu sync.Mutex
	var errs []error
	finished := 0
	var wg sync.WaitGroup
	for range j.svc.opts.Concurrency {
		wg.Go(func() {
			for u := range work {
				done, err := j.unit(ctx, stop, u)
				mu.Lock()
				// A page the invocation's deadline cut off is unfinished, not failed: every write
				// in it is conditional, and the next invocation reads it again from the last
				// saved cursor.
				if err != nil && ctx.Err() == nil {
					errs = append(errs, fmt.Errorf("%s: %w", u.id, err))
				}
				if done {
					finished++
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, u := range units {
		select {
		case work <- u:
		case <-stop.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return finished, errs
}

// splitSweeps parts units into the sweeps (phone changes, deletions) and the rest, in order.
func splitSweeps(units []unit) (sweeps, rest []unit) {
	for _, u := range units {
		if u.kind == phoneUnit || u.kind == deletionUnit {
			sweeps = append(sweeps, u)
		} else {
			rest = append(rest, u)
		}
	}
	return sweeps, rest
}

// unit reads a unit's pages from its cursor, acting on each entry and saving progress after
// each page, until the unit is done or stop ends; it reports whether the unit is done. Once ctx
// ends, a page stops before its next entry and saves the cursor of the last one it acted on.
func (j *job) unit(ctx, stop context.Context, u unit) (bool, error) {
	switch u.kind {
	case phoneUnit:
		return j.sweep(ctx, stop, u, j.svc.phones, func(n int) Counts { return Counts{PhoneChanges: n} })
	case deletionUnit:
		return j.sweep(ctx, stop, u, j.svc.deletions, func(n int) Counts { return Counts{Deletions: n} })
	}
	cursor := j.cp.Cursors[u.id]
	for {
		if stop.Err() != nil {
			return false, nil
		}
		start := cursor
		page, err := j.svc.store.Entries(ctx, u.bucket, start, j.svc.opts.PageSize)
		if err != nil {
			return false, fmt.Errorf("read index: %w", err)
		}
		var c Counts
		c.usage(page.Usage)
		p := Progress{Unit: u.id, Cursor: page.Next, Finished: page.Next == ""}
		for _, e := range page.Entries {
			if ctx.Err() != nil {
				p.Cursor, p.Finished = cursor, false
				break
			}
			j.entry(ctx, u, e, &c)
			c.Examined++
			cursor = e.Cursor
		}
		if c.Examined == 0 && !p.Finished && p.Cursor == start {
			return false, nil // cut before its first entry: the next invocation reads the page again
		}
		p.Counts = c
		// Most partitions are empty: reading one again costs what recording it would, so an
		// empty partition is not recorded and a resumed run reads it again.
		if empty := start == "" && p.Finished && c.Examined == 0; empty {
			j.tally(p.Counts)
		} else if err := j.saveDetached(ctx, p); err != nil {
			return false, err
		}
		if p.Finished {
			return true, nil
		}
		if ctx.Err() != nil {
			return false, nil
		}
		cursor = p.Cursor
	}
}

// sweep runs a sweep once per run; counts says what its number counts.
func (j *job) sweep(ctx, stop context.Context, u unit, sw Sweep, counts func(int) Counts) (bool, error) {
	if stop.Err() != nil {
		return false, nil
	}
	n, err := sw.ApplyDue(ctx, j.cp.AsOf, j.dry)
	if err != nil {
		return false, fmt.Errorf("sweep %s: %w", u.id, err)
	}
	if err := j.saveDetached(ctx, Progress{Unit: u.id, Finished: true, Counts: counts(n)}); err != nil {
		return false, err
	}
	return true, nil
}

// save records a page in the checkpoint (not in a dry run) and in the invocation's counts.
func (j *job) save(ctx context.Context, p Progress) error {
	if !j.dry {
		if err := j.svc.store.SaveProgress(ctx, j.cp.RunID, p); err != nil {
			return fmt.Errorf("save progress: %w", err)
		}
	}
	j.tally(p.Counts)
	return nil
}

// saveDetached saves what a page did, even if the deadline passes while it does: cut off, a
// write that landed would look failed, and the run's totals would count a page the
// invocation's own counts do not.
func (j *job) saveDetached(ctx context.Context, p Progress) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endRunTimeout)
	defer cancel()
	return j.save(ctx, p)
}

// tally adds what a page did to the invocation's counts.
func (j *job) tally(c Counts) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.counts.Add(c)
}

// entry acts on one index entry, counting the outcome into c. An error is logged and counted:
// the entry stays in the index and the next run meets it again.
func (j *job) entry(ctx context.Context, u unit, e Entry, c *Counts) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), entryTimeout)
	defer cancel()
	var err error
	switch u.kind {
	case warnUnit:
		err = j.warn(ctx, u, e, c)
	case closeUnit:
		err = j.close(ctx, u, e, c)
	case notifyUnit:
		err = j.notify(ctx, e, c)
	}
	if err != nil {
		c.Failed++
		j.svc.log.ErrorContext(ctx, "closure entry failed", "unit", u.id, "account_id", e.AccountID, "err", err)
	}
}

// subject reads an account, counting the read.
func (j *job) subject(ctx context.Context, id string, sessions bool, c *Counts) (Subject, error) {
	s, u, err := j.svc.store.Subject(ctx, id, sessions)
	c.AccountReads += u.Items
	c.usage(u)
	if err != nil {
		return Subject{}, fmt.Errorf("read account: %w", err)
	}
	return s, nil
}

// warn warns an idle account, without reading it first: the write's condition is the rule, and
// when it does not hold the account as it is tells why.
func (j *job) warn(ctx context.Context, u unit, e Entry, c *Counts) error {
	p, asOf := j.svc.policy, j.cp.AsOf
	if j.dry {
		s, err := j.subject(ctx, e.AccountID, false, c)
		if err != nil {
			return err
		}
		j.count(p.Decide(s, asOf), s, c)
		return nil
	}
	now := j.svc.clock.Now().UTC()
	// The entry's day bounds the last activity from above, so closure is due no sooner than
	// ClosesOn says and at most a day later.
	closesOn := dueDay(p.ClosesOn(dayAfter(e.Day), now))
	ev, err := j.event(account.EventInactivityWarning, now, map[string]string{account.DetailClosesOn: closesOn.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	ok, s, err := j.svc.store.Warn(ctx, Warning{AccountID: e.AccountID, From: u.bucket, Cutoff: p.WarnCutoff(asOf), ClosesOn: closesOn, Event: ev})
	switch {
	case err != nil:
		return fmt.Errorf("warn: %w", err)
	case ok:
		c.Warned++
	default:
		j.count(p.Decide(s, asOf), s, c)
	}
	return nil
}

// close closes a warned account that is due, then publishes account.closed.
func (j *job) close(ctx context.Context, u unit, e Entry, c *Counts) error {
	s, err := j.subject(ctx, e.AccountID, true, c)
	if err != nil {
		return err
	}
	d := j.svc.policy.Decide(s, j.cp.AsOf)
	if !j.dry && d.Action != Gone && !s.Warned() {
		return j.reindex(ctx, s, d, c)
	}
	if d.Action != Close || j.dry {
		j.count(d, s, c)
		return nil
	}
	now := j.svc.clock.Now().UTC()
	ev, err := j.event(account.EventAccountClosed, now, map[string]string{account.DetailReason: account.ClosedInactivity})
	if err != nil {
		return err
	}
	ok, cur, err := j.svc.store.Close(ctx, Closure{Subject: s, From: u.bucket, Event: ev})
	switch {
	case errors.Is(err, ErrClaimElsewhere):
		c.skip("claim_elsewhere", 1)
		return nil
	case err != nil:
		return fmt.Errorf("close: %w", err)
	case !ok:
		j.count(j.svc.policy.Decide(cur, j.cp.AsOf), cur, c)
		return nil
	}
	c.Closed++
	s.Status, s.ClosedAt, s.EventID = account.StatusClosed, now, ev.ID
	return j.publish(ctx, s, c)
}

// reindex puts an account whose warning is void (it was active since) back under its last
// activity, where the warning pass meets it again if it stays idle.
func (j *job) reindex(ctx context.Context, s Subject, d Decision, c *Counts) error {
	if err := j.svc.store.Reindex(ctx, s); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if d.Action == Skip {
		j.count(d, s, c)
		return nil
	}
	c.Reactivated++
	return nil
}

// notify publishes an account.closed message a previous run could not.
func (j *job) notify(ctx context.Context, e Entry, c *Counts) error {
	s, err := j.subject(ctx, e.AccountID, false, c)
	if err != nil {
		return err
	}
	switch {
	case s.Status != account.StatusClosed:
		c.Gone++ // cannot happen: only closing files an account here
		return nil
	case !s.NotifiedAt.IsZero():
		return j.svc.store.Notified(ctx, s.ID, s.NotifiedAt) // published, but the entry stayed
	case j.dry:
		c.Notified++
		return nil
	}
	return j.publish(ctx, s, c)
}

// publish sends account.closed for a closed account and then takes it out of the index. A
// failed publish leaves it there for the next run: the message goes out at least once, always
// with the same eventId.
func (j *job) publish(ctx context.Context, s Subject, c *Counts) error {
	body, err := closedMessage(s)
	if err != nil {
		return err
	}
	if err := j.svc.pub.Publish(ctx, ClosedType, body); err != nil {
		c.NotifyFailed++
		j.svc.log.WarnContext(ctx, "account.closed not published; the next run retries", "account_id", s.ID, "err", err)
		return nil
	}
	c.Notified++
	if err := j.svc.store.Notified(ctx, s.ID, j.svc.clock.Now().UTC()); err != nil {
		return fmt.Errorf("mark notified: %w", err)
	}
	return nil
}

// count counts an account the job did not act on, by why.
func (j *job) count(d Decision, s Subject, c *Counts) {
	switch d.Action {
	case Warn:
		if j.dry {
			c.Warned++
			return
		}
		c.Raced++
	case Close:
		if j.dry {
			c.Closed++
			return
		}
		c.Raced++
	case Skip:
		for _, r := range d.Reasons {
			c.skip(r, 1)
		}
	case Gone:
		c.Gone++
	case Wait:
		if s.Warned() {
			c.Waiting++
		} else {
			c.Reactivated++
		}
	}
}

// event returns a security event of type typ at now.
func (j *job) event(typ string, now time.Time, details map[string]string) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), j.svc.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	return account.Event{ID: id.String(), Type: typ, At: now, Details: details}, nil
}

// dueDay is the first midnight at or after t: the day an entry due at t is filed under.
func dueDay(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	if d.Equal(t) {
		return d
	}
	return d.Add(24 * time.Hour)
}
