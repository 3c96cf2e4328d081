package support

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/phonechange"
)

// RecentEvents is how many of the newest events a look-up shows.
const RecentEvents = 10

// Audit trail pages.
const (
	DefaultAuditPage = 20
	MaxAuditPage     = 100
)

// retries is how often an action reads again after losing a race on the account's version.
const retries = 3

// Service serves customer service.
type Service struct {
	store    Store
	clock    account.Clock
	rand     io.Reader
	eventTTL time.Duration // how far back a look-up's activity goes
	log      *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, clock account.Clock, rand io.Reader, eventTTL time.Duration, log *slog.Logger) *Service {
	return &Service{store: store, clock: clock, rand: rand, eventTTL: eventTTL, log: log}
}

// Summary is an account as a search lists it.
type Summary struct {
	AccountID string         `json:"accountId"`
	Status    account.Status `json:"status"`
	Phone     string         `json:"phone"`           // masked
	Email     string         `json:"email,omitempty"` // masked
}

// Find returns the accounts that claim phone (E.164) or email (either may be ""): none, one, or
// two when they name different accounts.
func (s *Service) Find(ctx context.Context, e164, email string) ([]Summary, error) {
	var ids []string
	if e164 != "" {
		id, err := s.store.AccountByPhone(ctx, e164)
		if err != nil {
			return nil, fmt.Errorf("find by phone: %w", err)
		}
		ids = append(ids, id)
	}
	if email != "" {
		id, err := s.store.AccountByEmail(ctx, strings.ToLower(email))
		if err != nil {
			return nil, fmt.Errorf("find by email: %w", err)
		}
		ids = append(ids, id)
	}
	out := []Summary{}
	for _, id := range slices.Compact(ids) {
		if id == "" {
			continue
		}
		r, err := s.store.SupportRecord(ctx, id, time.Time{}, 0)
		if err != nil {
			return nil, fmt.Errorf("find: %w", err)
		}
		if r != nil {
			a := r.Account
			out = append(out, Summary{AccountID: a.ID, Status: a.Status, Phone: account.PhoneFromE164(a.Phone).Mask(),
				Email: MaskEmail(a.Profile.Email)})
		}
	}
	return out, nil
}

// View is an account as customer service sees it: masked, no hash, token or secret.
type View struct {
	Summary
	VerificationLevel string     `json:"verificationLevel"`
	IDLast4           string     `json:"idLast4,omitempty"`
	Language          string     `json:"language,omitempty"`
	CreatedAt         time.Time  `json:"createdAt"`
	LastActiveAt      *time.Time `json:"lastActiveAt,omitempty"`
	Devices           []Device   `json:"devices"`
	Holds             Holds      `json:"holds"`
	Flags             []string   `json:"flags"`
	RecentActivity    []Entry    `json:"recentActivity"`
}

// Device is a device as a look-up shows it.
type Device struct {
	Name     string    `json:"name,omitempty"`
	Platform string    `json:"platform,omitempty"`
	LastSeen time.Time `json:"lastSeen"`
}

// Holds are what the account is waiting on.
type Holds struct {
	PhoneChange *PhoneChangeHold `json:"phoneChange,omitempty"`
	Deletion    *DeletionHold    `json:"deletion,omitempty"`
}

// DeletionHold is a deletion the holder asked for: the account closes at EffectiveAt unless
// cancelled.
type DeletionHold struct {
	EffectiveAt time.Time `json:"effectiveAt"`
}

// PhoneChangeHold is a phone change on hold (the identity path).
type PhoneChangeHold struct {
	NewPhone    string    `json:"newPhone,omitempty"` // masked
	EffectiveAt time.Time `json:"effectiveAt"`
}

// Entry is one recent security event.
type Entry struct {
	EventID string            `json:"eventId"`
	Type    string            `json:"type"`
	At      time.Time         `json:"at"`
	Details map[string]string `json:"details,omitempty"` // masked values only
}

// ErrNoAccount answers an account id that names no account.
var ErrNoAccount = account.FieldError(account.CodeNotFound, "accountId", "no such account")

// Account returns the account id, masked.
func (s *Service) Account(ctx context.Context, id string) (View, error) {
	if !wellFormed(id) {
		return View{}, ErrNoAccount
	}
	r, err := s.store.SupportRecord(ctx, id, s.clock.Now().Add(-s.eventTTL), RecentEvents)
	if err != nil {
		return View{}, fmt.Errorf("look up account: %w", err)
	}
	if r == nil {
		return View{}, ErrNoAccount
	}
	return view(*r), nil
}

func view(r Record) View {
	a := r.Account
	v := View{Summary: Summary{AccountID: a.ID, Status: a.Status, Phone: account.PhoneFromE164(a.Phone).Mask(), Email: MaskEmail(a.Profile.Email)},
		VerificationLevel: string(a.Level.Or()), IDLast4: a.Profile.IDLast4, Language: a.Lang, CreatedAt: a.CreatedAt,
		Devices: []Device{}, Flags: append([]string{}, r.Flags...), RecentActivity: []Entry{}}
	if !a.LastActiveAt.IsZero() {
		last := a.LastActiveAt
		v.LastActiveAt = &last
	}
	for _, d := range r.Devices {
		v.Devices = append(v.Devices, Device{Name: d.Name, Platform: d.Platform, LastSeen: d.LastSeen})
	}
	for _, c := range r.PhoneChanges {
		if c.State == phonechange.StatePending {
			v.Holds.PhoneChange = &PhoneChangeHold{NewPhone: account.PhoneFromE164(c.NewPhone).Mask(), EffectiveAt: c.EffectiveAt}
		}
	}
	if !a.DeletionDueAt.IsZero() {
		v.Holds.Deletion = &DeletionHold{EffectiveAt: a.DeletionDueAt}
	}
	for _, e := range r.Events {
		v.RecentActivity = append(v.RecentActivity, Entry{EventID: e.ID, Type: e.Type, At: e.At, Details: e.Details})
	}
	return v
}

// wellFormed reports whether id can be an account id (a ULID), so that a malformed one reads
// nothing.
func wellFormed(id string) bool {
	_, err := ulid.ParseStrict(id)
	return err == nil
}

// Result is what an action answers: the account's status and flags after it, and its audit id.
type Result struct {
	AccountID string         `json:"accountId"`
	Status    account.Status `json:"status"`
	Flags     []string       `json:"flags"`
	AuditID   string         `json:"auditId,omitempty"` // "" when nothing changed (flags already so)
}

// Freeze, Unfreeze, SignOut and Close act on the account id for caller, for c.
func (s *Service) Freeze(ctx context.Context, caller Caller, id string, c Case) (Result, error) {
	return s.act(ctx, caller, id, c, ActionFreeze, nil)
}

// Unfreeze makes a frozen account active again.
func (s *Service) Unfreeze(ctx context.Context, caller Caller, id string, c Case) (Result, error) {
	return s.act(ctx, caller, id, c, ActionUnfreeze, nil)
}

// SignOut ends every session of the account.
func (s *Service) SignOut(ctx context.Context, caller Caller, id string, c Case) (Result, error) {
	return s.act(ctx, caller, id, c, ActionSignOut, nil)
}

// Close closes the account by the closure path, unless a flag blocks it.
func (s *Service) Close(ctx context.Context, caller Caller, id string, c Case) (Result, error) {
	return s.act(ctx, caller, id, c, ActionClose, nil)
}

// SetFlags sets and clears flags. A change that changes nothing writes nothing.
func (s *Service) SetFlags(ctx context.Context, caller Caller, id string, c Case, fc FlagChange) (Result, error) {
	if _, err := fc.apply(nil); err != nil {
		return Result{}, err
	}
	return s.act(ctx, caller, id, c, ActionFlags, &fc)
}

// act runs one action, reading again after a lost race.
func (s *Service) act(ctx context.Context, caller Caller, id string, c Case, action string, fc *FlagChange) (Result, error) {
	if err := CheckCase(c); err != nil {
		return Result{}, err
	}
	if caller.ARN == "" {
		return Result{}, errors.New("support: no caller principal in the request context")
	}
	if !wellFormed(id) {
		return Result{}, ErrNoAccount
	}
	for try := 0; ; try++ {
		res, err := s.try(ctx, caller, id, c, action, fc)
		switch {
		case errors.Is(err, account.ErrStale) && try < retries:
			continue
		case errors.Is(err, account.ErrStale):
			return Result{}, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
		case err != nil:
			return Result{}, err
		}
		s.log.InfoContext(ctx, "support action", "action", action, "account", id, "principal", caller.ARN, "case", c.CaseID,
			"status", res.Status)
		return res, nil
	}
}

// try reads the account and writes the action once; account.ErrStale when it lost a race.
func (s *Service) try(ctx context.Context, caller Caller, id string, c Case, action string, fc *FlagChange) (Result, error) {
	r, err := s.store.SupportRecord(ctx, id, time.Time{}, 0)
	if err != nil {
		return Result{}, fmt.Errorf("support %s: %w", action, err)
	}
	if r == nil {
		return Result{}, ErrNoAccount
	}
	a := r.Account
	if err := statusCheck(action, a.Status); err != nil {
		return Result{}, err
	}
	flags := r.Flags
	if fc != nil {
		if flags, err = fc.apply(r.Flags); err != nil {
			return Result{}, err
		}
		if slices.Equal(flags, r.Flags) {
			return Result{AccountID: id, Status: a.Status, Flags: nonNil(flags)}, nil
		}
	}
	if action == ActionClose && len(r.Flags) > 0 {
		return Result{}, ErrBlocked
	}
	ch, err := s.change(*r, caller, c, action, flags)
	if err != nil {
		return Result{}, err
	}
	if err := s.store.SupportAct(ctx, ch); err != nil {
		return Result{}, err
	}
	return Result{AccountID: id, Status: ch.Status, Flags: nonNil(flags), AuditID: ch.Audit.ID}, nil
}

// change builds the write of one action on r.
func (s *Service) change(r Record, caller Caller, c Case, action string, flags []string) (Change, error) {
	now := s.clock.Now().UTC() // each try anew: a retry's audit sorts after the write it lost to
	ids, err := s.ids(now, 2)
	if err != nil {
		return Change{}, err
	}
	a := r.Account
	st := after(action, a.Status)
	ch := Change{Record: r, Status: st, Flags: flags,
		Audit: Audit{ID: ids[0], AccountID: a.ID, Principal: caller.ARN, Action: action, Reason: c.Reason, CaseID: c.CaseID,
			At: now, Before: a.Status, After: st, Version: a.Version + 1},
		Event: account.Event{ID: ids[1], At: now}}
	switch action {
	case ActionFreeze:
		ch.Event.Type, ch.Event.Details = account.EventAccountFrozen, map[string]string{account.DetailVia: account.ViaSupport}
		ch.Sessions = account.SessionHashes(r.Devices)
	case ActionUnfreeze:
		ch.Event.Type = account.EventAccountUnfrozen
	case ActionSignOut:
		ch.Event.Type = account.EventSessionsEndedBySupport
		ch.Sessions = account.SessionHashes(r.Devices)
	case ActionFlags:
		ch.Event.Type = account.EventFlagsChanged
		ch.Audit.FlagsBefore, ch.Audit.FlagsAfter = nonNil(r.Flags), nonNil(flags)
	case ActionClose:
		ch.Event.Type, ch.Event.Details = account.EventAccountClosed, map[string]string{account.DetailReason: account.ClosedSupport}
		ch.Close = &closure.Subject{ID: a.ID, Status: a.Status, Phone: a.Phone, Email: a.Profile.ClaimedEmail(),
			Sessions: account.SessionHashes(r.Devices), ClosedReason: account.ClosedSupport}
	}
	return ch, nil
}

// ids returns n new ULIDs at now, in order.
func (s *Service) ids(now time.Time, n int) ([]string, error) {
	out := make([]string, n)
	entropy := ulid.Monotonic(s.rand, 0)
	for i := range out {
		id, err := ulid.New(ulid.Timestamp(now), entropy)
		if err != nil {
			return nil, fmt.Errorf("support id: %w", err)
		}
		out[i] = id.String()
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AuditEntry is one audit item as the trail shows it.
type AuditEntry struct {
	AuditID     string         `json:"auditId"`
	Principal   string         `json:"principal"`
	Action      string         `json:"action"`
	Reason      string         `json:"reason"`
	CaseID      string         `json:"caseId"`
	At          time.Time      `json:"at"`
	Before      account.Status `json:"statusBefore"`
	After       account.Status `json:"statusAfter"`
	FlagsBefore []string       `json:"flagsBefore,omitempty"`
	FlagsAfter  []string       `json:"flagsAfter,omitempty"`
}

// AuditPage is one page of the trail; NextCursor, when not "", asks for the next.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

// AuditTrail returns a page of the account's audit trail, newest first: limit entries (0 for
// the default) older than cursor ("" for the newest).
func (s *Service) AuditTrail(ctx context.Context, id, cursor string, limit int) (AuditPage, error) {
	switch {
	case limit == 0:
		limit = DefaultAuditPage
	case limit < 1 || limit > MaxAuditPage:
		return AuditPage{}, account.FieldError(account.CodeInvalidField, "limit", "limit is 1 to 100")
	}
	if cursor != "" && !wellFormed(cursor) {
		return AuditPage{}, account.FieldError(account.CodeInvalidField, "cursor", "cursor is not one this API gave")
	}
	if !wellFormed(id) {
		return AuditPage{}, ErrNoAccount
	}
	audits, err := s.store.AuditTrail(ctx, id, cursor, limit+1)
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit trail: %w", err)
	}
	page := AuditPage{Entries: []AuditEntry{}}
	for i, a := range audits {
		if i == limit {
			page.NextCursor = audits[i-1].ID
			break
		}
		page.Entries = append(page.Entries, AuditEntry{AuditID: a.ID, Principal: a.Principal, Action: a.Action, Reason: a.Reason,
			CaseID: a.CaseID, At: a.At, Before: a.Before, After: a.After, FlagsBefore: a.FlagsBefore, FlagsAfter: a.FlagsAfter})
	}
	return page, nil
}
