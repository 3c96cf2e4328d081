package session

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Store is what sign-in and the signed-in requests need from storage.
type Store interface {
	// PhoneOwner returns the id of the account the number belongs to, or "" (one strongly
	// consistent read).
	PhoneOwner(ctx context.Context, e164 string) (string, error)
	// EmailOwner returns the id of the account a verified email address (lower case) belongs
	// to, or "" (one strongly consistent read): an unverified address belongs to nobody.
	EmailOwner(ctx context.Context, lower string) (string, error)
	// SignInState reads, in one batch, what a sign-in decides on: the account and the device
	// (or, for a number without an account, its failure counter), the proof the verification
	// token names, and the source IP's failure counter.
	SignInState(ctx context.Context, q StateQuery) (State, error)
	// SignIn writes a sign-in in one transaction. It fails with account.ErrStale when the account or
	// the device changed since they were read, and with account.CodeInvalidToken when the proof
	// was spent meanwhile.
	SignIn(ctx context.Context, w Write) error
	// RecordLoginFailure adds one failure to the subject's count, atomically, unless a lock
	// holds at now; it returns the lockout after the call.
	RecordLoginFailure(ctx context.Context, subj Subject, now time.Time) (account.Lockout, error)
	// LockLogin sets the lock when the count has reached max and no lock holds, resetting the
	// count; it returns the lockout in force after the call (another request may have locked).
	LockLogin(ctx context.Context, subj Subject, max, level int, until, now time.Time) (account.Lockout, error)
	// CountIPFailure adds one to the source IP's failure counter.
	CountIPFailure(ctx context.Context, c ratelimit.Counter) error

	// Session reads a session by the hash of its token, strongly consistent; nil when absent.
	Session(ctx context.Context, hash []byte) (*Session, error)
	// SlideSession moves the session's idle expiry and the device's last-seen time.
	SlideSession(ctx context.Context, s Session, expiresAt, now time.Time) error
	// Refresh records that the session's holder proved a factor at now (its freshAt), with the
	// passkey's use when a passkey proved it, in one write; a session that ended meanwhile is
	// unauthenticated.
	Refresh(ctx context.Context, sessionHash []byte, now time.Time, pk *passkey.Assertion) error
	// EndSession deletes the session and clears it from its device.
	EndSession(ctx context.Context, s Session) error

	// Account reads an account, strongly consistent; nil when absent.
	Account(ctx context.Context, id string) (*account.Account, error)
	// Devices lists an account's devices.
	Devices(ctx context.Context, accountID string) ([]account.Device, error)
	// RemoveDevice deletes a device and its session in one transaction; false when there is no
	// such device.
	RemoveDevice(ctx context.Context, accountID, deviceID string) (bool, error)
	// RevokeDevice revokes a device whose replaced secret came back — it keeps no secret and no
	// session — with the device_secret_reused event, in one transaction conditional on the device
	// being as read (account.ErrStale otherwise).
	RevokeDevice(ctx context.Context, accountID string, d account.Device, ev account.Event) error
}

// Subject is what sign-in failures count against: an account, or a number without one (so that
// it locks like an account would, and the two cannot be told apart).
type Subject struct {
	AccountID string // set for an account
	Phone     string // E.164, set instead when the number has no account
	Email     string // lower case, set instead when the email address has no account
}

// StateQuery names what SignInState reads.
type StateQuery struct {
	Subject    Subject
	DeviceID   string
	ProofToken string             // "" when the request has none
	IP         *ratelimit.Counter // nil when the source IP is unknown
}

// State is what a sign-in decides on.
type State struct {
	Account    *account.Account // nil when the number has no account
	Device     *account.Device  // nil when this device never signed in to the account
	Proof      *otp.Challenge   // the proof the verification token names, if any
	Lockout    account.Lockout  // the subject's failures and lock
	IPFailures int              // failed sign-ins from the source IP in the current window
}

// Write is one successful sign-in.
type Write struct {
	// Account is as read: the write is conditional on its Version, status and lock, and on
	// fewer than MaxFailures failed sign-ins recorded, so a right password checked alongside
	// wrong ones counts only if it lands before the failure that fills the count.
	Account     account.Account
	MaxFailures int
	Session     Session
	Device      account.Device     // with the new session's hash and the device's new secret
	Previous    *account.Device    // the device as read; nil for a new device (its put is then conditional on absence)
	Proof       *otp.Challenge     // spent in the same transaction when a step-up was needed
	Passkey     *passkey.Assertion // the passkey that signed in or stepped up: its ceremony spent, its use recorded
	Event       *account.Event     // new_device_login
	Touch       bool               // first activity of the day: write lastActiveAt and the activity index
	Now         time.Time
}

// Service signs people in and serves what a signed-in device does.
type Service struct {
	store    Store
	hasher   *secret.Hasher
	creds    Credentials
	passkeys Passkeys // nil: no passkey is accepted
	clock    account.Clock
	rand     io.Reader
	policy   Policy
	lock     LockPolicy
	ipMax    int
	log      *slog.Logger
}

// lockDecay is how soon after a lock another one doubles it.
const lockDecay = 24 * time.Hour

// NewService returns a Service.
func NewService(store Store, hasher *secret.Hasher, clock account.Clock, rand io.Reader, cfg config.Config, log *slog.Logger) *Service {
	return &Service{store: store, hasher: hasher, creds: NewCredentials(cfg.Pepper, rand), clock: clock, rand: rand,
		policy: Policy{Idle: cfg.SessionIdleTTL, Absolute: cfg.SessionAbsoluteTTL},
		lock:   LockPolicy{MaxFailures: cfg.LoginMaxFailures, Base: cfg.LoginLock, Cap: cfg.LoginLockMax, Decay: lockDecay},
		ipMax:  cfg.SignInIPHourly, log: log}
}

// Passkeys verifies passkey answers (package passkey).
type Passkeys interface {
	Prove(ctx context.Context, ans passkey.Answer, accountID string) (passkey.Assertion, error)
}

// WithPasskeys makes the service accept passkeys: to sign in, as a step-up, to reauthenticate.
func (s *Service) WithPasskeys(p Passkeys) *Service {
	s.passkeys = p
	return s
}

// prove verifies a passkey answer for accountID ("" for a discoverable sign-in).
func (s *Service) prove(ctx context.Context, ans passkey.Answer, accountID string) (passkey.Assertion, error) {
	if s.passkeys == nil {
		return passkey.Assertion{}, passkey.ErrUnknown
	}
	return s.passkeys.Prove(ctx, ans, accountID)
}

func unauthenticated() error {
	return account.Errorf(account.CodeUnauthenticated, "sign in first: the session is missing, expired or ended")
}
