// Package signup creates a wallet account from a phone proven by a signup code.
//
// One request, two round trips: read the proof (and any idempotent replay), then write the phone
// claim, the account, the spent proof, the first session and device in one transaction. Two
// signups for one phone: exactly one account; the other is told phone_taken.
//
// The account's insert is its account_created event: no event item is written (the activity list
// shows the creation from the account's id, a ULID of the signup's millisecond, and alerts send
// nothing for it), which keeps a signup within its write units.
package signup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Store is what signup needs from storage.
type Store interface {
	// Begin reads the proof the token names, in one read. A proof spent by a signup with an
	// Idempotency-Key keeps its response: with the same key, Begin returns that too.
	Begin(ctx context.Context, token string, idem *idempotency.Key) (*otp.Challenge, *idempotency.Record, error)
	// Create writes a new account and everything that comes with it, atomically, spending the
	// proof (keeping the sealed response in its place when there is one). It fails with
	// account.CodePhoneTaken, or CodeInvalidToken when the proof was spent meanwhile (perhaps by a
	// concurrent retry with the same key).
	Create(ctx context.Context, c Creation) error
}

// Creation is everything one signup writes.
type Creation struct {
	Account account.Account
	Proof   *otp.Challenge
	Session session.Session
	Device  account.Device
	Idem    *IdemWrite
}

// IdemWrite is the stored response of an idempotent signup.
type IdemWrite struct {
	Key    *idempotency.Key
	Record idempotency.Record
}

// LoginPolicy judges a new login password against the person's own data (strength.CheckLoginPassword;
// injected so that this package does not load zxcvbn's dictionaries for every function that links it).
type LoginPolicy func(password string, p secret.Personal) error

// Service signs people up.
type Service struct {
	store  Store
	hasher *secret.Hasher
	policy LoginPolicy
	clock  account.Clock
	rand   io.Reader
	cfg    config.Config
	log    *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, hasher *secret.Hasher, policy LoginPolicy, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, hasher: hasher, policy: policy, clock: clock, rand: rand, cfg: cfg, log: log}
}

// Request is a signup as the client sends it.
type Request struct {
	VerificationToken string
	LoginPassword     string
	PaymentPassword   string
	SecurityAnswers   []AnswerInput
	AgreementVersion  string
	Language          string
	Device            *session.DeviceInput
	Profile           *ProfileInput
}

// AnswerInput is one security question and its answer.
type AnswerInput struct {
	QuestionID string
	Answer     string
}

// Result is what a signup answers; DeviceSecret, when the request named its device, is the
// secret that device proves itself with at its next sign-in.
type Result struct {
	AccountID    string `json:"accountId"`
	SessionToken string `json:"sessionToken"`
	DeviceSecret string `json:"deviceSecret,omitempty"`
}

// Signup creates the account and returns the response body: the new account's id and session
// token, or, for a retry with the same Idempotency-Key, the first request's body. body is the raw
// request, for the idempotency record; key is the client's Idempotency-Key, or "".
func (s *Service) Signup(ctx context.Context, req Request, body []byte, key string) (json.RawMessage, error) {
	idem, err := idempotency.Derive(s.cfg.Pepper, "POST /v1/accounts", key, body)
	if err != nil {
		return nil, err
	}
	if err := s.checkShape(req); err != nil {
		return nil, err
	}
	if err := req.Device.Check(); err != nil {
		return nil, err
	}
	proof, stored, err := s.store.Begin(ctx, req.VerificationToken, idem)
	if err != nil {
		return nil, fmt.Errorf("begin signup: %w", err)
	}
	now := s.clock.Now()
	if replayable(stored, now) {
		return replay(idem, *stored)
	}
	if err := otp.CheckProof(proof, req.VerificationToken, account.PurposeSignup, "", now); err != nil {
		return nil, err
	}
	c, res, err := s.build(req, proof, now)
	if err != nil {
		return nil, err
	}
	resp := idempotency.Response{Body: mustJSON(res)} // the handler answers 201, for a replay too
	if idem != nil {
		rec, err := idem.Seal(resp, s.rand)
		if err != nil {
			return nil, err
		}
		c.Idem = &IdemWrite{Key: idem, Record: rec}
	}
	if err := s.store.Create(ctx, c); err != nil {
		return s.lost(ctx, req.VerificationToken, idem, err)
	}
	s.log.InfoContext(ctx, "account created", "account", c.Account.ID)
	return resp.Body, nil
}

// lost answers a Create that failed with err: when a concurrent request with the same key spent
// the proof, its response.
func (s *Service) lost(ctx context.Context, token string, idem *idempotency.Key, err error) (json.RawMessage, error) {
	if idem == nil || !errors.Is(err, account.ErrInvalidToken) {
		return nil, err
	}
	_, stored, rerr := s.store.Begin(ctx, token, idem)
	switch {
	case rerr != nil:
		return nil, fmt.Errorf("replay after race: %w", errors.Join(err, rerr))
	case !replayable(stored, s.clock.Now()):
		return nil, err
	}
	return replay(idem, *stored)
}

// replayable says whether stored is a response a retry can still get: TTL deletes an expired one
// only eventually.
func replayable(stored *idempotency.Record, now time.Time) bool {
	return stored != nil && now.Before(stored.ExpiresAt)
}

// replay returns the body the first request with idem's key answered.
func replay(idem *idempotency.Key, stored idempotency.Record) (json.RawMessage, error) {
	resp, err := idem.Replay(stored)
	return resp.Body, err
}

// checkShape refuses what can be refused before any read: missing fields and the questions.
func (s *Service) checkShape(req Request) error {
	for _, f := range []struct{ name, value string }{{"verificationToken", req.VerificationToken},
		{"loginPassword", req.LoginPassword}, {"paymentPassword", req.PaymentPassword}, {"agreementVersion", req.AgreementVersion}} {
		if f.value == "" {
			return account.FieldError(account.CodeMissingField, f.name, f.name+" is required")
		}
	}
	if req.AgreementVersion != s.cfg.AgreementVersion {
		return account.FieldError(account.CodeInvalidField, "agreementVersion", "accept the current user agreement ("+s.cfg.AgreementVersion+")")
	}
	ids := make([]string, len(req.SecurityAnswers))
	for i, a := range req.SecurityAnswers {
		ids[i] = a.QuestionID
	}
	return secret.CheckQuestions(ids)
}

// build checks the secrets and the profile against each other and hashes what is stored.
func (s *Service) build(req Request, proof *otp.Challenge, now time.Time) (Creation, Result, error) {
	profile, idNumber, err := req.Profile.parse()
	if err != nil {
		return Creation{}, Result{}, err
	}
	personal := secret.Personal{Phone: proof.Phone, Name: profile.RealName, Email: profile.Email, Birthday: profile.DateOfBirth}
	if err := s.policy(req.LoginPassword, personal); err != nil {
		return Creation{}, Result{}, err
	}
	if err := secret.CheckPaymentPassword(req.PaymentPassword, personal, req.LoginPassword); err != nil {
		return Creation{}, Result{}, err
	}
	if idNumber != "" {
		profile.IDHash = s.cfg.Pepper.Fingerprint(secret.DomainIDNumber, idNumber)
		profile.IDLast4 = secret.Last4(idNumber)
	}
	acct := account.Account{Status: account.StatusActive, Phone: proof.Phone, Lang: account.Language(req.Language, s.cfg.DefaultLang),
		Profile: profile, AgreementVersion: req.AgreementVersion, AgreedAt: now, CreatedAt: now, LastActiveAt: now, Version: 1}
	if acct.LoginHash, err = s.hasher.Hash(req.LoginPassword); err != nil {
		return Creation{}, Result{}, err
	}
	if acct.PaymentHash, err = s.hasher.HashPeppered(req.PaymentPassword); err != nil {
		return Creation{}, Result{}, err
	}
	for _, a := range req.SecurityAnswers {
		norm, err := secret.CheckAnswer(a.Answer)
		if err != nil {
			return Creation{}, Result{}, err
		}
		if err := secret.CheckAnswerApart(norm, personal, req.LoginPassword, req.PaymentPassword); err != nil {
			return Creation{}, Result{}, err
		}
		// Answers are low-entropy: peppered like the payment password, so a copy of the table
		// alone cannot be used to guess them offline.
		h, err := s.hasher.HashPeppered(norm)
		if err != nil {
			return Creation{}, Result{}, err
		}
		acct.Answers = append(acct.Answers, account.Answer{QuestionID: a.QuestionID, Hash: h})
	}
	if acct.ID, err = s.id(now); err != nil {
		return Creation{}, Result{}, err
	}
	sessionToken, hash, err := token.New(s.rand)
	if err != nil {
		return Creation{}, Result{}, err
	}
	dev := req.Device.Device(now)
	dev.SessionHash = hash
	res := Result{AccountID: acct.ID, SessionToken: sessionToken}
	if req.Device != nil { // a named device is enrolled: the signup proved the phone on it
		dev.EnrolledAt = now
		if res.DeviceSecret, err = session.NewCredentials(s.cfg.Pepper, s.rand).Enrol(acct.ID, &dev); err != nil {
			return Creation{}, Result{}, err
		}
	}
	policy := session.Policy{Idle: s.cfg.SessionIdleTTL, Absolute: s.cfg.SessionAbsoluteTTL}
	c := Creation{Account: acct, Proof: proof, Device: dev,
		Session: policy.Start(acct.ID, dev.ID, hash, now)}
	return c, res, nil
}

// id is a new account's id: a ULID of now, which the activity list reads as the account's
// creation time.
func (s *Service) id(now time.Time) (string, error) {
	id, err := ulid.New(ulid.Timestamp(now), s.rand)
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return id.String(), nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings are encoded here
	}
	return b
}
