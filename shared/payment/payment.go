// Package payment decides whether money may move: the payments system asks before each payment
// (Authorize), the holder confirms it when asked (Confirm), and the payments system settles or
// releases it (Capture, Void); what nobody confirms expires (ExpireDue). Approving reserves the
// amount against the account's limits (shared/limits) in conditional counters, in the same
// transaction that writes the authorization, so no number of parallel payments passes a limit.
package payment

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

// Decision is the answer to an authorization request.
type Decision string

// The decisions.
const (
	Approved             Decision = "approved"              // no confirmation needed: a password-free payment
	ConfirmationRequired Decision = "confirmation_required" // the holder confirms: payment password or passkey
	StepUpRequired       Decision = "step_up_required"      // nighttime protection: a passkey, or the payment password with a code
	Denied               Decision = "denied"
)

// Status is where an authorization is in its life.
type Status string

// The statuses. Pending and approved hold a reservation; the others have let it go (expired,
// voided) or turned it into a settled amount (captured).
const (
	StatusPending  Status = "pending" // waits for the holder's confirmation until ConfirmBy
	StatusApproved Status = "approved"
	StatusCaptured Status = "captured"
	StatusVoided   Status = "voided"
	StatusExpired  Status = "expired"
)

// Method is a way the holder confirms.
type Method string

// The methods.
const (
	MethodPaymentPassword Method = "payment_password"
	MethodPasskey         Method = "passkey"
)

// Payee is who the money goes to, as the payments system names it.
type Payee struct {
	ID   string
	Name string
}

// Authorization is one payment the payments system asked about, past its denial checks.
type Authorization struct {
	ID          string // <accountId>.<26 characters>: the account is known from the id alone
	AccountID   string
	Amount      money.Amount
	Payee       Payee
	Decision    Decision // the answer Authorize gave
	Status      Status
	Caller      string // the IAM principal that asked
	RequestHash []byte // what the request said, so a retry with another body is refused
	CreatedAt   time.Time
	ConfirmBy   time.Time // pending until then
	HoldUntil   time.Time // an approved one is released then, unless captured or voided
	Periods     []limits.Period
	// PasswordFree says the amount is also counted against the password-free daily cap.
	PasswordFree bool
	// KeyID and Nonce derive the passkey challenge (ceremony.Service.BoundOptions over the binding).
	KeyID string
	Nonce []byte
	// Large says the approval sends the large-transaction alert (at or over the holder's threshold).
	Large bool
}

// Live reports whether a holds a reservation.
func (a Authorization) Live() bool { return a.Status == StatusPending || a.Status == StatusApproved }

// Settings are the holder's password-free payment settings; the zero value is off.
type Settings struct {
	PasswordFree bool
	Currency     string
	PerPayment   int64 // minor units
	Daily        int64
	UpdatedAt    time.Time
}

// Store is what the flows need from storage.
type Store interface {
	// AuthorizeState reads, in one round trip, what an authorization is decided on.
	AuthorizeState(ctx context.Context, q StateQuery) (AuthorizeState, error)
	// Reserve writes a new authorization and reserves its amount in each counter, each
	// conditional on its cap (Reservation.Caps), with the large-transaction event when there is
	// one. A cap that would be passed answers *LimitError with the counter as it stood; an
	// authorization with the same id answers ErrExists.
	Reserve(ctx context.Context, r Reservation) error
	// ConfirmationState reads, in one round trip, the session, the authorization, its account, the
	// proof behind a verification token and the passkey with a credential id.
	ConfirmationState(ctx context.Context, sessionHash []byte, authzID, token string, credentialID []byte) (ConfirmState, error)
	// Approve writes a confirmation: pending to approved, conditional on the status and the
	// deadline, with the admission of the payment password or the passkey's use, the spent proof
	// and the large-transaction event.
	Approve(ctx context.Context, c Confirmation) error
	// Authorization reads one authorization; nil when there is none.
	Authorization(ctx context.Context, id string) (*Authorization, error)
	// Settle moves a live authorization to status to (captured, voided, expired) and moves its
	// amount in its counters accordingly, conditional on its status as read.
	Settle(ctx context.Context, a Authorization, to Status, now time.Time) error
	// Due lists live authorizations whose deadline passed by now, at most limit of them.
	Due(ctx context.Context, now time.Time, limit int) ([]Authorization, error)
	// PaymentSettings reads the account and its password-free settings.
	PaymentSettings(ctx context.Context, accountID string) (*account.Account, Settings, error)
	// SavePaymentSettings writes the settings, with the event when ev is not nil, and the
	// payment password's admission when ad is not nil.
	SavePaymentSettings(ctx context.Context, accountID string, s Settings, ev *account.Event, ad *paypass.Admission) error
}

// StateQuery names what AuthorizeState reads.
type StateQuery struct {
	AccountID string
	AuthzID   string
	DeviceID  string // "" when the request named none
	Periods   []limits.Period
}

// AuthorizeState is what an authorization is decided on.
type AuthorizeState struct {
	Account  *account.Account
	Existing *Authorization // one with the request's id: a retry
	Device   *account.Device
	Settings Settings
	Used     map[string]limits.Used // by currency, in the counted windows
	NoPwUsed map[string]int64       // password-free payments today, by currency
}

// Reservation is a new authorization and the caps its counters must stay within.
type Reservation struct {
	Authz Authorization
	Caps  limits.Caps // the counted windows' caps; a window without one is counted unconditionally
	NoPw  int64       // the password-free daily cap, when Authz.PasswordFree
	Event *account.Event
}

// LimitError is a counter that would have passed its cap, as it stood.
type LimitError struct {
	Window limits.Window
	Used   int64
}

func (e *LimitError) Error() string { return "limit reached: " + string(e.Window) }

// ErrExists says an authorization with the id exists already.
var ErrExists = account.Errorf(account.CodeConflict, "an authorization with this id exists")

// ConfirmState is what a confirmation is checked against.
type ConfirmState struct {
	Session *account.Session
	Authz   *Authorization
	Account *account.Account
	Proof   *otp.Challenge
	Passkey *passkey.Passkey
}

// Confirmation is an approval to write.
type Confirmation struct {
	Authz     Authorization
	Now       time.Time
	Admission *paypass.Admission
	Passkey   *passkey.Assertion
	Proof     *otp.Challenge
	Event     *account.Event
}

// Passkeys is what the flows need of shared/passkey/ceremony (which links the WebAuthn library:
// this package, which shared/dynamo imports, does not).
type Passkeys interface {
	BoundKeyID() string
	// BoundOptions are the WebAuthn request options of binding, as JSON.
	BoundOptions(keyID string, binding []byte) (json.RawMessage, error)
	// CredentialID reads the credential id of an assertion; passkey.ErrRejected when it does not parse.
	CredentialID(credential []byte) ([]byte, error)
	VerifyBound(ctx context.Context, keyID string, binding, credential []byte, accountID string, pk *passkey.Passkey) (passkey.Assertion, error)
}

// Service runs the payment flows.
type Service struct {
	store    Store
	payments *paypass.Checker
	passkeys Passkeys
	clock    account.Clock
	rand     io.Reader
	cfg      config.Config
	loc      *time.Location // LIMITS_TIME_ZONE
	log      *slog.Logger
}

// NewService returns the payment flows over store. loc is LIMITS_TIME_ZONE, loaded by main.
func NewService(store Store, payments *paypass.Checker, passkeys Passkeys, clock account.Clock, rand io.Reader,
	cfg config.Config, loc *time.Location, log *slog.Logger) *Service {
	return &Service{store: store, payments: payments, passkeys: passkeys, clock: clock, rand: rand,
		cfg: cfg, loc: loc, log: log}
}
