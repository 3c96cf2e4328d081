package idv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/support"
)

// retries is how often a write that lost a race reads again and decides anew.
const retries = 3

// ActionDecision is customer service's decision as its audit item names it.
const ActionDecision = "identity_verification"

// Service runs identity verification.
type Service struct {
	store       Store
	provider    Provider
	keys        secret.Keyring
	hmacKey     []byte
	maxAttempts int
	window      time.Duration // RECENT_AUTH_WINDOW
	clock       account.Clock
	rand        io.Reader
	log         *slog.Logger
}

// NewService returns a Service: cfg gives the pepper (the number's fingerprints), the webhook's
// key (callbacks), IDV_MAX_ATTEMPTS and RECENT_AUTH_WINDOW.
func NewService(store Store, provider Provider, cfg config.Config, clock account.Clock, rand io.Reader, log *slog.Logger) *Service {
	return &Service{store: store, provider: provider, keys: cfg.Pepper, hmacKey: []byte(cfg.IDVWebhookSecret),
		maxAttempts: cfg.IDVMaxAttempts, window: cfg.RecentAuthWindow, clock: clock, rand: rand, log: log}
}

// View is a case as the holder and customer service see it: the document only as its type and
// last 4.
type View struct {
	VerificationID string        `json:"verificationId"`
	Status         Status        `json:"status"`
	Provider       string        `json:"provider"`
	DocumentType   string        `json:"documentType"`
	DocumentLast4  string        `json:"documentLast4"`
	Nationality    string        `json:"nationality"`
	ReasonCode     string        `json:"reasonCode,omitempty"`
	Level          account.Level `json:"level,omitempty"` // an approval's
	CreatedAt      time.Time     `json:"createdAt"`
	DecidedAt      *time.Time    `json:"decidedAt,omitempty"`
}

func view(c Case) View {
	v := View{VerificationID: c.ID, Status: c.Status, Provider: c.Provider, DocumentType: c.DocumentType, DocumentLast4: c.IDLast4,
		Nationality: c.Nationality, ReasonCode: c.ReasonCode, Level: c.Level, CreatedAt: c.CreatedAt}
	if !c.DecidedAt.IsZero() {
		at := c.DecidedAt
		v.DecidedAt = &at
	}
	return v
}

var errSignIn = account.Errorf(account.CodeUnauthenticated, "sign in first: the session is missing, expired or ended")

// Open opens a case for the principal (fresh proof) and hands it to the provider; callbackURL is
// where a webhook vendor sends its decision. See the package comment for the rules.
func (s *Service) Open(ctx context.Context, p account.Principal, r Request, callbackURL string) (View, error) {
	now := s.clock.Now()
	in, err := r.check()
	if err != nil {
		return View{}, err
	}
	if err := p.RequireFresh(now, s.window); err != nil {
		return View{}, err
	}
	for range retries {
		o, err := s.opening(ctx, p.AccountID, in, now)
		if err != nil {
			return View{}, err
		}
		err = s.store.OpenCase(ctx, o)
		if errors.Is(err, account.ErrStale) {
			continue
		}
		if err != nil {
			return View{}, fmt.Errorf("open case: %w", err)
		}
		return s.submit(ctx, o, in, callbackURL)
	}
	return View{}, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
}

// opening reads the account and its state and returns the write that opens a case, or why not.
func (s *Service) opening(ctx context.Context, accountID string, in checked, now time.Time) (Opening, error) {
	a, st, err := s.store.OpeningRecord(ctx, accountID)
	if err != nil {
		return Opening{}, fmt.Errorf("read account: %w", err)
	}
	if a == nil || a.Status != account.StatusActive {
		return Opening{}, errSignIn
	}
	if a.Level.Or() == account.LevelVerified {
		return Opening{}, account.Errorf(account.CodeVerificationAlreadyAt, "this account is verified already")
	}
	if st.Open != "" {
		return Opening{}, account.Errorf(account.CodeVerificationOpen, "a verification is pending: wait for its decision")
	}
	openings := recent(st.Openings, now)
	if err := checkAttempts(openings, now, s.maxAttempts); err != nil {
		return Opening{}, err
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return Opening{}, fmt.Errorf("case id: %w", err)
	}
	c := Case{ID: account.JoinChangeID(accountID, id.String()), AccountID: accountID, Provider: s.provider.Name(),
		Status: StatusPending, DocumentType: in.docType, IDHashes: s.keys.Fingerprints(secret.DomainIDNumber, in.number),
		IDLast4: secret.Last4(in.number), Nationality: in.nationality, CreatedAt: now}
	if documentClash(a.Profile, c) {
		return Opening{}, account.Errorf(account.CodeDocumentMismatch, "the profile holds another ID document or citizenship; it is set once")
	}
	return Opening{Account: *a, Before: st, After: State{Open: c.ID, Openings: append(openings, now), Version: st.Version + 1}, Case: c}, nil
}

// submit hands the opened case to the provider; a refusal takes the opening back (it does not
// count) and answers 503.
func (s *Service) submit(ctx context.Context, o Opening, in checked, callbackURL string) (View, error) {
	err := s.provider.Submit(ctx, Submission{Case: o.Case, DocumentNumber: in.number, Name: in.name, CallbackURL: callbackURL})
	if err == nil {
		s.log.InfoContext(ctx, "identity verification opened", "account", o.Case.AccountID, "case", o.Case.ID, "provider", o.Case.Provider)
		return view(o.Case), nil
	}
	s.log.WarnContext(ctx, "identity verification provider refused the case", "case", o.Case.ID, "error", err.Error())
	if uErr := s.store.UndoOpening(ctx, o); uErr != nil {
		return View{}, fmt.Errorf("undo opening after %v: %w", err, uErr)
	}
	return View{}, fmt.Errorf("submit case: %w: %w", account.ErrUnavailable, err)
}

// Current returns the principal's newest case; none is 404 not_found.
func (s *Service) Current(ctx context.Context, p account.Principal) (View, error) {
	c, err := s.store.LatestCase(ctx, p.AccountID)
	if err != nil {
		return View{}, fmt.Errorf("read case: %w", err)
	}
	if c == nil {
		return View{}, account.Errorf(account.CodeNotFound, "this account has no identity verification")
	}
	return view(*c), nil
}

// errNoCase answers a case id that names no case.
var errNoCase = account.FieldError(account.CodeNotFound, "verificationId", "no such identity verification")

// Decide applies customer service's decision to the case id, whatever its provider (an agent may
// decide for a vendor that never answers), audited with the caller and the agent's case.
func (s *Service) Decide(ctx context.Context, caller support.Caller, id string, d ManualDecision) (View, error) {
	o, err := d.outcome(caller)
	if err != nil {
		return View{}, err
	}
	return s.apply(ctx, id, o)
}

// Verified is a callback whose signature Verify checked and recorded.
type Verified struct{ hash []byte }

// Verify checks a callback's signature (Check) and records it, refusing one received already
// (409 replayed). Nothing about any case is read before the signature is checked.
func (s *Service) Verify(ctx context.Context, timestamp, signature string, body []byte) (Verified, error) {
	now := s.clock.Now()
	h, err := Check(s.hmacKey, now, timestamp, signature, body)
	if err != nil {
		return Verified{}, err
	}
	if err := s.store.SpendSignature(ctx, h, now.Add(ReplayTTL)); err != nil {
		return Verified{}, err
	}
	return Verified{hash: h}, nil
}

// Callback applies the vendor's decision of a Verified callback. A failure other than the
// decision's own forgets the signature, so the vendor's retry of the same delivery is no replay.
func (s *Service) Callback(ctx context.Context, v Verified, d VendorDecision) (View, error) {
	if v.hash == nil {
		return View{}, errors.New("callback not verified")
	}
	o, err := d.outcome()
	if err == nil {
		var out View
		if out, err = s.apply(ctx, d.CaseID, o); err == nil {
			return out, nil
		}
	}
	if _, ok := account.As(err); !ok {
		if fErr := s.store.ForgetSignature(ctx, v.hash); fErr != nil {
			s.log.WarnContext(ctx, "forget callback signature", "error", fErr.Error())
		}
	}
	return View{}, err
}

// apply decides the case id by o, reading again after a lost race: a decided case answers as it
// stands when o asks what it was asked (nothing changes), 409 verification_decided otherwise.
func (s *Service) apply(ctx context.Context, id string, o outcome) (View, error) {
	for range retries {
		c, err := s.store.Case(ctx, id)
		if err != nil {
			return View{}, fmt.Errorf("read case: %w", err)
		}
		if c == nil {
			return View{}, errNoCase
		}
		if c.Status != StatusPending {
			if c.Decision == o.asked {
				return view(*c), nil
			}
			return View{}, account.Errorf(account.CodeVerificationDecided, "this verification was %s already", c.Decision)
		}
		d, err := s.decision(ctx, *c, o)
		if err != nil {
			return View{}, err
		}
		err = s.store.DecideCase(ctx, d)
		if errors.Is(err, account.ErrStale) {
			continue
		}
		if err != nil {
			return View{}, fmt.Errorf("decide case: %w", err)
		}
		s.log.InfoContext(ctx, "identity verification decided", "account", c.AccountID, "case", c.ID,
			"status", string(d.Case.Status), "reasonCode", d.Case.ReasonCode, "level", string(d.Case.Level))
		return view(d.Case), nil
	}
	return View{}, account.Errorf(account.CodeConflict, "the account changed meanwhile; try again")
}

// decision reads the case's account and returns the write of o: an approval the profile's
// document or a closed account refuses becomes a rejection with that reason.
func (s *Service) decision(ctx context.Context, c Case, o outcome) (Decision, error) {
	a, err := s.store.Account(ctx, c.AccountID)
	if err != nil {
		return Decision{}, fmt.Errorf("read account: %w", err)
	}
	if a == nil {
		return Decision{}, fmt.Errorf("case %s has no account", c.ID)
	}
	now := s.clock.Now()
	c.Decision, c.DecidedAt, c.DecidedBy = o.asked, now, o.by
	d := Decision{Account: *a}
	switch {
	case o.asked == StatusApproved && a.Status == account.StatusClosed:
		c.Status, c.ReasonCode = StatusRejected, account.ReasonAccountClosed
	case o.asked == StatusApproved && documentClash(a.Profile, c):
		c.Status, c.ReasonCode = StatusRejected, account.ReasonDocumentMismatch
	case o.asked == StatusApproved:
		c.Status, c.Level = StatusApproved, atLeast(a.Level, o.level)
		d.Raise, d.Profile = c.Level != a.Level.Or(), fixDocument(a.Profile, c)
	default:
		c.Status, c.ReasonCode = StatusRejected, o.reason
	}
	d.Case = c
	ev, err := s.event(c, now)
	if err != nil {
		return Decision{}, err
	}
	d.Event = ev
	if o.audit != nil {
		auditID, err := ulid.New(ulid.Timestamp(now), s.rand)
		if err != nil {
			return Decision{}, fmt.Errorf("audit id: %w", err)
		}
		d.Audit = &support.Audit{ID: auditID.String(), AccountID: a.ID, Principal: o.by, Action: ActionDecision,
			Reason: o.audit.Reason, CaseID: o.audit.CaseID, At: now, Before: a.Status, After: a.Status, Version: a.Version + 1}
	}
	return d, nil
}

// event is identity_verified or identity_rejected for the decided case.
func (s *Service) event(c Case, now time.Time) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	ev := account.Event{ID: id.String(), Type: account.EventIdentityVerified, At: now,
		Details: map[string]string{account.DetailCaseID: c.ID, account.DetailLevel: string(c.Level)}}
	if c.Status == StatusRejected {
		ev.Type, ev.Details = account.EventIdentityRejected, map[string]string{account.DetailCaseID: c.ID, account.DetailReason: c.ReasonCode}
	}
	return ev, nil
}
