package otp

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/wallet-accounts/wallet/shared/secret"
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

// codeDomain is the fingerprint domain of codes.
const codeDomain = "otp-code"

// codeHash binds a code to its challenge: the same code in another challenge hashes differently,
// so a stored hash is worthless for any other challenge and useless without the pepper. It is
// made under the current key; a check tries codeHashes, one per active key, so a code sent just
// before a rotation still works.
func codeHash(keys secret.Keyring, challengeID, code string) []byte {
	return keys.Fingerprint(codeDomain, challengeID, code)
}

// codeHashes are the hashes the typed code would have under every active key.
func codeHashes(keys secret.Keyring, challengeID, code string) [][]byte {
	return keys.Fingerprints(codeDomain, challengeID, code)
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
