// Package token makes the service's opaque tokens — session tokens, verification tokens and
// freeze tokens — and their stored form. A token is 256 random bits, base64url without padding;
// only its SHA-256 is stored, so a read of the table yields nothing a client could present.
package token

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// randomBytes is a token's randomness; Len is the length of its text.
const (
	randomBytes = 32
	Len         = 43
)

// New returns a new token drawn from r (crypto/rand in production) and its stored hash.
func New(r io.Reader) (string, []byte, error) { return Prefixed(r, "") }

// Prefixed returns a new token with prefix in front of the random part, and its stored hash
// (over the whole text). A verification token carries its challenge's id this way, so a flow
// finds the proof in one read.
func Prefixed(r io.Reader, prefix string) (string, []byte, error) {
	b := make([]byte, randomBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, Hash(tok), nil
}

// Hash is the stored form of a token.
func Hash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// WellFormed reports whether tok could be one New made, so a malformed one costs no read.
func WellFormed(tok string) bool {
	if len(tok) != Len { // the decoder skips line breaks; the length check does not
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil && len(b) == randomBytes
}

// ScopedIDLen is the length of a ScopedID in hex digits (96 bits).
const ScopedIDLen = 24

// ScopedID is the id of a thing of kind (a card, a passkey) in an account, derived from what
// identifies it (a keyed hash, a credential id): a one-way function of both, so the same thing
// in one account always gets one id (and one conditional put), and the id reveals neither the
// value nor, since the same value has another id in every other account, which accounts share it.
func ScopedID(kind, accountID string, value []byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(accountID))
	h.Write([]byte{0})
	h.Write(value)
	return hex.EncodeToString(h.Sum(nil))[:ScopedIDLen]
}

// ValidScopedID reports whether id could be one ScopedID made, so a malformed one costs no read.
func ValidScopedID(id string) bool {
	return len(id) == ScopedIDLen && strings.Trim(id, "0123456789abcdef") == ""
}
