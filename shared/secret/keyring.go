package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// A Key is one version of the server pepper: an id that every hash made with it records, and
// the secret itself.
type Key struct {
	ID     string
	secret []byte
}

// MaxKeyIDLen is the longest key id; ids are letters, digits, '.' and '-' (they go into PHC
// strings and item attributes as written).
const MaxKeyIDLen = 32

// NewKey returns the key id with secret (copied), which must be at least MinPepperLen bytes.
func NewKey(id string, secret []byte) (Key, error) {
	if !validKeyID(id) {
		return Key{}, fmt.Errorf("pepper id %q: want 1 to %d letters, digits, '.' or '-'", id, MaxKeyIDLen)
	}
	if len(secret) < MinPepperLen {
		return Key{}, fmt.Errorf("pepper %q: %w", id, ErrShortPepper)
	}
	return Key{ID: id, secret: append([]byte(nil), secret...)}, nil
}

// MAC returns HMAC-SHA256 under k over parts, each followed by a zero byte.
func (k Key) MAC(parts ...string) []byte {
	m := hmac.New(sha256.New, k.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// Keyring is the server pepper with its history: the current key, which makes every new hash,
// and the previous ones, which still verify and find what was hashed under them until it is
// hashed again under the current one. The zero Keyring has no key: every keyed operation on it
// panics, and NewHasher's peppered methods answer ErrShortPepper.
type Keyring struct {
	keys []Key // keys[0] is the current one
}

// NewKeyring returns a keyring whose current key is current. Ids must be distinct.
func NewKeyring(current Key, previous ...Key) (Keyring, error) {
	keys := append([]Key{current}, previous...)
	seen := map[string]bool{}
	for _, k := range keys {
		if k.ID == "" {
			return Keyring{}, errors.New("pepper: a key without an id")
		}
		if seen[k.ID] {
			return Keyring{}, fmt.Errorf("pepper id %q given twice", k.ID)
		}
		seen[k.ID] = true
	}
	return Keyring{keys: keys}, nil
}

// ParseKeyring reads the PEPPER setting: comma-separated "id:base64" entries, the current key
// first, then the previous ones, each secret at least MinPepperLen bytes. Errors never quote a
// secret.
func ParseKeyring(s string) (Keyring, error) {
	if strings.TrimSpace(s) == "" {
		return Keyring{}, errors.New("no pepper")
	}
	var keys []Key
	for i, entry := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok {
			return Keyring{}, fmt.Errorf("pepper entry %d: want id:base64", i+1)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil {
			return Keyring{}, fmt.Errorf("pepper %q: not base64", id)
		}
		k, err := NewKey(id, raw)
		if err != nil {
			return Keyring{}, err
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys[0], keys[1:]...)
}

// Current is the key new hashes are made with.
func (r Keyring) Current() Key { return r.keys[0] }

// Keys are every active key, the current one first.
func (r Keyring) Keys() []Key { return r.keys }

// Key returns the active key with this id.
func (r Keyring) Key(id string) (Key, bool) {
	for _, k := range r.keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// Empty reports whether the keyring has no key.
func (r Keyring) Empty() bool { return len(r.keys) == 0 }

// String never prints a secret.
func (r Keyring) String() string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return "[pepper keys " + strings.Join(ids, ",") + "]"
}

// GoString never prints a secret.
func (r Keyring) GoString() string { return r.String() }

// A keyed hash (a fingerprint) is stored as the key's id, a zero byte and the 32-byte MAC, so a
// stored fingerprint names the key that made it.
const macLen = sha256.Size

// Fingerprint returns the keyed hash of value (canonicalised by the caller: CheckCardNumber's
// digits, NormalizeIDNumber's form) in domain under the current key: a stable, unsalted
// fingerprint of a value that is compared or looked up but never stored in clear. Without the
// pepper it cannot be brute-forced from a stolen table.
func (r Keyring) Fingerprint(domain string, value ...string) []byte {
	return fingerprint(r.Current(), domain, value)
}

// Fingerprints returns value's fingerprint under every active key, the current one first: what a
// look-up by fingerprint tries.
func (r Keyring) Fingerprints(domain string, value ...string) [][]byte {
	out := make([][]byte, len(r.keys))
	for i, k := range r.keys {
		out[i] = fingerprint(k, domain, value)
	}
	return out
}

// Match reports whether stored is value's fingerprint in domain under the key stored names, in
// time that does not depend on where they differ. stale is true when it matched under a key that
// is no longer the current one: the caller stores Fingerprint(value) in its stead. A fingerprint
// made under a key no longer active never matches.
func (r Keyring) Match(stored []byte, domain string, value ...string) (ok, stale bool) {
	id, _, valid := splitFingerprint(stored)
	k, found := r.Key(id)
	if !valid || !found {
		k = r.Current() // spend the same work on a miss
	}
	got := fingerprint(k, domain, value)
	ok = valid && found && subtle.ConstantTimeCompare(got, stored) == 1
	return ok, ok && k.ID != r.Current().ID
}

// FingerprintKeyID is the id of the key a stored fingerprint was made with ("" when malformed).
func FingerprintKeyID(stored []byte) string {
	id, _, _ := splitFingerprint(stored)
	return id
}

func fingerprint(k Key, domain string, value []string) []byte {
	out := append([]byte(k.ID), 0)
	return append(out, k.MAC(append([]string{domain}, value...)...)...)
}

func splitFingerprint(b []byte) (id string, mac []byte, ok bool) {
	n := len(b) - macLen - 1
	if n < 1 || b[n] != 0 || !validKeyID(string(b[:n])) {
		return "", nil, false
	}
	return string(b[:n]), b[n+1:], true
}

func validKeyID(id string) bool {
	if id == "" || len(id) > MaxKeyIDLen {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
