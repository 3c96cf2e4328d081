package token

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

func TestTokensAreRandomAndHashed(t *testing.T) {
	a, ha, err := New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := New(rand.Reader)
	if a == b || len(a) != 43 || bytes.Contains(ha, []byte(a)) || !bytes.Equal(ha, Hash(a)) {
		t.Fatalf("tokens %q %q", a, b)
	}
}

func TestWellFormed(t *testing.T) {
	a, _, err := New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !WellFormed(a) || WellFormed(a[1:]) || WellFormed(a+"A") || WellFormed("!"+a[1:]) {
		t.Fatalf("WellFormed(%q)", a)
	}
}

func TestScopedID(t *testing.T) {
	id := ScopedID("card-id", "acct-1", []byte("hash"))
	if !ValidScopedID(id) || id != ScopedID("card-id", "acct-1", []byte("hash")) {
		t.Fatalf("a scoped id must be well formed and stable: %q", id)
	}
	for _, other := range []string{ScopedID("passkey-id", "acct-1", []byte("hash")), ScopedID("card-id", "acct-2", []byte("hash")),
		ScopedID("card-id", "acct-1", []byte("hasi")), ScopedID("card-id", "acct-1h", []byte("ash"))} {
		if other == id {
			t.Fatal("another kind, account or value must give another id")
		}
	}
	for _, bad := range []string{"", id[:23], id + "0", "ACCOUNT#" + id[:16], "0123456789abcdef0123456G"} {
		if ValidScopedID(bad) {
			t.Errorf("%q must not be a valid scoped id", bad)
		}
	}
}

func TestFreezeTokens(t *testing.T) {
	a, ha, err := NewFreeze(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := NewFreeze(rand.Reader)
	if a == b || len(a) != FreezeLen || !bytes.Equal(ha, Hash(a)) || strings.Trim(a, base62) != "" {
		t.Fatalf("freeze tokens %q %q", a, b)
	}
	if !FreezeWellFormed(a) || FreezeWellFormed(a[1:]) || FreezeWellFormed(a+"A") || FreezeWellFormed("-"+a[1:]) || FreezeWellFormed("") {
		t.Fatalf("FreezeWellFormed(%q)", a)
	}
	old, _, _ := New(rand.Reader)
	if !FreezeWellFormed(old) { // links sent before the short form work until they expire
		t.Fatalf("a token New made must stay a well-formed freeze token: %q", old)
	}
}

// TestBase62 pins the encoding at its edges: every 128-bit value round-trips in 22 digits, and
// the 22-digit values above 2^128-1, which no token has, are refused.
func TestBase62(t *testing.T) {
	zero, max := make([]byte, freezeBytes), bytes.Repeat([]byte{0xff}, freezeBytes)
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{zero, strings.Repeat("0", FreezeLen)},
		{append(make([]byte, freezeBytes-1), 61), strings.Repeat("0", FreezeLen-1) + "z"},
		{append(make([]byte, freezeBytes-1), 62), strings.Repeat("0", FreezeLen-2) + "10"},
		{max, "7n42DGM5Tflk9n8mt7Fhc7"}, // 2^128-1
	} {
		got := encode62(tc.b)
		back, ok := decode62(got)
		if got != tc.want || !ok || !bytes.Equal(back, tc.b) {
			t.Errorf("encode62(%x) = %q (back %x %v), want %q", tc.b, got, back, ok, tc.want)
		}
	}
	for _, over := range []string{"7n42DGM5Tflk9n8mt7Fhc8", "8" + strings.Repeat("0", FreezeLen-1), strings.Repeat("z", FreezeLen)} {
		if FreezeWellFormed(over) {
			t.Errorf("%q is 2^128 or more: no token", over)
		}
	}
}
