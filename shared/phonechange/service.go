package phonechange

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Service changes phone numbers.
type Service struct {
	store Store
	check factor.Checker
	lock  factor.Lock
	clock account.Clock
	rand  io.Reader
	cfg   config.Config
	log   *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, hasher *secret.Hasher, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, check: factor.NewChecker(hasher, cfg.Pepper), lock: factor.NewLock(store, cfg, log),
		clock: clock, rand: rand, cfg: cfg, log: log}
}

// StartRequest is step 1: the login password again, and proof of the old phone or of identity.
type StartRequest struct {
	LoginPassword string
	OldPhoneToken string
	Identity      *Identity
}

// Identity is the proof for a lost old number.
type Identity struct {
	IDNumber        string
	SecurityAnswers []factor.Answer
	PaymentPassword string
}

// StartResult names the change.
type StartResult struct {
	ChangeID  string `json:"changeId"`
	Path      Path   `json:"path"`
	ExpiresAt string `json:"expiresAt"`
}

// Start opens a change for the signed-in account. A session alone is never enough: it takes the
// login password and the old phone's code, or the identity path's three factors.
func (s *Service) Start(ctx context.Context, p account.Principal, req StartRequest) (StartResult, error) {
	if err := account.Required("loginPassword", req.LoginPassword); err != nil {
		return StartResult{}, err
	}
	path, err := pathOf(req)
	if err != nil {
		return StartResult{}, err
	}
	a, proof, err := s.store.StartState(ctx, p.AccountID, req.OldPhoneToken)
	if err != nil {
		return StartResult{}, err
	}
	now := s.clock.Now()
	if err := s.mayStart(a, path, now); err != nil {
		return StartResult{}, err
	}
	rehash, err := s.prove(ctx, a, path, req, proof, now)
	if err != nil {
		return StartResult{}, err
	}
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return StartResult{}, fmt.Errorf("change id: %w", err)
	}
	c := Change{ID: account.JoinChangeID(a.ID, id.String()), AccountID: a.ID, Path: path, State: StateAwaitingNew,
		OldPhone: a.Phone, CreatedAt: now, ExpiresAt: now.Add(s.cfg.PhoneChangeTTL)}
	if err := s.store.CreateChange(ctx, c, proof, a, rehash); err != nil {
		return StartResult{}, err
	}
	s.log.InfoContext(ctx, "phone change started", "account", a.ID, "change", c.ID, "path", path)
	return StartResult{ChangeID: c.ID, Path: path, ExpiresAt: c.ExpiresAt.Format(time.RFC3339)}, nil
}

func pathOf(req StartRequest) (Path, error) {
	switch {
	case req.OldPhoneToken != "" && req.Identity == nil:
		return PathOldPhone, nil
	case req.OldPhoneToken == "" && req.Identity != nil:
		if err := account.Required("identity.idNumber", req.Identity.IDNumber, "identity.paymentPassword", req.Identity.PaymentPassword); err != nil {
			return "", err
		}
		return PathIdentity, factor.CheckAnswerShape(req.Identity.SecurityAnswers)
	}
	return "", account.FieldError(account.CodeMissingField, "oldPhoneVerificationToken",
		"give either a code from the old number (oldPhoneVerificationToken) or the identity proof, not both")
}

// mayStart applies the account-level rules: active, one change per PHONE_CHANGE_INTERVAL, and no
// identity path within 24 hours of a password reset.
// ErrDeletionPending refuses a phone change while the account's deletion is pending.
var ErrDeletionPending = account.Errorf(account.CodeDeletionPending, "the account's deletion is pending: cancel it first")

func (s *Service) mayStart(a account.Account, path Path, now time.Time) error {
	if a.Status != account.StatusActive {
		return account.Errorf(account.CodeAccountFrozen, "the account is frozen")
	}
	if err := s.lock.Check(a, now); err != nil {
		return err
	}
	if !a.DeletionDueAt.IsZero() {
		return ErrDeletionPending
	}
	if next := a.PhoneChangedAt.Add(s.cfg.PhoneChangeInterval); !a.PhoneChangedAt.IsZero() && now.Before(next) {
		return account.Limited(account.CodeRateLimited, next.Sub(now), "the phone number can be changed once in 30 days")
	}
	if path == PathIdentity && !a.PasswordResetAt.IsZero() && now.Sub(a.PasswordResetAt) < s.cfg.IdentityPathClosed {
		return account.Errorf(account.CodeIdentityPathClosed,
			"after a password reset the phone number can only be changed with a code from the old number for a while")
	}
	return nil
}

// prove checks the login password and the path's proof, every part each time, and counts a
// failure toward the recovery lock without saying which part failed. Accepted, it returns the
// factors that matched under a previous pepper, hashed again.
func (s *Service) prove(ctx context.Context, a account.Account, path Path, req StartRequest, proof *otp.Challenge, now time.Time) (account.Rehash, error) {
	p := s.check.Of(a)
	ok := p.Password(req.LoginPassword)
	switch path {
	case PathOldPhone:
		ok = otp.CheckProof(proof, req.OldPhoneToken, account.PurposePhoneChangeOld, a.Phone, now) == nil && ok
	case PathIdentity:
		id := req.Identity
		ok = p.IDNumber(id.IDNumber) && ok
		ok = p.Answers(id.SecurityAnswers) && ok
		ok = p.PaymentPassword(id.PaymentPassword) && ok
	}
	if ok {
		return p.Rehash(), nil
	}
	return account.Rehash{}, s.lock.Fail(ctx, a, &account.Error{Code: account.CodeInvalidCredentials, Message: "the proof given does not match"}, now)
}

// ConfirmResult says where the change is.
type ConfirmResult struct {
	Status      string `json:"status"` // completed or pending
	EffectiveAt string `json:"effectiveAt"`
}

// Confirm proves the new number (a phone_change_new token) and completes the change, or starts
// its hold on the identity path; a pending change whose hold has passed completes without one.
func (s *Service) Confirm(ctx context.Context, sessionToken, changeID, proofToken string) (ConfirmResult, error) {
	st, err := s.store.ConfirmState(ctx, token.Hash(sessionToken), changeID, proofToken)
	if err != nil {
		return ConfirmResult{}, err
	}
	now := s.clock.Now()
	c, err := s.open(st, now)
	if err != nil {
		return ConfirmResult{}, err
	}
	switch c.State {
	case StatePending:
		if now.Before(c.EffectiveAt) {
			return ConfirmResult{Status: string(StatePending), EffectiveAt: c.EffectiveAt.Format(time.RFC3339)}, nil
		}
		return s.complete(ctx, st, c, nil, now)
	case StateAwaitingNew:
		if err := otp.CheckProof(st.Proof, proofToken, account.PurposePhoneChangeNew, "", now); err != nil {
			return ConfirmResult{}, err
		}
		if st.Proof.AccountID != c.AccountID || st.Proof.ChangeID != c.ID {
			return ConfirmResult{}, otp.CheckProof(nil, "", account.PurposePhoneChangeNew, "", now)
		}
		c.NewPhone = st.Proof.Phone
		if c.Path == PathOldPhone {
			return s.complete(ctx, st, c, st.Proof, now)
		}
		return s.hold(ctx, st, c, now)
	}
	return ConfirmResult{}, account.Errorf(account.CodeConflict, "this phone change is %s", c.State)
}

// open checks that the session is live and owns the change, and that the change is open.
func (s *Service) open(st ConfirmState, now time.Time) (Change, error) {
	if st.Session == nil || !st.Session.Live(now) {
		return Change{}, account.Errorf(account.CodeUnauthenticated, "sign in again")
	}
	c := st.Change
	if c == nil || c.AccountID != st.Session.AccountID || st.Account.ID != c.AccountID {
		return Change{}, account.Errorf(account.CodeNotFound, "no such phone change")
	}
	if c.State == StateAwaitingNew && !now.Before(c.ExpiresAt) {
		return Change{}, account.Errorf(account.CodeNotFound, "the phone change expired; start again")
	}
	if st.Account.Status != account.StatusActive || st.Account.Phone != c.OldPhone {
		return Change{}, account.Errorf(account.CodeConflict, "the account changed since this phone change started")
	}
	return *c, nil
}

func (s *Service) hold(ctx context.Context, st ConfirmState, c Change, now time.Time) (ConfirmResult, error) {
	c.State, c.EffectiveAt, c.SessionHash = StatePending, now.Add(s.cfg.PhoneChangeHold), st.Session.Hash
	ev, err := s.event(account.EventPhoneChangeStarted, now, c)
	if err != nil {
		return ConfirmResult{}, err
	}
	if err := s.store.HoldChange(ctx, c, st.Proof, ev); err != nil {
		return ConfirmResult{}, err
	}
	s.log.InfoContext(ctx, "phone change on hold", "account", c.AccountID, "change", c.ID)
	return ConfirmResult{Status: string(StatePending), EffectiveAt: c.EffectiveAt.Format(time.RFC3339)}, nil
}

func (s *Service) complete(ctx context.Context, st ConfirmState, c Change, proof *otp.Challenge, now time.Time) (ConfirmResult, error) {
	c.State, c.EffectiveAt = StateCompleted, now
	ev, err := s.event(account.EventPhoneChanged, now, c)
	if err != nil {
		return ConfirmResult{}, err
	}
	keep := c.SessionHash // the device that confirmed a held change, when the sweep applies it
	if st.Session != nil {
		keep = st.Session.Hash
	}
	w := Completion{Change: c, Account: st.Account, KeepSession: keep, Sessions: account.SessionHashes(st.Devices), Proof: proof, Event: ev}
	if err := s.store.CompleteChange(ctx, w); err != nil {
		return ConfirmResult{}, err
	}
	s.log.InfoContext(ctx, "phone changed", "account", c.AccountID, "change", c.ID, "new", account.PhoneFromE164(c.NewPhone))
	return ConfirmResult{Status: string(StateCompleted), EffectiveAt: now.Format(time.RFC3339)}, nil
}

// ApplyDue completes the held changes whose hold has passed (the closure job's daily sweep; the
// next confirm call would too). It returns how many it applied, or in a dry run would apply. A
// change that can no longer apply (the new number taken meanwhile) is logged and left for support.
func (s *Service) ApplyDue(ctx context.Context, asOf time.Time, dryRun bool) (int, error) {
	ids, err := s.store.DueChanges(ctx, asOf)
	if err != nil {
		return 0, fmt.Errorf("due phone changes: %w", err)
	}
	applied := 0
	for _, id := range ids {
		st, err := s.store.ConfirmState(ctx, nil, id, "")
		if err != nil {
			return applied, err
		}
		c := st.Change
		if c == nil || c.State != StatePending || asOf.Before(c.EffectiveAt) || st.Account.Phone != c.OldPhone {
			continue
		}
		if dryRun {
			applied++
			continue
		}
		if _, err := s.complete(ctx, st, *c, nil, asOf); err != nil {
			s.log.WarnContext(ctx, "held phone change not applied", "change", c.ID, "err", err)
			continue
		}
		applied++
	}
	return applied, nil
}

// CancelRequest cancels a change with a session, or with a code from the old number.
type CancelRequest struct {
	SessionToken  string
	ChangeID      string
	OldPhoneToken string
}

// Cancel stops an open change. The old number's owner can do it without a session.
func (s *Service) Cancel(ctx context.Context, req CancelRequest) error {
	var hash []byte
	if req.SessionToken != "" {
		hash = token.Hash(req.SessionToken)
	}
	st, err := s.store.ConfirmState(ctx, hash, req.ChangeID, req.OldPhoneToken)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	c := st.Change
	if c == nil || st.Account.ID != c.AccountID {
		return account.Errorf(account.CodeNotFound, "no such phone change")
	}
	var proof *otp.Challenge
	switch {
	case req.OldPhoneToken != "":
		if err := otp.CheckProof(st.Proof, req.OldPhoneToken, account.PurposePhoneChangeOld, c.OldPhone, now); err != nil {
			return err
		}
		proof = st.Proof
	case st.Session == nil || !st.Session.Live(now) || st.Session.AccountID != c.AccountID:
		return account.Errorf(account.CodeUnauthenticated, "sign in, or give a code from the old number")
	}
	if c.State != StateAwaitingNew && c.State != StatePending {
		return account.Errorf(account.CodeConflict, "this phone change is %s", c.State)
	}
	c.State = StateCancelled
	ev, err := s.event(account.EventPhoneChangeCancelled, now, *c)
	if err != nil {
		return err
	}
	return s.store.CancelChange(ctx, *c, proof, ev)
}

func (s *Service) event(kind string, now time.Time, c Change) (account.Event, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return account.Event{}, fmt.Errorf("event id: %w", err)
	}
	details := map[string]string{account.DetailChangeID: c.ID, account.DetailOldPhone: account.PhoneFromE164(c.OldPhone).Mask()}
	if c.NewPhone != "" {
		details[account.DetailNewPhone] = account.PhoneFromE164(c.NewPhone).Mask()
	}
	if !c.EffectiveAt.IsZero() {
		details[account.DetailEffectiveAt] = c.EffectiveAt.Format(time.RFC3339)
	}
	return account.Event{ID: id.String(), Type: kind, At: now, Details: details}, nil
}
