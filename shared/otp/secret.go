package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// newCode returns n decimal digits drawn uniformly from r (crypto/rand in production).
func newCode(r io.Reader, n int) (string, error) {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(r, max)
	if err != nil {
		return "", fmt.Errorf("new code: %w", err)
	}
	return fmt.Sprintf("%0*s", n, v.String()), nil
}

// codeHash binds a code to its challenge: the same code in another challenge hashes differently,
// so a stored hash is worthless for any other challenge and useless without the pepper.
func codeHash(pepper []byte, challengeID, code string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte("otp-code\x00"))
	m.Write([]byte(challengeID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// TokenChallengeID returns the challenge id a verification token names, or false when the token
// is not of the right form.
func TokenChallengeID(token string) (string, bool) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(id) > 64 || len(secret) != 43 {
		return "", false
	}
	return id, true
}
