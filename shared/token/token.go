// Package token makes the service's opaque tokens — session tokens, verification tokens and
// freeze tokens — and their stored form. A token is 256 random bits, base64url without padding,
// but for a freeze token (NewFreeze), which rides in an SMS; only its SHA-256 is stored, so a read
// of the table yields nothing a client could present.
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

// A freeze token is 128 random bits written as 22 base62 digits: an SMS is paid per part, and
// the 43 characters of a 256-bit base64url token would take a third of an English part.
// 128 bits stay beyond guessing: a token works for days, once, and can only freeze. Base62
// (digits and letters) is never cut by an SMS app's link detection, which stops at some
// punctuation, or changed by one that "corrects" it.
const (
	freezeBytes = 16
	FreezeLen   = 22
	base62      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// NewFreeze returns a new freeze token drawn from r and its stored hash (as New's, over the text).
func NewFreeze(r io.Reader) (string, []byte, error) {
	b := make([]byte, freezeBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", nil, fmt.Errorf("new freeze token: %w", err)
	}
	tok := encode62(b)
	return tok, Hash(tok), nil
}

// FreezeWellFormed reports whether tok could be a freeze token, so a malformed one costs no
// read: one NewFreeze made, or one New made (the form of freeze tokens sent before they were
// shortened, which work until their FREEZE_TOKEN_TTL ends).
func FreezeWellFormed(tok string) bool {
	if len(tok) == FreezeLen {
		_, ok := decode62(tok)
		return ok
	}
	return WellFormed(tok)
}

// encode62 writes b, a big-endian number of freezeBytes bytes, as FreezeLen base62 digits, the
// most significant first, padded with zeros (62^22 > 2^128, so every value fits).
func encode62(b []byte) string {
	n := append([]byte(nil), b...)
	out := make([]byte, FreezeLen)
	for i := FreezeLen - 1; i >= 0; i-- {
		rem := 0
		for j, d := range n { // n /= 62, long division
			acc := rem<<8 | int(d)
			n[j], rem = byte(acc/62), acc%62
		}
		out[i] = base62[rem]
	}
	return string(out)
}

// decode62 reads base62 digits back into freezeBytes bytes; false for a character outside the
// alphabet or a value of 2^128 or more (22 digits can say up to 62^22-1).
func decode62(s string) ([]byte, bool) {
	n := make([]byte, freezeBytes)
	for i := range len(s) {
		carry := strings.IndexByte(base62, s[i])
		if carry < 0 {
			return nil, false
		}
		for j := len(n) - 1; j >= 0; j-- { // n = n*62 + digit
			acc := int(n[j])*62 + carry
			n[j], carry = byte(acc), acc>>8
		}
		if carry != 0 {
			return nil, false
		}
	}
	return n, true
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
