package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// newCode returns n decimal digits drawn uniformly from r (crypto/rand in production).
func newCode(r io.Reader, n int) (string, error) {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := randInt(r, max)
	if err != nil {
		return "", fmt.Errorf("new code: %w", err)
	}
	return fmt.Sprintf("%0*s", n, v.String()), nil
}

func randInt(r io.Reader, max *big.Int) (*big.Int, error) {
	// Rejection sampling over whole bytes, as crypto/rand.Int does, with an injectable reader.
	bitLen := max.BitLen()
	buf := make([]byte, (bitLen+7)/8)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		buf[0] &= byte(1<<(uint(bitLen-1)%8+1) - 1)
		v := new(big.Int).SetBytes(buf)
		if v.Cmp(max) < 0 {
			return v, nil
		}
	}
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
