package profile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Store is what the profile flow needs of the table.
type Store interface {
	// Account reads an account (nil when there is none).
	Account(ctx context.Context, id string) (*account.Account, error)
	// SaveProfile stores next as a's profile, conditional on a's version and on the account
	// being active (account.ErrStale otherwise), with ev, when not nil, in the same transaction.
	SaveProfile(ctx context.Context, a account.Account, next account.Profile, ev *account.Event) error
}

// Patch is a PATCH of the profile: a nil field is left as it is, "" clears an editable one.
// Citizenship and the ID document (IDType with IDNumber) are set once.
type Patch struct {
	RealName, Gender, DateOfBirth, Address, Occupation *string
	Citizenship, IDType, IDNumber                      *string
}

// Service reads and edits the signed-in holder's profile.
type Service struct {
	store  Store
	keys   secret.Keyring
	clock  account.Clock
	rand   io.Reader
	window time.Duration // RECENT_AUTH_WINDOW: how fresh a session's proof must be to set an identity field
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, keys secret.Keyring, window time.Duration, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	return &Service{store: store, keys: keys, clock: clock, rand: rand, window: window, log: log}
}

// Get returns the principal's profile: the ID number only as its last 4.
func (s *Service) Get(ctx context.Context, p account.Principal) (account.Profile, error) {
	a, err := s.live(ctx, p)
	if err != nil {
		return account.Profile{}, err
	}
	return a.Profile, nil
}

// Update applies patch and returns the profile as it now stands. Setting citizenship or the ID
// document needs fresh proof and writes identity_details_set, which alerts the holder, in the
// same write; once set, either answers 409 immutable_field to any other value (the same value
// again is a no-op, so a retried PATCH succeeds). A lost race with another write answers 409
// conflict.
func (s *Service) Update(ctx context.Context, p account.Principal, patch Patch) (account.Profile, error) {
	now := s.clock.Now()
	edit, err := parse(patch, now)
	if err != nil {
		return account.Profile{}, err
	}
	a, err := s.live(ctx, p)
	if err != nil {
		return account.Profile{}, err
	}
	next := edit.apply(a.Profile)
	set, err := s.setOnce(a.Profile, &next, edit)
	if err != nil {
		return account.Profile{}, err
	}
	if len(set) > 0 {
		if err := p.RequireFresh(now, s.window); err != nil {
			return account.Profile{}, err
		}
	}
	if set == nil && sameEditable(next, a.Profile) {
		return next, nil
	}
	ev, err := s.event(set, now)
	if err != nil {
		return account.Profile{}, err
	}
	if err := s.store.SaveProfile(ctx, *a, next, ev); err != nil {
		if errors.Is(err, account.ErrStale) {
			return account.Profile{}, account.Errorf(account.CodeConflict, "the account changed meanwhile: read the profile and try again")
		}
		return account.Profile{}, fmt.Errorf("save profile: %w", err)
	}
	s.log.InfoContext(ctx, "profile updated", "account", a.ID, "identity", strings.Join(set, ","))
	return next, nil
}

// Check checks every field patch sends, as Update does before it reads anything.
func (patch Patch) Check(now time.Time) error {
	_, err := parse(patch, now)
	return err
}

// live reads the principal's account, which must be active to be edited or shown.
func (s *Service) live(ctx context.Context, p account.Principal) (*account.Account, error) {
	a, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("read account: %w", err)
	}
	if a == nil || a.Status != account.StatusActive {
		return nil, account.Errorf(account.CodeUnauthenticated, "sign in first: the session is missing, expired or ended")
	}
	return a, nil
}

// setOnce applies the set-once fields of edit to next and returns which of them it set. A field
// already set to another value answers immutable_field.
func (s *Service) setOnce(cur account.Profile, next *account.Profile, e edit) ([]string, error) {
	var set []string
	if e.citizenship != nil && *e.citizenship != cur.Citizenship {
		if cur.Citizenship != "" {
			return nil, immutable("citizenship")
		}
		next.Citizenship, set = *e.citizenship, append(set, account.IdentityCitizenship)
	}
	if e.idNumber != "" {
		if cur.RealNameVerified() {
			if same, _ := s.keys.Match(cur.IDHash, secret.DomainIDNumber, e.idNumber); !same || cur.IDType != e.idType {
				return nil, immutable("idNumber")
			}
		} else {
			next.IDType, next.IDHash, next.IDLast4 = e.idType, s.keys.Fingerprint(secret.DomainIDNumber, e.idNumber), secret.Last4(e.idNumber)
			set = append(set, account.IdentityIDDocument)
		}
	}
	return set, nil
}

func immutable(field string) error {
	return account.FieldError(account.CodeImmutableField, field, field+" is set once; it cannot be changed here")
}

// event is identity_details_set naming the fields set, or nil when none was.
func (s *Service) event(set []string, now time.Time) (*account.Event, error) {
	if len(set) == 0 {
		return nil, nil
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return nil, fmt.Errorf("event id: %w", err)
	}
	return &account.Event{ID: id.String(), Type: account.EventIdentityDetailsSet, At: now,
		Details: map[string]string{account.DetailFields: strings.Join(set, ",")}}, nil
}

// sameEditable reports whether a and b differ in no editable field.
func sameEditable(a, b account.Profile) bool {
	return a.RealName == b.RealName && a.Gender == b.Gender && a.DateOfBirth == b.DateOfBirth &&
		a.Address == b.Address && a.Occupation == b.Occupation
}
