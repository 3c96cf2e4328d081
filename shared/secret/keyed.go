package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// Domains for KeyedHash: one per kind of value, so equal strings of different kinds never share a
// hash.
const (
	DomainCard     = "card"
	DomainIDNumber = "id_number"
	DomainEmail    = "email"
)

// KeyedHash returns HMAC-SHA256(pepper, domain || 0x00 || value): a stable, unsalted fingerprint
// of a value that must be looked up or compared but never stored in clear (card numbers, ID
// numbers). Without the pepper it cannot be brute-forced from a stolen table. The caller
// canonicalises value first (CheckCardNumber's digits, an upper-cased ID number).
func KeyedHash(pepper []byte, domain, value string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// Equal reports whether a and b are equal, in time that depends only on their lengths.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// NormalizeIDNumber returns an ID document number as it is hashed: upper case, without spaces.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
