// Package freeze freezes an account at once when its owner fears it is in someone else's hands:
// from a signed-in device, with a `freeze` code when the phone is at hand but the device is not,
// or with the one-time freeze token of an alert SMS ("this wasn't me"). One transaction sets the
// account frozen, ends every session, spends the code's proof or the freeze token and writes the
// account_frozen event. A frozen account cannot sign in, check a payment password or change
// settings; unfreezing takes a recovery (issue 4).
//
// Freezing a frozen account from a session succeeds again (200, status frozen) without writing
// anything but the end of any session that is somehow left, so a client can retry safely. A
// freeze code or freeze token answers once: the one use that spends it gets the 200, however
// many race, and every other use the answer of a spent token.
package freeze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Token is a one-time freeze token as stored: only the SHA-256 of the token.
type Token struct {
	Hash      []byte
	AccountID string
	ExpiresAt time.Time
}

// State is what a freeze reads: the account and its devices (whose sessions it ends).
type State struct {
	Account *account.Account // nil when absent
	Devices []account.Device
}

// Freezing is what one freeze writes.
type Freezing struct {
	Account  account.Account // as read: the write is conditional on its version and on it being active
	Sessions [][]byte        // the hashes of the sessions ended in the same transaction
	Proof    *otp.Challenge  // the freeze code's proof, spent; or
	Token    *Token          // the freeze token, spent
	Event    account.Event
	Report   *Report // "this wasn't me" on an entry of the activity list
	Now      time.Time
}

// Report is a holder's report of one of the account's events: the freeze writes Event
// (activity_reported) and is conditional on the reported event being there, written at or after
// Since.
type Report struct {
	EventID string
	Since   time.Time
	Event   account.Event
	// Creation says the event reported is the account's creation, which has no event item (its
	// id is the account's; the activity list builds it): the freeze checked it against the account.
	Creation bool
}

// ErrNoEvent answers a report of an event the account does not have (or no longer lists).
var ErrNoEvent = account.FieldError(account.CodeNotFound, "eventId", "no such event in the account's activity")

// Store is what freezing needs from storage.
type Store interface {
	// Proof reads the proof a verification token names; nil when none.
	Proof(ctx context.Context, token string) (*otp.Challenge, error)
	// FreezeToken reads a freeze token by its hash; nil when none.
	FreezeToken(ctx context.Context, hash []byte) (*Token, error)
	// FreezeState reads the account and its devices with one strongly consistent query.
	FreezeState(ctx context.Context, accountID string) (State, error)
	// Freeze writes a freeze in one transaction. It fails with account.ErrStale when the account changed
	// since it was read, and with account.CodeInvalidToken or CodeInvalidFreezeToken when the
	// proof or token was spent meanwhile.
	Freeze(ctx context.Context, f Freezing) error
	// SpendCredential spends the freeze code's proof or the freeze token of a freeze that found
	// the account frozen already; it fails as Freeze does when it was spent meanwhile, and with
	// account.ErrStale when it lost a race.
	SpendCredential(ctx context.Context, accountID string, proof *otp.Challenge, t *Token, now time.Time) error
	// EndSessions deletes sessions (those a transaction had no room for).
	EndSessions(ctx context.Context, hashes [][]byte) error
}

// MaxTxSessions is how many sessions the freeze transaction itself ends (DynamoDB allows 100
// items; the account, the event and the spent credential take three, or with a report the
// account, two events and the check of the reported one four). Any more are deleted right after
// it, before the answer.
const MaxTxSessions = 96

// Service freezes accounts.
type Service struct {
	store Store
	clock account.Clock
	rand  io.Reader
	log   *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	return &Service{store: store, clock: clock, rand: rand, log: log}
}

// Request names the one credential a freeze comes with.
type Request struct {
	Principal         *account.Principal // a session (authenticated by the caller), or
	VerificationToken string             // a `freeze` verification token, or
	FreezeToken       string             // the one-time token of an alert SMS, or
	ProvenAccount     string             // an account whose holder the caller proved (the lost-phone lock)
	// Reported, with a Principal, is the event its holder reports ("this wasn't me"), which must
	// have been written at or after ReportedSince.
	Reported      string
	ReportedSince time.Time
	// Known, when not nil, is the account and its devices as the caller just read them (a
	// strongly consistent read): the first try writes on it instead of reading again.
	Known *State
}

// Result is what a freeze answers.
type Result struct {
	Status account.Status `json:"status"`
}

// credential is what a request proved: which account, and what to spend.
type credential struct {
	accountID string
	proof     *otp.Challenge
	token     *Token
	via       string
	reported  string // the event a session's holder reported
	since     time.Time
}

const retries = 3

// Freeze freezes the account the credential names.
func (s *Service) Freeze(ctx context.Context, req Request) (Result, error) {
	now := s.clock.Now()
	cred, err := s.credential(ctx, req, now)
	if err != nil {
		return Result{}, err
	}
	for try := 0; ; try++ {
		st, err := s.state(ctx, cred.accountID, req.Known, try)
		if err != nil {
			return Result{}, fmt.Errorf("freeze: %w", err)
		}
		if err := cred.check(st.Account); err != nil {
			return Result{}, err
		}
		hashes := sessions(st.Devices)
		switch st.Account.Status {
		case account.StatusActive:
		case account.StatusFrozen:
			// Frozen already, by another request or by this credential's twin racing it: the
			// credential still answers once, so only the use that spends it gets this 200.
			if cred.proof != nil || cred.token != nil {
				retry, err := outcome(s.store.SpendCredential(ctx, cred.accountID, cred.proof, cred.token, now), try)
				if retry {
					continue
				}
				if err != nil {
					return Result{}, err
				}
			}
			if err := s.store.EndSessions(ctx, hashes); err != nil {
				return Result{}, fmt.Errorf("freeze: %w", err)
			}
			return Result{Status: account.StatusFrozen}, nil
		default:
			return Result{}, account.Errorf(account.CodeAccountClosed, "this account is closed")
		}
		f, err := s.freezing(*st.Account, cred, now)
		if err != nil {
			return Result{}, err
		}
		inTx := hashes[:min(len(hashes), MaxTxSessions)]
		f.Sessions = inTx
		retry, err := outcome(s.store.Freeze(ctx, f), try)
		if retry {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		if rest := hashes[len(inTx):]; len(rest) > 0 {
			if err := s.store.EndSessions(ctx, rest); err != nil {
				return Result{}, fmt.Errorf("freeze: %w", err)
			}
		}
		s.log.InfoContext(ctx, "account frozen", "account", cred.accountID, "via", cred.via, "sessions", len(hashes))
		return Result{Status: account.StatusFrozen}, nil
	}
}

// state is the account and devices a try writes on: what the caller read, on the first try of a
// request that brings it; else read now.
func (s *Service) state(ctx context.Context, accountID string, known *State, try int) (State, error) {
	if known != nil && try == 0 && known.Account != nil && known.Account.ID == accountID {
		return *known, nil
	}
	return s.store.FreezeState(ctx, accountID)
}

// freezing is the write of a freeze by cred of a, but the sessions it ends.
func (s *Service) freezing(a account.Account, cred credential, now time.Time) (Freezing, error) {
	ids, err := s.eventIDs(now, 2)
	if err != nil {
		return Freezing{}, err
	}
	f := Freezing{Account: a, Proof: cred.proof, Token: cred.token, Now: now,
		Event: account.Event{ID: ids[0], Type: account.EventAccountFrozen, At: now, Details: map[string]string{account.DetailVia: cred.via}}}
	if cred.reported != "" {
		f.Report = &Report{EventID: cred.reported, Since: cred.since, Event: account.Event{ID: ids[1], Type: account.EventActivityReported,
			At: now, Details: map[string]string{account.DetailReportedEvent: cred.reported}}, Creation: cred.reported == a.ID}
		if f.Report.Creation && a.CreatedAt.Before(cred.since) {
			return Freezing{}, ErrNoEvent
		}
	}
	return f, nil
}

// eventIDs returns n new event ids, in order.
func (s *Service) eventIDs(now time.Time, n int) ([]string, error) {
	out := make([]string, n)
	entropy := ulid.Monotonic(s.rand, 0)
	for i := range out {
		id, err := ulid.New(ulid.Timestamp(now), entropy)
		if err != nil {
			return nil, fmt.Errorf("event id: %w", err)
		}
		out[i] = id.String()
	}
	return out, nil
}

// outcome reads a write's error: retry when it lost a race and tries are left; a race still lost
// after them is a conflict.
func outcome(err error, try int) (retry bool, _ error) {
	switch {
	case errors.Is(err, account.ErrStale) && try < retries:
		return true, nil
	case errors.Is(err, account.ErrStale):
		return false, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
	}
	return false, err
}

// credential checks the one credential of req and returns what it proves.
func (s *Service) credential(ctx context.Context, req Request, now time.Time) (credential, error) {
	n := 0
	for _, given := range []bool{req.Principal != nil, req.VerificationToken != "", req.FreezeToken != "", req.ProvenAccount != ""} {
		if given {
			n++
		}
	}
	switch {
	case n == 0:
		return credential{}, account.Errorf(account.CodeUnauthenticated, "freezing needs a session, a freeze code's verificationToken or a freezeToken")
	case n > 1:
		return credential{}, account.Errorf(account.CodeInvalidField, "give one of: a session, a verificationToken, a freezeToken")
	case req.Principal != nil && req.Reported != "":
		return credential{accountID: req.Principal.AccountID, via: "report", reported: req.Reported, since: req.ReportedSince}, nil
	case req.Principal != nil:
		return credential{accountID: req.Principal.AccountID, via: "session"}, nil
	case req.ProvenAccount != "":
		return credential{accountID: req.ProvenAccount, via: "lock"}, nil
	case req.VerificationToken != "":
		proof, err := s.store.Proof(ctx, req.VerificationToken)
		if err != nil {
			return credential{}, fmt.Errorf("freeze: %w", err)
		}
		if err := otp.CheckProof(proof, req.VerificationToken, account.PurposeFreeze, "", now); err != nil {
			return credential{}, err
		}
		if proof.AccountID == "" {
			return credential{}, account.ErrInvalidToken
		}
		return credential{accountID: proof.AccountID, proof: proof, via: "code"}, nil
	}
	if !token.FreezeWellFormed(req.FreezeToken) {
		return credential{}, ErrInvalidToken
	}
	t, err := s.store.FreezeToken(ctx, token.Hash(req.FreezeToken))
	if err != nil {
		return credential{}, fmt.Errorf("freeze: %w", err)
	}
	if t == nil || !now.Before(t.ExpiresAt) {
		return credential{}, ErrInvalidToken
	}
	return credential{accountID: t.AccountID, token: t, via: "alert"}, nil
}

// check refuses a credential whose account is gone, or, for a code, whose phone is no longer
// the account's.
func (c credential) check(a *account.Account) error {
	switch {
	case a == nil && c.proof != nil:
		return account.ErrInvalidToken
	case a == nil && c.token != nil:
		return ErrInvalidToken
	case a == nil:
		return account.Errorf(account.CodeUnauthenticated, "sign in first")
	case c.proof != nil && a.Phone != c.proof.Phone:
		return account.ErrInvalidToken
	}
	return nil
}

// ErrInvalidToken answers a freeze token that names nothing, has expired or was used already,
// alike. Never modify it.
var ErrInvalidToken = account.FieldError(account.CodeInvalidFreezeToken, "freezeToken", "the freeze link is not valid or has expired")

// sessions returns the distinct session hashes the devices hold.
func sessions(devs []account.Device) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, d := range devs {
		if len(d.SessionHash) > 0 && !seen[string(d.SessionHash)] {
			seen[string(d.SessionHash)] = true
			out = append(out, d.SessionHash)
		}
	}
	return out
}
