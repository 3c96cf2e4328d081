package secret

import (
	"crypto/subtle"
	"strings"
)

// Domains for Keyring.Fingerprint: one per kind of value, so equal strings of different kinds never share a
// hash.
const (
	DomainCard     = "card"
	DomainIDNumber = "id_number"
	DomainEmail    = "email"
)

// Equal reports whether a and b are equal, in time that depends only on their lengths.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// NormalizeIDNumber returns an ID document number as it is hashed: upper case, without spaces.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
