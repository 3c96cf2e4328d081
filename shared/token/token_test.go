package token

import (
	"bytes"
	"crypto/rand"
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
