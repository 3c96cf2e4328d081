package ceremony

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

	"github.com/wallet-accounts/wallet/shared/passkey"
)

// ceremony is what a ceremony id carries, once its MAC is checked.
type ceremony struct {
	id        string
	purpose   passkey.Purpose
	accountID string // "" for passkey.PurposeSignIn
	expiresAt time.Time
	challenge []byte // derived, never carried
}

func (c ceremony) marker(accountID string) passkey.Marker {
	h := sha256.Sum256([]byte(c.id))
	return passkey.Marker{Hash: h[:], Purpose: c.purpose, AccountID: accountID, ExpiresAt: c.expiresAt}
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

// newCeremony opens a ceremony for purpose and accountID, expiring passkey.CeremonyTTL after now. Its id
// is base64url(keyID 0 purpose 0 accountID 0 expiry 0 nonce | MAC(payload)).
func (s *Service) newCeremony(purpose passkey.Purpose, accountID string, now time.Time) (ceremony, error) {
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return ceremony{}, fmt.Errorf("ceremony nonce: %w", err)
	}
	key := s.keys.Current()
	exp := now.Add(passkey.CeremonyTTL).Truncate(time.Second)
	payload := strings.Join([]string{key.ID, string(purpose), accountID, strconv.FormatInt(exp.Unix(), 10), string(nonce)}, "\x00")
	raw := append([]byte(payload), key.MAC(domainCeremony, payload)...)
	return ceremony{id: base64.RawURLEncoding.EncodeToString(raw), purpose: purpose, accountID: accountID, expiresAt: exp,
		challenge: key.MAC(domainChallenge, payload)}, nil
}

// maxIDLen bounds a ceremony id before it is decoded.
const maxIDLen = 512

// openCeremony checks a ceremony id's MAC, purpose, account and expiry at now. A ceremony bound to
// an account opens only for that account; a discoverable one only with accountID "".
func (s *Service) openCeremony(id string, purpose passkey.Purpose, accountID string, now time.Time) (ceremony, error) {
	c, ok := s.parseCeremony(id)
	if !ok || c.purpose != purpose || c.accountID != accountID {
		return ceremony{}, passkey.ErrInvalidCeremony
	}
	if !now.Before(c.expiresAt) {
		return ceremony{}, passkey.ErrCeremonyExpired
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
	purpose := passkey.Purpose(f[1])
	if err != nil || !purpose.Valid() {
		return ceremony{}, false
	}
	return ceremony{id: id, purpose: purpose, accountID: string(f[2]), expiresAt: time.Unix(exp, 0).UTC(),
		challenge: key.MAC(domainChallenge, string(payload))}, true
}

// checkBinding refuses an assertion purpose asked for without the account it needs, or with one
// it must not have: a caller's bug, answered as an internal error.
func checkBinding(purpose passkey.Purpose, accountID string) error {
	if !purpose.Valid() || purpose == passkey.PurposeRegister || (purpose == passkey.PurposeSignIn) != (accountID == "") {
		return fmt.Errorf("passkey: an assertion for %q with an account: %v", purpose, accountID != "")
	}
	return nil
}
