package stacktest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// TestPINs are the payment passwords tests set on accounts with random phone numbers. The
// policy refuses six digits of the account's phone as its payment password, so about one
// random number in 330,000 would make a test that sets one of these fail by chance.
var TestPINs = []string{"295071", "481937", "603184", "604917", "731950"}

// MobileDigits returns the eight random digits of a test mobile number after the three-digit
// prefix, drawn again while one of TestPINs is part of prefix and digits together.
func MobileDigits(prefix string) string {
	for {
		n := fmt.Sprintf("%08d", rand.IntN(100_000_000))
		if !containsAny(prefix+n, TestPINs) {
			return n
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
