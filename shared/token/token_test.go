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
