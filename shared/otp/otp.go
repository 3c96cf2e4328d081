// Package otp is the one-time-code flow: it sends purpose-bound SMS codes and turns a correct code
// into a verification token that another flow spends exactly once.
//
// A challenge moves through three states:
//
//	pending  --right code-->  verified (the token's proof)  --spent by a flow-->  gone
//	pending  --5 wrong codes, expiry, or a newer code for the same phone and purpose-->  dead
//
// The rules live here; storage is behind the Store interface, SMS behind Courier.
package otp

import (
	"context"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

// State is where a challenge is in its life.
type State string

// The states of a challenge.
const (
	StatePending  State = "pending"
	StateVerified State = "verified"
	// StateSpent is a signup's proof spent by a request with an Idempotency-Key: kept, for a
	// day, as the record of the response a retry gets; it proves nothing any more.
	StateSpent State = "spent"
)

// Challenge is one code sent to one phone for one purpose. After the right code it is the proof
// behind a verification token. It never holds the code or the token, only keyed hashes of them.
type Challenge struct {
	ID         string
	Phone      string // E.164; "" for an email code
	Region     string // the phone's ISO region ("CN"), for the verified-codes metric; "" for an email code
	Email      string // an email code's address, lower case; "" for a phone code
	Purpose    account.Purpose
	AccountID  string // the account the phone belongs to, when it belongs to one
	ChangeID   string // the phone change a phone_change_new code is for
	State      State
	CodeHash   []byte // HMAC of the code, bound to the challenge id
	ProofHash  []byte // SHA-256 of the verification token, once verified
	Attempts   int
	Superseded bool // a newer code for the same phone and purpose was sent
	// RetryAt, when set, is when the phone may have a new code: the end of the day whose wrong
	// codes burned this challenge.
	RetryAt   time.Time
	CreatedAt time.Time
	ExpiresAt time.Time // of the code while pending, of the token once verified
}

// Owner is the account a phone number is bound to.
type Owner struct {
	AccountID string
	Lang      string
}

// Slot remembers the latest challenge for one phone and purpose, for the resend cooldown and so
// that a new code replaces the old one.
type Slot struct {
	ChallengeID string
	SentAt      time.Time
	// Windows are the windows the phone's counts kept with its slot are in, as read (Issue.Own):
	// the send drops the ended ones in the same write.
	Windows []string
}

// StateQuery names what a send reads: the phone's claim and slot, and for a new number's code
// the session asking and the phone change it is for.
type StateQuery struct {
	Phone       string
	Purpose     account.Purpose
	SessionHash []byte // phone_change_new only
	ChangeID    string // phone_change_new only
	// An email code (email_bind) names its address instead of a phone, and the account asking.
	Email     string
	AccountID string
	// Traffic are the phone's prefix's counters over the pumping window (phone codes only).
	Traffic []ratelimit.Counter
	// Check are counters that must be below their Max for a code to go out (the daily wrong
	// codes of the phone or address). They are read, not written: a send costs no write for
	// them, and a wrong code counted in between can only make the new code's check stricter.
	Check []ratelimit.Counter
}

// SendState is what a send needs to know before it writes anything, read in one round trip.
type SendState struct {
	Owner   *Owner             // nil when no account holds the phone
	Slot    Slot               // zero when no code was sent for this phone and purpose
	Session *account.Session   // phone_change_new: the session asking, nil when none
	Change  *ChangeRef         // phone_change_new: the change, nil when none
	Account *account.Account   // email codes: the account asking, nil when none
	Traffic Traffic            // the prefix's codes over the pumping window, summed
	Full    *ratelimit.Counter // the first of StateQuery.Check at its Max, nil when none is
}

// ChangeRef is what a send needs of a phone change.
type ChangeRef struct {
	AccountID string
	Open      bool // waiting for the new number's code
	ExpiresAt time.Time
}

// Issue is everything one send writes, atomically: the new challenge, the slot moved on to it
// (if the cooldown has passed and nobody else moved it first), the previous challenge superseded
// while it lives, and every counter charged (each below its Max).
type Issue struct {
	Challenge Challenge
	Previous  Slot      // the slot as read; the write is conditional on it being unchanged
	NotBefore time.Time // the slot's SentAt must be at or before this (the cooldown)
	Charge    []ratelimit.Counter
	// Supersede says the previous challenge may still be redeemed: the send marks it superseded,
	// so that only the new code works. One sent longer ago than its lifetime has expired and is
	// left as it is, a write saved (Service.live).
	Supersede bool
	// Own are the phone's own counters (its hourly and daily codes), kept on the item of its
	// slot: moving the slot charges them in the same write, so a send writes one item less per
	// counter (a phone code only; an email code's counters are all in Charge).
	Own []ratelimit.Counter
}

// Store is what the flow needs from storage. The dynamo package implements it.
type Store interface {
	// SendState reads what the query names, in one round trip.
	SendState(ctx context.Context, q StateQuery) (SendState, error)
	// Issue writes an Issue in one transaction. A full counter fails it with *ratelimit.LimitError, a slot
	// moved within the cooldown with *CooldownError, a concurrent write with account.CodeConflict.
	Issue(ctx context.Context, in Issue) error
	// Retract undoes an Issue whose SMS could not be sent: the challenge is dead, the counters
	// are given back, and the slot's cooldown is lifted.
	Retract(ctx context.Context, in Issue) error
	// Redeem turns a pending challenge into a verified one if its code hash is one of codeHashes
	// (the typed code's under every active key), it is not expired
	// at now, not superseded and has attempts left. On failure it returns *RedeemError with the
	// challenge as stored (nil when there is none). When verified is not nil (a phone code), the
	// same write counts one verified code on that prefix counter, and the challenge returned is
	// only what the caller knows: its id, state, proof hash and expiry. A race with another write
	// to the counter fails with account.CodeConflict, and nothing is written.
	Redeem(ctx context.Context, id string, codeHashes [][]byte, proofHash []byte, now, proofExpiresAt time.Time, maxAttempts int, verified *ratelimit.Counter) (Challenge, error)
	// RecordFailure counts one wrong code against the challenge and the phone's daily failures.
	// It returns the challenge's attempts after the count. When the phone's failures are at
	// their Max, the challenge is burned instead and *ratelimit.LimitError is returned.
	RecordFailure(ctx context.Context, ch Challenge, maxAttempts int, failures ratelimit.Counter) (int, error)
}

// CooldownError says a code was sent for the phone and purpose too recently.
type CooldownError struct{ SentAt time.Time }

func (e *CooldownError) Error() string { return "resend cooldown" }

// RedeemError says a challenge could not be redeemed, with the challenge as it was stored.
type RedeemError struct{ Challenge *Challenge }

func (e *RedeemError) Error() string { return "challenge not redeemable" }

// Courier sends a templated message: an SMS to a phone (courier.Courier), or an email to an
// address (courier.Mailer).
type Courier interface {
	Send(ctx context.Context, msg courier.Message) error
}
