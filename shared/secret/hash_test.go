package secret

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testParams are cheap, so the tests stay fast; one test uses DefaultParams.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var testPepper = bytes.Repeat([]byte{0x5a}, 32)

// ring returns a keyring of keys "1", "2", … with these secrets, the first current.
func ring(t testing.TB, secrets ...[]byte) Keyring {
	t.Helper()
	keys := make([]Key, len(secrets))
	for i, s := range secrets {
		k, err := NewKey(strconv.Itoa(i+1), s)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	r, err := NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newTestHasher(p Params) *Hasher { return NewHasher(p, nil, testRing) }

var testRing = func() Keyring {
	k, _ := NewKey("1", testPepper)
	r, _ := NewKeyring(k)
	return r
}()

func TestHashVerify(t *testing.T) {
	h := newTestHasher(testParams)
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	if strings.Contains(enc, "=$") || strings.HasSuffix(enc, "=") {
		t.Fatalf("base64 must be unpadded: %q", enc)
	}
	tests := []struct {
		name   string
		secret string
		want   bool
	}{
		{"right", "correct horse battery staple", true},
		{"wrong", "correct horse battery stapler", false},
		{"case", "Correct horse battery staple", false},
		{"empty", "", false},
		{"prefix", "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(enc, tt.secret)
			if err != nil || ok != tt.want || rehash {
				t.Fatalf("Verify = %v, %v, %v; want %v, false, nil", ok, rehash, err, tt.want)
			}
		})
	}
	other, _ := h.Hash("correct horse battery staple")
	if other == enc {
		t.Fatal("two hashes of one secret must differ by their salts")
	}
}

func TestHashNFKC(t *testing.T) {
	h := newTestHasher(testParams)
	enc, err := h.Hash("ｐａｓｓ　ｗｏｒｄ１") // full-width letters, digit and space
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := h.Verify(enc, "pass word1"); !ok {
		t.Fatal("the NFKC-equivalent password must verify")
	}
}

func TestHashNotTruncated(t *testing.T) {
	h := newTestHasher(testParams)
	long := strings.Repeat("a", 100)
	enc, _ := h.Hash(long + "x")
	if ok, _, _ := h.Verify(enc, long+"y"); ok {
		t.Fatal("secrets differing after 100 bytes must not verify")
	}
}

func TestHashDefaultParams(t *testing.T) {
	h := newTestHasher(DefaultParams)
	start := time.Now()
	enc, err := h.Hash("Tr0ub4dor&3")
	t.Logf("one Hash with DefaultParams: %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	_, salt, key, err := decode(enc)
	if err != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("decode: salt %d key %d err %v", len(salt), len(key), err)
	}
	if ok, rehash, err := h.Verify(enc, "Tr0ub4dor&3"); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

func TestVerifyRehash(t *testing.T) {
	weak := newTestHasher(testParams)
	stronger := []Params{
		{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64},
	}
	enc, _ := weak.Hash("s3cret-enough")
	for _, p := range stronger {
		h := newTestHasher(p)
		if ok, rehash, err := h.Verify(enc, "s3cret-enough"); !ok || !rehash || err != nil {
			t.Errorf("%+v: Verify = %v, %v, %v; want true, true, nil", p, ok, rehash, err)
		}
		if ok, rehash, _ := h.Verify(enc, "wrong"); ok || rehash {
			t.Errorf("%+v: a wrong secret must not ask for a rehash", p)
		}
		// A hash made with stronger parameters than the hasher's is kept.
		strong, _ := h.Hash("s3cret-enough")
		if ok, rehash, err := weak.Verify(strong, "s3cret-enough"); !ok || rehash || err != nil {
			t.Errorf("%+v: weak.Verify(strong) = %v, %v, %v; want true, false, nil", p, ok, rehash, err)
		}
	}
	// Fewer lanes is not weaker.
	twoLanes := newTestHasher(Params{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32})
	if _, rehash, _ := twoLanes.Verify(enc, "s3cret-enough"); rehash {
		t.Error("fewer lanes must not ask for a rehash")
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newTestHasher(testParams)
	good, _ := h.Hash("x")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []string{
		"",
		"garbage",
		"$argon2id",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key,
		"$argon2id$v=19$m=abc,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m= 64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key, // over 1 GiB
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,       // under 8*p
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=21,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=1,p=17$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "*",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,            // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$c2hvcnRrZXk", // 8-byte key
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 600),
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
	}
	for _, enc := range tests {
		ok, rehash, err := h.Verify(enc, "x")
		if !errors.Is(err, ErrMalformedHash) || ok || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want ErrMalformedHash", enc, ok, rehash, err)
		}
	}
	if ok, _, err := h.Verify(good, "x"); !ok || err != nil {
		t.Fatalf("the unaltered hash must verify: %v %v", ok, err)
	}
}

func TestPeppered(t *testing.T) {
	fixed := func() io.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 64)) }
	a := NewHasher(testParams, fixed(), testRing)
	b := NewHasher(testParams, fixed(), ring(t, bytes.Repeat([]byte{0xa5}, 32)))
	encA, err := a.HashPeppered("295071")
	if err != nil {
		t.Fatal(err)
	}
	encB, _ := b.HashPeppered("295071")
	if encA == encB {
		t.Fatal("with the same salt, another pepper must give another hash")
	}
	if ok, _, err := a.VerifyPeppered(encA, "295071"); !ok || err != nil {
		t.Fatalf("VerifyPeppered = %v, %v", ok, err)
	}
	if ok, _, _ := a.VerifyPeppered(encA, "295072"); ok {
		t.Fatal("a wrong code must not verify")
	}
	if ok, _, _ := b.VerifyPeppered(encA, "295071"); ok {
		t.Fatal("another pepper under the same id must not verify")
	}
	if !strings.Contains(encA, ",keyid=1$") || HashKeyID(encA) != "1" {
		t.Fatalf("a peppered hash must record its key id: %s", encA)
	}
	if ok, _, _ := a.Verify(encA, "295071"); ok {
		t.Fatal("a peppered hash must not verify unpeppered")
	}
	plain, _ := NewHasher(testParams, fixed(), testRing).Hash("295071")
	if plain == encA {
		t.Fatal("peppered and plain hashes must differ")
	}
	none := NewHasher(testParams, nil, Keyring{})
	if _, err := none.HashPeppered("295071"); !errors.Is(err, ErrShortPepper) {
		t.Fatalf("HashPeppered without a pepper: %v", err)
	}
	if _, _, err := none.VerifyPeppered(encA, "295071"); !errors.Is(err, ErrShortPepper) {
		t.Fatalf("VerifyPeppered without a pepper: %v", err)
	}
	if _, err := NewKey("1", []byte("short")); !errors.Is(err, ErrShortPepper) {
		t.Fatalf("NewKey with a short pepper: %v", err)
	}
}

// TestPepperRotation: a hash made under a previous key still verifies and asks to be made again;
// one under a retired key is an error, never a silent mismatch; the new hash names the new key.
func TestPepperRotation(t *testing.T) {
	one, two := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old := NewHasher(testParams, nil, ring(t, one))
	enc, _ := old.HashPeppered("295071")
	k1, _ := NewKey("1", one)
	k2, _ := NewKey("2", two)
	r, _ := NewKeyring(k2, k1)
	rotated := NewHasher(testParams, nil, r)
	ok, rehash, err := rotated.VerifyPeppered(enc, "295071")
	if !ok || !rehash || err != nil {
		t.Fatalf("under a previous key: ok=%v rehash=%v err=%v; want true, true, nil", ok, rehash, err)
	}
	if ok, rehash, _ := rotated.VerifyPeppered(enc, "295072"); ok || rehash {
		t.Fatal("a wrong secret under a previous key must neither verify nor ask for a rehash")
	}
	again, _ := rotated.HashPeppered("295071")
	if HashKeyID(again) != "2" {
		t.Fatalf("a new hash must name the current key: %s", again)
	}
	if ok, rehash, _ := rotated.VerifyPeppered(again, "295071"); !ok || rehash {
		t.Fatal("a hash under the current key must verify without a rehash")
	}
	retired, _ := NewKeyring(k2)
	if ok, _, err := NewHasher(testParams, nil, retired).VerifyPeppered(enc, "295071"); ok || !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("under a retired key: ok=%v err=%v; want ErrUnknownKey", ok, err)
	}
	if _, _, err := rotated.Verify(again, "295071"); !errors.Is(err, ErrMalformedHash) {
		t.Fatalf("a peppered hash given to Verify: %v; want ErrMalformedHash", err)
	}
}

func TestPepperCopied(t *testing.T) {
	pepper := bytes.Repeat([]byte{1}, 32)
	h := NewHasher(testParams, nil, ring(t, pepper))
	enc, _ := h.HashPeppered("295071")
	pepper[0] = 2
	if ok, _, _ := h.VerifyPeppered(enc, "295071"); !ok {
		t.Fatal("the Hasher must keep its own copy of the pepper")
	}
}

func TestHashRandError(t *testing.T) {
	h := NewHasher(testParams, bytes.NewReader([]byte{1, 2, 3}), testRing)
	if _, err := h.Hash("x"); err == nil {
		t.Fatal("a failing salt source must be an error")
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newTestHasher(testParams)
	p, salt, key, err := decode(h.dummy)
	if err != nil || p.Params != testParams || p.keyID != "" || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("dummy %q decodes to %+v, %v", h.dummy, p, err)
	}
	h.VerifyDummy("anything")
	hd := newTestHasher(DefaultParams)
	enc, _ := hd.Hash("pw")
	start := time.Now()
	hd.VerifyDummy("pw")
	dummy := time.Since(start)
	start = time.Now()
	_, _, _ = hd.Verify(enc, "wrong")
	t.Logf("DefaultParams: VerifyDummy %v, Verify %v", dummy, time.Since(start))
}

func TestNewHasherBadParams(t *testing.T) {
	bad := []Params{
		{},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: MaxMemory + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	}
	for _, p := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) must panic", p)
				}
			}()
			NewHasher(p, nil, Keyring{})
		}()
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := newTestHasher(DefaultParams)
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDummyDefault(b *testing.B) {
	h := newTestHasher(DefaultParams)
	for b.Loop() {
		h.VerifyDummy("correct horse battery staple")
	}
}
