package stacktest

import "testing"

// TestMobileDigitsAvoidTheTestPINs: after a prefix that starts one of TestPINs, about one draw
// in a thousand would complete it; none of 20,000 does.
func TestMobileDigitsAvoidTheTestPINs(t *testing.T) {
	for range 20_000 {
		n := MobileDigits("295")
		if len(n) != 8 || containsAny("295"+n, TestPINs) {
			t.Fatalf("295%s", n)
		}
	}
}
