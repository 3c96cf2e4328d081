package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

func TestKeyedHash(t *testing.T) {
	p := testPepper
	m := hmac.New(sha256.New, p)
	m.Write([]byte("card\x004111111111111111"))
	if got := KeyedHash(p, DomainCard, "4111111111111111"); !bytes.Equal(got, m.Sum(nil)) || len(got) != 32 {
		t.Fatal("KeyedHash must be HMAC-SHA256(pepper, domain || 0 || value)")
	}
	base := KeyedHash(p, DomainCard, "4111111111111111")
	differ := []struct {
		name string
		got  []byte
	}{
		{"domain", KeyedHash(p, DomainIDNumber, "4111111111111111")},
		{"value", KeyedHash(p, DomainCard, "4111111111111112")},
		{"pepper", KeyedHash(bytes.Repeat([]byte{1}, 32), DomainCard, "4111111111111111")},
		{"boundary", KeyedHash(p, "card4", "111111111111111")},
		{"email", KeyedHash(p, DomainEmail, "4111111111111111")},
	}
	for _, d := range differ {
		if Equal(base, d.got) {
			t.Errorf("%s: hashes must differ", d.name)
		}
	}
	if !Equal(base, KeyedHash(p, DomainCard, "4111111111111111")) {
		t.Fatal("KeyedHash must be deterministic")
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b []byte
		want bool
	}{
		{[]byte("abc"), []byte("abc"), true},
		{[]byte("abc"), []byte("abd"), false},
		{[]byte("abc"), []byte("ab"), false},
		{nil, []byte{}, true},
		{nil, []byte{0}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
