// Package activity is the holder's view of what happened to the account: the security events of
// the last EVENT_TTL, newest first, a page at a time, each with where it came from; and "this
// wasn't me" on any of them, which freezes the account as a freeze link does.
//
// The last entry is the account's creation, account_created, which has no event item: the
// account's insert is its record. Its id is the account's (a ULID of the signup's millisecond),
// and it came from the device the signup added, seen first at that millisecond (while the account
// keeps it). It shows no source IP: an IP is kept only on an event item, for EVENT_TTL.
package activity

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/freeze"
)

// Record is an event as stored, with the origin the write recorded.
type Record struct {
	account.Event
	Origin account.Origin
}

// Store is what the activity list needs of the table.
type Store interface {
	// Activity returns up to limit of the account's events written at or after since and before
	// the event before (all of them when before is ""), newest first, with one strongly
	// consistent query.
	Activity(ctx context.Context, accountID string, since time.Time, before string, limit int) ([]Record, error)
	// Devices lists the account's devices.
	Devices(ctx context.Context, accountID string) ([]account.Device, error)
}

// Freezer freezes an account (freeze.Service).
type Freezer interface {
	Freeze(ctx context.Context, req freeze.Request) (freeze.Result, error)
}

// Limits of a page.
const (
	DefaultPageSize = 20
	MaxPageSize     = 50
)

// Service lists and reports activity.
type Service struct {
	store  Store
	freeze Freezer
	clock  account.Clock
	window time.Duration // EVENT_TTL: how far back the list goes
}

// NewService returns a Service.
func NewService(store Store, freezer Freezer, clock account.Clock, window time.Duration) *Service {
	return &Service{store: store, freeze: freezer, clock: clock, window: window}
}

// Device is the device an entry came from, as the holder named it.
type Device struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Platform string `json:"platform,omitempty"`
}

// Entry is one event as the holder sees it.
type Entry struct {
	EventID  string            `json:"eventId"`
	Type     string            `json:"type"`
	At       time.Time         `json:"at"`
	Details  map[string]string `json:"details,omitempty"` // masked values only
	Device   *Device           `json:"device,omitempty"`
	SourceIP string            `json:"sourceIp,omitempty"`
}

// Page is one page of the list; NextCursor, when not "", asks for the next.
type Page struct {
	Entries    []Entry `json:"entries"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

// List returns a page of the principal's activity: size entries (0 for the default), after
// the entry cursor names ("" for the newest).
func (s *Service) List(ctx context.Context, p account.Principal, cursor string, size int) (Page, error) {
	before, size, err := CheckPage(cursor, size)
	if err != nil {
		return Page{}, err
	}
	since := s.clock.Now().Add(-s.window)
	recs, err := s.store.Activity(ctx, p.AccountID, since, before, size+1)
	if err != nil {
		return Page{}, fmt.Errorf("list activity: %w", err)
	}
	if c, ok := creation(p.AccountID); ok && len(recs) <= size && !c.At.Before(since) && creationFollows(before, c) {
		recs = append(recs, Record{Event: c}) // the events ended before the page did
	}
	page := Page{Entries: make([]Entry, 0, min(len(recs), size))}
	if len(recs) > size {
		recs, page.NextCursor = recs[:size], encodeCursor(recs[size-1].ID)
	}
	devs, err := s.devices(ctx, p.AccountID, recs)
	if err != nil {
		return Page{}, err
	}
	for _, r := range recs {
		page.Entries = append(page.Entries, Entry{EventID: r.ID, Type: r.Type, At: r.At, Details: r.Details,
			Device: devs[r.Origin.DeviceID], SourceIP: r.Origin.SourceIP})
	}
	return page, nil
}

// CheckPage checks a page request before anything is read: it returns the event the cursor
// names and the page size (0 asks for the default).
func CheckPage(cursor string, size int) (before string, _ int, _ error) {
	if size == 0 {
		size = DefaultPageSize
	}
	if size < 1 || size > MaxPageSize {
		return "", 0, account.FieldError(account.CodeInvalidField, "limit", fmt.Sprintf("limit is 1 to %d", MaxPageSize))
	}
	before, err := decodeCursor(cursor)
	return before, size, err
}

// CheckEventID refuses what is not an event id, before anything is read.
func CheckEventID(id string) error {
	if _, err := ulid.ParseStrict(id); err != nil {
		return account.FieldError(account.CodeInvalidField, "eventId", "not an event id")
	}
	return nil
}

// creation is the account_created event of the account id, read from the id: a ULID of the
// signup's millisecond. ok is false for an id that is not a ULID.
func creation(accountID string) (_ account.Event, ok bool) {
	id, err := ulid.ParseStrict(accountID)
	if err != nil {
		return account.Event{}, false
	}
	return account.Event{ID: accountID, Type: account.EventAccountCreated, At: ulid.Time(id.Time()).UTC()}, true
}

// creationFollows reports whether the creation c can be on the page after the event before ("" for
// the first page). The creation is the account's first event, so it follows any event of its own
// millisecond too, whichever way their ids' random parts sort.
func creationFollows(before string, c account.Event) bool {
	if before == "" {
		return true
	}
	id, err := ulid.ParseStrict(before)
	return err == nil && before != c.ID && !ulid.Time(id.Time()).Before(c.At)
}

// devices names the devices recs came from, by id; it reads them only when one did, or when the
// page ends with the creation, whose origin is the device the signup added. A device since
// removed keeps its id alone.
func (s *Service) devices(ctx context.Context, accountID string, recs []Record) (map[string]*Device, error) {
	out := map[string]*Device{}
	var created *Record
	for i, r := range recs {
		if id := r.Origin.DeviceID; id != "" {
			out[id] = &Device{ID: id}
		}
		if r.ID == accountID {
			created = &recs[i]
		}
	}
	if len(out) == 0 && created == nil {
		return out, nil
	}
	devs, err := s.store.Devices(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	for _, d := range devs {
		if created != nil && d.FirstSeen.Equal(created.At) {
			created.Origin = account.Origin{DeviceID: d.ID}
			out[d.ID] = &Device{ID: d.ID}
		}
		if v := out[d.ID]; v != nil {
			v.Name, v.Platform = d.Name, d.Platform
		}
	}
	return out, nil
}

// Report is "this wasn't me" on the principal's event eventID: it freezes the account as a
// freeze link does, ending every session, this one too, and records activity_reported with it.
// An id that names no event of the account within the list's window answers not_found.
func (s *Service) Report(ctx context.Context, p account.Principal, eventID string) (freeze.Result, error) {
	if err := CheckEventID(eventID); err != nil {
		return freeze.Result{}, err
	}
	return s.freeze.Freeze(ctx, freeze.Request{Principal: &p, Reported: eventID, ReportedSince: s.clock.Now().Add(-s.window)})
}

// A cursor is the id of the last entry a page showed, encoded so that clients treat it as
// opaque.
func encodeCursor(eventID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(eventID))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		_, err = ulid.ParseStrict(string(b))
	}
	if err != nil {
		return "", account.FieldError(account.CodeInvalidField, "cursor", "not a cursor this list gave")
	}
	return string(b), nil
}
