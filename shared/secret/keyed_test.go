package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	r := testRing
	m := hmac.New(sha256.New, testPepper)
	m.Write([]byte("card\x004111111111111111\x00"))
	if got := r.Fingerprint(DomainCard, "4111111111111111"); !bytes.Equal(got, append([]byte("1\x00"), m.Sum(nil)...)) {
		t.Fatal("a fingerprint must be the key id, a zero byte and HMAC-SHA256(pepper, domain 0 value 0)")
	}
	base := r.Fingerprint(DomainCard, "4111111111111111")
	differ := []struct {
		name string
		got  []byte
	}{
		{"domain", r.Fingerprint(DomainIDNumber, "4111111111111111")},
		{"value", r.Fingerprint(DomainCard, "4111111111111112")},
		{"pepper", ring(t, bytes.Repeat([]byte{1}, 32)).Fingerprint(DomainCard, "4111111111111111")},
		{"boundary", r.Fingerprint("card4", "111111111111111")},
		{"parts", r.Fingerprint(DomainCard, "41111111", "11111111")},
		{"email", r.Fingerprint(DomainEmail, "4111111111111111")},
	}
	for _, d := range differ {
		if Equal(base, d.got) {
			t.Errorf("%s: fingerprints must differ", d.name)
		}
	}
	if !Equal(base, r.Fingerprint(DomainCard, "4111111111111111")) {
		t.Fatal("Fingerprint must be deterministic")
	}
}

// TestFingerprintRotation: a fingerprint names its key; Match checks it under that key and says
// when it is stale; Fingerprints gives one per active key, the current first.
func TestFingerprintRotation(t *testing.T) {
	one, two := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old := ring(t, one)
	stored := old.Fingerprint(DomainIDNumber, "110101199003070011")
	k1, _ := NewKey("1", one)
	k2, _ := NewKey("2", two)
	rotated, _ := NewKeyring(k2, k1)
	if ok, stale := rotated.Match(stored, DomainIDNumber, "110101199003070011"); !ok || !stale {
		t.Fatalf("under the previous key: ok=%v stale=%v; want true, true", ok, stale)
	}
	if ok, _ := rotated.Match(stored, DomainIDNumber, "110101199003070012"); ok {
		t.Fatal("another value must not match")
	}
	fresh := rotated.Fingerprint(DomainIDNumber, "110101199003070011")
	if FingerprintKeyID(fresh) != "2" || FingerprintKeyID(stored) != "1" {
		t.Fatal("a fingerprint must name its key")
	}
	if ok, stale := rotated.Match(fresh, DomainIDNumber, "110101199003070011"); !ok || stale {
		t.Fatal("under the current key: must match, not stale")
	}
	all := rotated.Fingerprints(DomainIDNumber, "110101199003070011")
	if len(all) != 2 || !Equal(all[0], fresh) || !Equal(all[1], stored) {
		t.Fatal("Fingerprints must give one per key, the current first")
	}
	retired, _ := NewKeyring(k2)
	if ok, _ := retired.Match(stored, DomainIDNumber, "110101199003070011"); ok {
		t.Fatal("a fingerprint under a retired key must not match")
	}
	for _, bad := range [][]byte{nil, []byte("1"), stored[1:], append([]byte("1\x01"), stored[2:]...)} {
		if ok, _ := rotated.Match(bad, DomainIDNumber, "110101199003070011"); ok {
			t.Errorf("malformed %q must not match", bad)
		}
	}
}

func TestParseKeyring(t *testing.T) {
	a, b := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	r, err := ParseKeyring("2024-06:" + b + ", 1:" + a)
	if err != nil || r.Current().ID != "2024-06" || len(r.Keys()) != 2 {
		t.Fatalf("ParseKeyring = %v, %v", r, err)
	}
	if _, ok := r.Key("1"); !ok {
		t.Fatal("the previous key must be found by id")
	}
	if s := fmt.Sprintf("%v %#v %s", r, r, r); strings.Contains(s, a) || strings.Contains(s, b) {
		t.Fatalf("a keyring must never print a secret: %s", s)
	}
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	for _, bad := range []string{"", a, "1:" + a + ",1:" + b, "1:" + short, "1:not base64!", "bad id:" + a, ":" + a,
		"1:" + a + ",", strings.Repeat("x", 33) + ":" + a} {
		if _, err := ParseKeyring(bad); err == nil {
			t.Errorf("ParseKeyring(%.20q…) must fail", bad)
		} else if strings.Contains(err.Error(), a) || strings.Contains(err.Error(), b) {
			t.Errorf("the error must not quote a secret: %v", err)
		}
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
