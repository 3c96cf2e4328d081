// Package secret holds the rules and the cryptography for the secrets an account keeps:
// argon2id hashes of the login password, the payment password and the security answers;
// keyed hashes of values that are looked up but never stored in clear (card and ID numbers); the
// payment-password, security-question and bank-card rules. The login-password strength check,
// which needs the zxcvbn dictionaries, is in the strength subpackage so that only the functions
// that set a login password pay for loading them.
//
// Nothing here keeps mutable package state; a Hasher is safe for concurrent use.
package secret

import (
	cryptorand "crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are the argon2id cost parameters. They are written into every encoded hash, so they can
// be raised later: Verify reports when a stored hash was made with weaker ones.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// The bounds on parameters: Verify refuses an encoded hash outside them, so a corrupted or
// forged item cannot make one verification take gigabytes or minutes; NewHasher refuses
// parameters it could not verify later.
const (
	MaxMemory  = 1 << 20 // KiB (1 GiB)
	MaxTime    = 20
	MaxThreads = 16
	MinSaltLen = 8
	MaxSaltLen = 64
	MinKeyLen  = 16
	MaxKeyLen  = 64
)

// MinPepperLen is the shortest pepper HashPeppered and VerifyPeppered accept.
const MinPepperLen = 32

// ErrMalformedHash is returned, wrapped, when an encoded hash cannot be decoded or its parameters
// are out of bounds.
var ErrMalformedHash = errors.New("secret: malformed argon2id hash")

// ErrShortPepper is returned by the peppered methods when the Hasher has no usable pepper.
var ErrShortPepper = errors.New("secret: pepper shorter than 32 bytes")

// pepperDomain separates the pepper's use for argon2id inputs from its other uses (KeyedHash).
const pepperDomain = "argon2id-pepper"

// Hasher hashes and verifies secrets with argon2id. The zero value is not usable; use NewHasher.
type Hasher struct {
	params Params
	rand   io.Reader
	keys   Keyring
	dummy  string // an encoded hash with the current parameters that no secret is expected to match
}

// NewHasher returns a Hasher that makes new hashes with p, draws salts from rand (crypto/rand when
// nil) and peppers with the current key of keys (the peppered methods answer ErrShortPepper when
// keys is empty).
// It panics when p is outside the bounds Verify accepts: parameters are configuration, and a
// Hasher that wrote hashes it cannot read back must not start. Construction runs no argon2.
func NewHasher(p Params, rand io.Reader, keys Keyring) *Hasher {
	if err := p.check(); err != nil {
		panic(fmt.Sprintf("secret.NewHasher: %v", err))
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	h := &Hasher{params: p, rand: rand, keys: keys}
	// The dummy's salt and key only have to have the right lengths: VerifyDummy throws the
	// answer away, it only has to cost what a real verification costs.
	h.dummy = encode(p, "", make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the argon2id hash of secret, with a fresh salt, in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded standard base64). The secret is
// Unicode NFKC-normalised first (NIST SP 800-63B), so every way of typing it verifies; it is
// never truncated.
func (h *Hasher) Hash(secret string) (string, error) {
	return h.hash("", []byte(NormalizePassword(secret)))
}

// Verify reports whether secret matches the encoded hash, in constant time. rehash is true when
// the secret matched and the hash was made with parameters weaker than the Hasher's, so the
// caller should store a new Hash of it. A malformed encoding is an error wrapping
// ErrMalformedHash.
func (h *Hasher) Verify(encoded, secret string) (ok, rehash bool, err error) {
	return h.verify(encoded, []byte(NormalizePassword(secret)))
}

// VerifyDummy runs one full verification against a hash no secret matches and ignores the
// result, so that a sign-in for an unknown phone costs what a wrong password costs.
func (h *Hasher) VerifyDummy(secret string) {
	_, _, _ = h.Verify(h.dummy, secret)
}

// HashPeppered is Hash for low-entropy secrets (the 6-digit payment password, the security
// answers): argon2id is fed HMAC-SHA256(pepper, domain || secret) instead of the secret, so a
// stolen table is worthless without the server's pepper. The pepper is the keyring's current
// key, whose id the encoding records as a fourth parameter: "...,p=1,keyid=2$<salt>$<hash>".
func (h *Hasher) HashPeppered(secret string) (string, error) {
	if h.keys.Empty() {
		return "", ErrShortPepper
	}
	k := h.keys.Current()
	return h.hash(k.ID, peppered(k, secret))
}

// VerifyPeppered is Verify for hashes made by HashPeppered, under the key the hash names: one
// argon2id run whichever key that is. rehash is also true when that key is no longer the current
// one. A hash under a key no longer in the keyring is an error wrapping ErrUnknownKey.
func (h *Hasher) VerifyPeppered(encoded, secret string) (ok, rehash bool, err error) {
	if h.keys.Empty() {
		return false, false, ErrShortPepper
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	k, found := h.keys.Key(p.keyID)
	if !found {
		return false, false, fmt.Errorf("%w: %q", ErrUnknownKey, p.keyID)
	}
	ok, rehash = h.check(p, salt, want, peppered(k, secret))
	return ok, rehash || ok && k.ID != h.keys.Current().ID, nil
}

// ErrUnknownKey is returned, wrapped, for a peppered hash whose key is not in the keyring: a
// pepper was retired while hashes made with it were still stored.
var ErrUnknownKey = errors.New("secret: hash made with a pepper no longer configured")

func peppered(k Key, secret string) []byte {
	return k.MAC(pepperDomain, NormalizePassword(secret))
}

func (h *Hasher) hash(keyID string, secret []byte) (string, error) {
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("secret: salt: %w", err)
	}
	key := argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, keyID, salt, key), nil
}

// verify checks an unpeppered hash; one that names a key is malformed here.
func (h *Hasher) verify(encoded string, secret []byte) (ok, rehash bool, err error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	if p.keyID != "" {
		return false, false, fmt.Errorf("%w: a peppered hash where a plain one belongs", ErrMalformedHash)
	}
	ok, rehash = h.check(p, salt, key, secret)
	return ok, rehash, nil
}

func (h *Hasher) check(p encParams, salt, key, secret []byte) (ok, rehash bool) {
	got := argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false
	}
	return true, p.weakerThan(h.params)
}

// NormalizePassword returns the form of a password that is measured and hashed: Unicode NFKC.
func NormalizePassword(pw string) string {
	return norm.NFKC.String(pw)
}

// weakerThan reports whether p costs an attacker less than q in any dimension that matters.
// Fewer lanes is not weaker: it only slows the defender.
func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.SaltLen < q.SaltLen || p.KeyLen < q.KeyLen
}

func (p Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxMemory:
		return fmt.Errorf("memory %d KiB outside [8*threads, %d]", p.Memory, MaxMemory)
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("time %d outside [1, %d]", p.Time, MaxTime)
	case p.Threads < 1 || p.Threads > MaxThreads:
		return fmt.Errorf("threads %d outside [1, %d]", p.Threads, MaxThreads)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("salt length %d outside [%d, %d]", p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("key length %d outside [%d, %d]", p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding.Strict()

// encParams are the parameters an encoded hash records: the cost, and for a peppered hash the id
// of its pepper.
type encParams struct {
	Params
	keyID string
}

func encode(p Params, keyID string, salt, key []byte) string {
	params := fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
	if keyID != "" {
		params += ",keyid=" + keyID
	}
	return fmt.Sprintf("$argon2id$v=%d$%s$%s$%s", argon2.Version, params, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses an encoded hash strictly; it never panics and never returns parameters outside
// the bounds.
func decode(encoded string) (p encParams, salt, key []byte, err error) {
	fail := func(what string) (encParams, []byte, []byte, error) {
		return encParams{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	if len(encoded) > 512 {
		return fail("too long")
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return fail("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) == 4 {
		id, found := strings.CutPrefix(kv[3], "keyid=")
		if !found || !validKeyID(id) {
			return fail("key id")
		}
		p.keyID, kv = id, kv[:3]
	}
	if len(kv) != 3 {
		return fail("parameters")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, found := strings.CutPrefix(kv[i], name)
		if !found || s == "" || len(s) > 10 {
			return fail("parameters")
		}
		v, perr := strconv.ParseUint(s, 10, 32)
		if perr != nil {
			return fail("parameters")
		}
		vals[i] = v
	}
	if vals[2] > MaxThreads {
		return fail("parameters out of bounds")
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return fail("salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return fail("hash")
	}
	p.Params = Params{
		Memory:  uint32(vals[0]),
		Time:    uint32(vals[1]),
		Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if p.check() != nil {
		return fail("parameters out of bounds")
	}
	return p, salt, key, nil
}

// HashKeyID is the id of the pepper a peppered hash was made with ("" for a plain or malformed
// hash).
func HashKeyID(encoded string) string {
	p, _, _, err := decode(encoded)
	if err != nil {
		return ""
	}
	return p.keyID
}
