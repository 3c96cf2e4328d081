// Package alert tells account holders, by SMS and within seconds, that something happened to
// their account, and lets them stop it with one tap.
//
// Security events are written to the table in the same transaction as the change they describe
// (the outbox); the table's stream brings each new one here (Deliver). Large transactions come
// from the payments system's topic (Transaction). Each alert decides its recipients and texts
// (plan.go), and every SMS but the account_frozen and account_closed notices carries a one-tap
// "this wasn't me" link with a fresh one-time freeze token.
//
// Each SMS goes out once, though the stream and the topic deliver at least once. Before the
// publish, one transaction claims a sent-marker keyed by the alert and the recipient
// (conditional: absent, or abandoned), stores the freeze token's hash and charges the daily SMS
// budget; after it, the marker is marked sent. A failed publish releases all three, so a retry
// sends afresh; a redelivery finds the marker sent and sends nothing. A claim whose holder died
// between claim and publish (a Lambda timeout) is abandoned once the holder's deadline has
// passed, and the next delivery takes it over: an alert is never lost to a crash, and is sent
// twice only if the process dies in the instant between SNS accepting the SMS and the mark.
//
// The package also keeps the alert settings (settings.go): the large-transaction threshold and
// the nighttime-protection window (account.InWindow decides it; sign-in and payment-password
// verification ask it).
package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

// Store is what alerts need from storage. The dynamo package implements it.
type Store interface {
	// Account reads an account, strongly consistent; nil when there is none.
	Account(ctx context.Context, id string) (*account.Account, error)
	// PhoneChangeNumbers reads the two numbers of a phone change by its full id; nil when there
	// is no such change.
	PhoneChangeNumbers(ctx context.Context, changeID string) (*Numbers, error)
	// ReplacedEmail reads the full address an email_changed or email_removed event took away
	// from the account; "" when it took none.
	ReplacedEmail(ctx context.Context, accountID, eventID string) (string, error)
	// ClaimAlert writes a claim in one transaction: the sent-marker (absent, or a claim whose
	// lease has passed), the freeze token's hash when there is one, and one SMS charged to the
	// daily budget. It fails with ErrSent when the marker says sent, ErrInFlight when another
	// live claim holds it, and *ratelimit.LimitError when the budget is spent.
	ClaimAlert(ctx context.Context, c Claim) error
	// AlertSent marks a claim sent (only while it is still this claim).
	AlertSent(ctx context.Context, c Claim, at time.Time) error
	// ReleaseAlert undoes a claim whose SMS did not go out: the marker and the token are
	// deleted and the budget given back, in one transaction.
	ReleaseAlert(ctx context.Context, c Claim) error
	// SaveAlertSettings writes an account's alert settings, conditional on the account's
	// version and on its being active, recording activity at now, and ev when it is not nil
	// (protection_weakened), in the same transaction; account.ErrStale when it changed.
	SaveAlertSettings(ctx context.Context, a account.Account, s account.AlertSettings, now time.Time, ev *account.Event) error
	// TouchActivity records activity on an account (at most one write a day).
	TouchActivity(ctx context.Context, accountID string, last, now time.Time) error
}

// Numbers are the two numbers of a phone change, E.164.
type Numbers struct {
	OldPhone string
	NewPhone string // "" until the new number is proven
}

// Role is who one SMS of an alert goes to; with the alert's id it keys the sent-marker.
type Role string

// The recipients.
const (
	RoleAccount Role = "account"   // the account's phone
	RoleOld     Role = "old"       // the number a phone change moves away from
	RoleNew     Role = "new"       // the number a phone change moves to
	RoleOldMail Role = "old_email" // the email address an email change or removal took away
)

// Claim is the sent-marker of one SMS (one alert to one recipient), taken before the publish.
type Claim struct {
	AccountID  string
	AlertID    string // the event's id, or "tx-" and the transaction's eventId
	Role       Role
	ClaimID    string    // random: only its holder marks the claim sent or releases it
	Now        time.Time // when it was taken
	LeaseUntil time.Time // a claim still unsent after this is abandoned and may be taken over
	ExpiresAt  time.Time // the marker's TTL: redeliveries within it send nothing
	// Token is the freeze token the SMS links to (its hash only); nil when it has no link.
	Token  *freeze.Token
	Budget ratelimit.Counter // the daily SMS budget (an email: a shard of the email budget), charged by one
}

// Errors of ClaimAlert and SaveAlertSettings.
var (
	ErrSent     = errors.New("alert: already sent")
	ErrInFlight = errors.New("alert: another delivery is sending it now")
)

// defaultLease bounds a claim when the context has no deadline (outside Lambda).
const defaultLease = 30 * time.Second

// Service sends alerts and keeps alert settings.
type Service struct {
	store      Store
	sender     courier.Sender
	clock      account.Clock
	rand       io.Reader
	log        *slog.Logger
	linkBase   string
	tokenTTL   time.Duration
	markerTTL  time.Duration
	lang       string
	zone       *time.Location // for accounts that have not set one
	zoneName   string
	budget     int
	window     time.Duration      // RECENT_AUTH_WINDOW: weakening a setting needs proof this recent
	mailer     courier.MailSender // the notices to a replaced email address; nil: none are sent
	mailBudget int                // EMAIL_DAILY_BUDGET
}

// NewService returns a Service. It fails when DEFAULT_TIME_ZONE is not a time zone this build
// knows.
func NewService(store Store, sender courier.Sender, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) (*Service, error) {
	zone, err := loadZone(cfg.DefaultTimeZone)
	if err != nil {
		return nil, fmt.Errorf("DEFAULT_TIME_ZONE: %w", err)
	}
	return &Service{store: store, sender: sender, clock: clock, rand: rand, log: log, linkBase: cfg.FreezeLinkBase,
		tokenTTL: cfg.FreezeTokenTTL, markerTTL: cfg.AlertMarkerTTL, lang: cfg.DefaultLang, zone: zone,
		zoneName: cfg.DefaultTimeZone, budget: cfg.SMSDailyBudget, window: cfg.RecentAuthWindow, mailBudget: cfg.EmailDailyBudget}, nil
}

// WithMailer makes the service send the email notices (to an address an email change or
// removal took away) through m.
func (s *Service) WithMailer(m courier.MailSender) *Service {
	s.mailer = m
	return s
}

// loadZone loads an IANA time zone by name; "", "Local" and file paths are refused.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || strings.ContainsAny(name, `\ `) || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name: %w", name, err)
	}
	return loc, nil
}

// zoneOf is the account's time zone: the one its holder set, else the default.
func (s *Service) zoneOf(a account.Account) *time.Location {
	if a.Alerts.Nighttime.TimeZone != "" {
		if loc, err := loadZone(a.Alerts.Nighttime.TimeZone); err == nil {
			return loc
		}
	}
	return s.zone
}
