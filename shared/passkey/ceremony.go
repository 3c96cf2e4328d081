package passkey

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Purpose is what a ceremony is for: a ceremony answered for one purpose is refused for another.
type Purpose string

// The purposes of a ceremony.
const (
	PurposeRegister Purpose = "register"       // a new passkey (FinishRegistration)
	PurposeSignIn   Purpose = "sign_in"        // discoverable sign-in: no account until the answer
	PurposeStepUp   Purpose = "step_up"        // a sign-in's step-up, bound to the account
	PurposeReauth   Purpose = "reauthenticate" // fresh proof for a session, bound to its account
	PurposeReset    Purpose = "reset"          // a risky reset's second factor, bound to the account
)

func (p Purpose) valid() bool {
	switch p {
	case PurposeRegister, PurposeSignIn, PurposeStepUp, PurposeReauth, PurposeReset:
		return true
	}
	return false
}

// CeremonyTTL is how long a ceremony may be answered after its options were given.
const CeremonyTTL = 5 * time.Minute

// ceremony is what a ceremony id carries, once its MAC is checked.
type ceremony struct {
	id        string
	purpose   Purpose
	accountID string // "" for PurposeSignIn
	expiresAt time.Time
	challenge []byte // derived, never carried
}

// Marker is the spent-marker of a ceremony: the write that consumes the ceremony puts it,
// conditional on its absence, in the same transaction as its effect.
type Marker struct {
	Hash      []byte // SHA-256 of the ceremony id: the marker's key
	Purpose   Purpose
	AccountID string    // the account the ceremony proved or registered for
	ExpiresAt time.Time // the ceremony's expiry: the marker's TTL, after which the id is refused anyway
}

func (c ceremony) marker(accountID string) Marker {
	h := sha256.Sum256([]byte(c.id))
	return Marker{Hash: h[:], Purpose: c.purpose, AccountID: accountID, ExpiresAt: c.expiresAt}
}

// nonceLen is the random part of a ceremony; macLen its MAC.
const (
	nonceLen = 32
	macLen   = sha256.Size
)

// The MAC domains: one for the id's tag, one for the challenge derived from the same payload.
const (
	domainCeremony  = "passkey-ceremony"
	domainChallenge = "passkey-challenge"
)

// newCeremony opens a ceremony for purpose and accountID, expiring CeremonyTTL after now. Its id
// is base64url(keyID 0 purpose 0 accountID 0 expiry 0 nonce | MAC(payload)).
func (s *Service) newCeremony(purpose Purpose, accountID string, now time.Time) (ceremony, error) {
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return ceremony{}, fmt.Errorf("ceremony nonce: %w", err)
	}
	key := s.keys.Current()
	exp := now.Add(CeremonyTTL).Truncate(time.Second)
	payload := strings.Join([]string{key.ID, string(purpose), accountID, strconv.FormatInt(exp.Unix(), 10), string(nonce)}, "\x00")
	raw := append([]byte(payload), key.MAC(domainCeremony, payload)...)
	return ceremony{id: base64.RawURLEncoding.EncodeToString(raw), purpose: purpose, accountID: accountID, expiresAt: exp,
		challenge: key.MAC(domainChallenge, payload)}, nil
}

// maxIDLen bounds a ceremony id before it is decoded.
const maxIDLen = 512

// openCeremony checks a ceremony id's MAC, purpose, account and expiry at now. A ceremony bound to
// an account opens only for that account; a discoverable one only with accountID "".
func (s *Service) openCeremony(id string, purpose Purpose, accountID string, now time.Time) (ceremony, error) {
	c, ok := s.parseCeremony(id)
	if !ok || c.purpose != purpose || c.accountID != accountID {
		return ceremony{}, ErrInvalidCeremony
	}
	if !now.Before(c.expiresAt) {
		return ceremony{}, ErrCeremonyExpired
	}
	return c, nil
}

func (s *Service) parseCeremony(id string) (ceremony, bool) {
	if len(id) > maxIDLen {
		return ceremony{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(id)
	if err != nil || len(raw) < nonceLen+macLen+5 {
		return ceremony{}, false
	}
	payload, tag := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	head := payload[:len(payload)-nonceLen]
	f := bytes.SplitN(head, []byte{0}, 5)
	if len(f) != 5 || len(f[4]) != 0 {
		return ceremony{}, false
	}
	key, ok := s.keys.Key(string(f[0]))
	if !ok || !hmac.Equal(key.MAC(domainCeremony, string(payload)), tag) {
		return ceremony{}, false
	}
	exp, err := strconv.ParseInt(string(f[3]), 10, 64)
	purpose := Purpose(f[1])
	if err != nil || !purpose.valid() {
		return ceremony{}, false
	}
	return ceremony{id: id, purpose: purpose, accountID: string(f[2]), expiresAt: time.Unix(exp, 0).UTC(),
		challenge: key.MAC(domainChallenge, string(payload))}, true
}

// checkBinding refuses an assertion purpose asked for without the account it needs, or with one
// it must not have: a caller's bug, answered as an internal error.
func checkBinding(purpose Purpose, accountID string) error {
	if !purpose.valid() || purpose == PurposeRegister || (purpose == PurposeSignIn) != (accountID == "") {
		return fmt.Errorf("passkey: an assertion for %q with an account: %v", purpose, accountID != "")
	}
	return nil
}
