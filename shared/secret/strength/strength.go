// Package strength is the login-password policy (NIST SP 800-63B): length in
// code points, no personal data, and a zxcvbn score of at least 3 — no composition rules.
//
// It is apart from package secret because zxcvbn-go decompresses and indexes its dictionaries in
// package init (about 35 ms and 18 MB of allocations on the development machine): only the
// functions that set a login password should pay that at cold start, not sign-in.
package strength

import (
	"math"
	"unicode/utf8"

	zxcvbn "github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/matching"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// MinScore is the lowest zxcvbn score (0-4) a login password may have.
const MinScore = 3

// fullRunes is the longest input given to zxcvbn with every matcher. Its l33t matcher tries every
// substitution table the password's symbols allow against every substring, which grows with
// the square of the length times the tables: about 10 ms at 24 code points but up to a second at
// 64 on symbol-heavy input. Longer passwords are estimated in pieces (see longEntropy).
const fullRunes = 24

const field = "loginPassword"

// CheckLoginPassword checks a new login password against the policy, in this order:
// password_too_short / password_too_long (8-64 code points of the NFKC form, never truncated),
// password_contains_personal_data (secret.ContainsPersonal), password_too_weak (zxcvbn score
// below MinScore with p's personal data as known words; zxcvbn's common-password list makes
// "password123!" weak). The messages never repeat the password.
func CheckLoginPassword(pw string, p secret.Personal) error {
	pw = secret.NormalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	if n < secret.MinPasswordRunes {
		return account.FieldError(account.CodePasswordTooShort, field,
			"login password must be at least 8 characters")
	}
	if n > secret.MaxPasswordRunes {
		return account.FieldError(account.CodePasswordTooLong, field,
			"login password must be at most 64 characters")
	}
	if secret.ContainsPersonal(pw, p) {
		return account.FieldError(account.CodePasswordPersonalData, field,
			"login password must not contain your phone number, name, email or date of birth")
	}
	if score(pw, p.UserInputs()) < MinScore {
		return account.FieldError(account.CodePasswordTooWeak, field,
			"login password is too easy to guess; a few unrelated words make a strong one")
	}
	return nil
}

// score returns the zxcvbn score (0-4) of pw with userInputs as words the attacker knows.
func score(pw string, userInputs []string) int {
	return scoreOf(entropy([]rune(pw), userInputs))
}

// entropy estimates the entropy of a password in bits. Up to fullRunes code points it is
// zxcvbn's own estimate. A password that repeats a shorter block ("ab3$ab3$ab3$...") is
// estimated as its block plus the bits of the repeat count: zxcvbn-go only knows repeated single
// characters. Longer passwords are estimated by longEntropy, so that the cost stays bounded.
func entropy(runes []rune, userInputs []string) float64 {
	if p := period(runes); p < len(runes) {
		reps := float64(len(runes)+p-1) / float64(p)
		return entropy(runes[:p], userInputs) + math.Log2(math.Ceil(reps))
	}
	if len(runes) <= fullRunes {
		return zxcvbn.PasswordStrength(string(runes), userInputs).Entropy
	}
	return longEntropy(runes, userInputs)
}

// period returns the shortest p such that runes[i] == runes[i-p] for every i >= p, when the
// block repeats at least twice; otherwise len(runes).
func period(runes []rune) int {
	// fail[i] is the length of the longest proper border of runes[:i+1] (KMP failure function).
	fail := make([]int, len(runes))
	for i := 1; i < len(runes); i++ {
		k := fail[i-1]
		for k > 0 && runes[i] != runes[k] {
			k = fail[k-1]
		}
		if runes[i] == runes[k] {
			k++
		}
		fail[i] = k
	}
	if len(runes) == 0 {
		return 0
	}
	if p := len(runes) - fail[len(runes)-1]; 2*p <= len(runes) {
		return p
	}
	return len(runes)
}

// longEntropy estimates a long password's entropy in bits as the lower of: zxcvbn over the whole
// password without the l33t matcher, and the sum of full zxcvbn estimates of pieces of at most
// fullRunes code points (zxcvbn's estimate is a sum over a sequence of matches; cutting the
// password only loses matches that span a cut). The l33t-spelt common passwords stay weak
// ("P@ssw0rdP@ssw0rdP@ssw0rd!"), and the worst case costs a few pieces of 24, not one of 64.
func longEntropy(runes []rune, userInputs []string) float64 {
	whole := zxcvbn.PasswordStrength(string(runes), userInputs, matching.FilterL33tMatcher).Entropy
	pieces := (len(runes) + fullRunes - 1) / fullRunes
	size := (len(runes) + pieces - 1) / pieces
	var sum float64
	for i := 0; i < len(runes); i += size {
		sum += zxcvbn.PasswordStrength(string(runes[i:min(i+size, len(runes))]), userInputs).Entropy
	}
	return math.Min(whole, sum)
}

// scoreOf maps entropy to a score as zxcvbn-go does: the crack time at 10^4 guesses a second
// (0.5 * 2^entropy / 10^4 seconds) against 10^2, 10^4, 10^6 and 10^8 seconds.
func scoreOf(bits float64) int {
	seconds := 0.5 * math.Pow(2, bits) * 1e-4
	switch {
	case seconds < 1e2:
		return 0
	case seconds < 1e4:
		return 1
	case seconds < 1e6:
		return 2
	case seconds < 1e8:
		return 3
	}
	return 4
}
