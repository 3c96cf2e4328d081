package secret

import "testing"

// FuzzVerify: no encoded string makes Verify panic or accept parameters outside the bounds.
func FuzzVerify(f *testing.F) {
	h := newTestHasher(testParams)
	good, _ := h.Hash("x")
	for _, s := range []string{good, "", "$argon2id$v=19$m=64,t=1,p=1$$", "$$$$$", "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, enc string) {
		p, _, _, err := decode(enc)
		if err == nil && p.check() != nil {
			t.Fatalf("decode accepted %+v", p)
		}
		if err == nil && (p.Memory > 4096 || p.Time > 4) {
			return // valid but too slow for fuzzing
		}
		_, _, _ = h.Verify(enc, "x")
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
