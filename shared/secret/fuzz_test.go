package secret

import "testing"

// FuzzVerify: no encoded string makes Verify or VerifyPeppered panic, accept parameters outside
// the bounds or a malformed key id.
func FuzzVerify(f *testing.F) {
	h := newTestHasher(testParams)
	good, _ := h.Hash("x")
	peppered, _ := h.HashPeppered("x")
	for _, s := range []string{good, peppered, "", "$argon2id$v=19$m=64,t=1,p=1$$", "$$$$$",
		"$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,keyid=$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,keyid=9$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,kid=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,keyid=1,keyid=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, enc string) {
		p, _, _, err := decode(enc)
		if err == nil && (p.check() != nil || p.keyID != "" && !validKeyID(p.keyID)) {
			t.Fatalf("decode accepted %+v", p)
		}
		if err == nil && (p.Memory > 4096 || p.Time > 4) {
			return // valid but too slow for fuzzing
		}
		_, _, _ = h.Verify(enc, "x")
		_, _, _ = h.VerifyPeppered(enc, "x")
	})
}

// FuzzMatch: no stored bytes make Match panic or match a value they are not the fingerprint of.
func FuzzMatch(f *testing.F) {
	good := testRing.Fingerprint(DomainCard, "4111111111111111")
	for _, s := range [][]byte{good, nil, {0}, good[1:], append([]byte("9"), good[1:]...)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stored []byte) {
		if ok, _ := testRing.Match(stored, DomainCard, "4111111111111111"); ok && !Equal(stored, good) {
			t.Fatalf("Match accepted %x", stored)
		}
	})
}

// FuzzCheckPaymentPassword: never panics, never echoes the pin.
func FuzzCheckPaymentPassword(f *testing.F) {
	for _, s := range []string{"123456", "295071", "", "12345a", "９００４１５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pin string) {
		_ = CheckPaymentPassword(pin, testPerson, "")
	})
}
