package account

import (
	"strings"
	"time"
)

// Status is where an account is in its life.
type Status string

// The statuses of an account.
const (
	StatusActive Status = "active"
	StatusFrozen Status = "frozen" // no sign-in, no payment password, no changes; all sessions ended
	StatusClosed Status = "closed" // closed for inactivity; phone and email released, profile kept
)

// Account is a wallet account as the flows see it. Secrets are present only as hashes.
type Account struct {
	ID               string
	Status           Status
	Phone            string // E.164
	Lang             string // en or zh
	LoginHash        string // argon2id, encoded with its parameters
	PaymentHash      string // argon2id over a peppered HMAC of the 6 digits
	Answers          []Answer
	Profile          Profile
	AgreementVersion string
	AgreedAt         time.Time
	CreatedAt        time.Time
	LastActiveAt     time.Time
	Login            Lockout // failed sign-ins
	Payment          Lockout // failed payment-password checks
	Recovery         Lockout // failed second factors and no-SMS recovery attempts
	PhoneChangedAt   time.Time
	PasswordResetAt  time.Time
	Version          int64 // optimistic locking: every update is conditional on it
	Alerts           AlertSettings
	// Blocks are the flags other systems and customer service set: balance, dispute, debt,
	// investigation. Any of them keeps the account from being closed or deleted.
	Blocks []string
	// DeletionDueAt is when a deletion the holder asked for takes effect; zero when none is
	// pending.
	DeletionDueAt time.Time
	// Level is the verification level an identity verification raised the account to ("" is
	// LevelPhone); LevelAt is when.
	Level   Level
	LevelAt time.Time
	// PasskeyAddedAt is when the newest passkey was registered: password-free payments wait 24 h
	// after it.
	PasskeyAddedAt time.Time
}

// Usable refuses a frozen or closed account: account_frozen, account_closed.
func (a Account) Usable() error {
	switch a.Status {
	case StatusActive:
		return nil
	case StatusFrozen:
		return Errorf(CodeAccountFrozen, "this account is frozen; recover it to unfreeze")
	}
	return Errorf(CodeAccountClosed, "this account is closed")
}

// Answer is the hash of the answer to one security question.
type Answer struct {
	QuestionID string
	Hash       string
}

// Profile is what a person tells about themselves. The ID number is kept only as a keyed hash
// and its last 4 characters.
type Profile struct {
	RealName    string `json:"realName,omitempty"`
	Gender      string `json:"gender,omitempty"`
	DateOfBirth string `json:"dateOfBirth,omitempty"` // YYYY-MM-DD
	Citizenship string `json:"citizenship,omitempty"` // ISO region; set once
	IDType      string `json:"idType,omitempty"`      // passport, national_id, drivers_licence
	IDHash      []byte `json:"-"`
	IDLast4     string `json:"idLast4,omitempty"`
	Address     string `json:"address,omitempty"`
	Occupation  string `json:"occupation,omitempty"`
	Email       string `json:"email,omitempty"` // lower case; unique once verified
	// EmailVerified says Email was proven by a code and is claimed (EMAIL#<lower>): it signs in.
	// An unverified one is contact information given at signup, claimed by nobody.
	EmailVerified bool `json:"emailVerified,omitempty"`
}

// ClaimedEmail is the address the account's claim holds: Email when verified, else "".
func (p Profile) ClaimedEmail() string {
	if p.EmailVerified {
		return p.Email
	}
	return ""
}

// RealNameVerified reports whether the account has an ID document on file.
func (p Profile) RealNameVerified() bool { return len(p.IDHash) > 0 }

// Lockout counts consecutive failures of one secret and, once they reach a limit, when the
// secret may be tried again.
type Lockout struct {
	Failures    int
	WindowStart time.Time // when the first counted failure happened
	LockedUntil time.Time
	Level       int       // how many locks in a row; each doubles the next
	LastLockAt  time.Time // when the latest lock began
}

// Locked reports whether the lock holds at now, and for how much longer.
func (l Lockout) Locked(now time.Time) (bool, time.Duration) {
	if now.Before(l.LockedUntil) {
		return true, l.LockedUntil.Sub(now)
	}
	return false, 0
}

// Device is one device an account signed in on; it holds at most one session.
type Device struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Platform    string    `json:"platform"`
	FirstSeen   time.Time `json:"firstSeen"`
	LastSeen    time.Time `json:"lastSeen"`
	SessionHash []byte    `json:"-"`
	// The device credential (see session.Credentials): when the device was last enrolled, the
	// keyed hash of its current secret, and of the secrets it replaced most recently.
	EnrolledAt     time.Time `json:"-"`
	SecretHash     []byte    `json:"-"`
	RetiredSecrets [][]byte  `json:"-"`
}

// Principal is who an authenticated request comes from.
type Principal struct {
	AccountID   string
	DeviceID    string
	SessionHash []byte
	FreshAt     time.Time // when the session's holder last proved a factor (sign-in, step-up, reauthentication)
}

// RequireFresh refuses a sensitive change from a session whose holder has not proved a factor
// within window (RECENT_AUTH_WINDOW) before now: 403 reauthentication_required.
func (p Principal) RequireFresh(now time.Time, window time.Duration) error {
	if p.FreshAt.IsZero() || now.Sub(p.FreshAt) > window {
		return Errorf(CodeReauthRequired, "confirm it is you first: POST /v1/sessions/current/reauthenticate")
	}
	return nil
}

// JoinChangeID returns the id of a phone change: the account's id and the change's own, so
// that every item of the change can be found from the id alone, in one read.
func JoinChangeID(accountID, changeID string) string { return accountID + "." + changeID }

// SplitChangeID splits a phone change id into the account's id and the change's own.
func SplitChangeID(id string) (accountID, changeID string, ok bool) {
	accountID, changeID, ok = strings.Cut(id, ".")
	ok = ok && len(accountID) == 26 && len(changeID) == 26
	return accountID, changeID, ok
}

// SessionHashes returns the hashes of the devices' sessions.
func SessionHashes(devices []Device) [][]byte {
	var out [][]byte
	for _, d := range devices {
		if len(d.SessionHash) > 0 {
			out = append(out, d.SessionHash)
		}
	}
	return out
}

// Session is one device's sign-in. Only the hash of its token is stored.
type Session struct {
	Hash       []byte
	AccountID  string
	DeviceID   string
	CreatedAt  time.Time
	SeenAt     time.Time // when the idle expiry was last moved
	ExpiresAt  time.Time // idle expiry; never after AbsoluteAt
	AbsoluteAt time.Time
	FreshAt    time.Time // when its holder last proved a factor; see Principal.RequireFresh
}

// Live reports whether s is in force at now.
func (s Session) Live(now time.Time) bool { return now.Before(s.ExpiresAt) && now.Before(s.AbsoluteAt) }

// Language chooses the language of an account's texts, en or zh: zh for any requested tag that
// starts with "zh" (zh, zh-CN, zh-Hant-TW, ...), en for any other request, fallback when none
// was made.
func Language(requested, fallback string) string {
	switch {
	case strings.HasPrefix(strings.ToLower(requested), "zh"):
		return "zh"
	case requested != "":
		return "en"
	}
	return fallback
}

// Rehash holds secrets that verified under a previous pepper, hashed again under the current
// one: the write that follows the verification stores them in place of the old hashes, under the
// same condition that guards the rest of its change, so hashes move to the current pepper as
// they are used. The zero Rehash changes nothing.
type Rehash struct {
	PaymentHash string            // the payment password's new hash, or ""
	Answers     map[string]string // question id → the answer's new hash
	IDHash      []byte            // the ID number's new fingerprint, or nil
	Cards       map[string][]byte // card id → the card number's new fingerprint
}

// Empty reports whether r changes nothing.
func (r Rehash) Empty() bool {
	return r.PaymentHash == "" && len(r.Answers) == 0 && r.IDHash == nil && len(r.Cards) == 0
}
