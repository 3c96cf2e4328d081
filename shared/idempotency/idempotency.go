// Package idempotency lets a client retry a POST that creates state: the same Idempotency-Key
// with the same body returns the first response; with another body it is refused.
//
// The first response may carry a session token, which must never be stored in clear. So the
// stored response is sealed (AES-256-GCM) with a key derived from the client's raw key and the
// server pepper, and the record is found by a different keyed hash of the raw key. Reading the
// table alone reveals neither the raw key nor the response. A record made under a previous pepper
// is still found and opened: a look-up tries the key's id under every active pepper.
package idempotency

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// Key is a client's idempotency key for one request, derived for storage under the current
// pepper, with its derivations under the previous ones.
type Key struct {
	ID       string // hex; the stored record's key
	BodyHash []byte
	seal     []byte
	older    []*Key
}

// Response is what the first request answered: its body (the handler sets the status, the same
// for a replay). Records sealed before the status was dropped also hold a "status" field; it is
// ignored when they are opened.
type Response struct {
	Body json.RawMessage `json:"body"`
}

// Record is a stored response, sealed, under the id it is stored at.
type Record struct {
	ID        string
	BodyHash  []byte
	Sealed    []byte
	ExpiresAt time.Time // from then on it is not replayed, even before TTL removes it
}

// Derive returns the Key for raw (the header's value) on a route (scope) with this body. An empty
// raw key means the client did not ask for idempotency: Derive returns nil. A malformed key is a
// client error.
func Derive(keys secret.Keyring, scope, raw string, body []byte) (*Key, error) {
	if raw == "" {
		return nil, nil
	}
	if len(raw) < 8 || len(raw) > 128 || !printable(raw) {
		return nil, account.FieldError(account.CodeInvalidField, Header, "Idempotency-Key must be 8 to 128 printable ASCII characters")
	}
	all := keys.Keys()
	k := derive(all[0], scope, raw, body)
	for _, p := range all[1:] {
		k.older = append(k.older, derive(p, scope, raw, body))
	}
	return k, nil
}

func derive(p secret.Key, scope, raw string, body []byte) *Key {
	return &Key{
		ID:       hex.EncodeToString(p.MAC("idempotency-id", scope, raw)),
		BodyHash: p.MAC("idempotency-body", scope, string(body)),
		seal:     p.MAC("idempotency-seal", scope, raw),
	}
}

// IDs are the ids a look-up tries: the record's under the current pepper, then under each
// previous one.
func (k *Key) IDs() []string {
	ids := []string{k.ID}
	for _, o := range k.older {
		ids = append(ids, o.ID)
	}
	return ids
}

// under is the derivation of k that a record stored at id was made with (k when none is).
func (k *Key) under(id string) *Key {
	for _, o := range k.older {
		if o.ID == id {
			return o
		}
	}
	return k
}

// Seal returns the record that stores resp under k. rand supplies the nonce.
func (k *Key) Seal(resp Response, rand io.Reader) (Record, error) {
	plain, err := json.Marshal(resp)
	if err != nil {
		return Record{}, fmt.Errorf("encode response: %w", err)
	}
	aead, err := k.aead()
	if err != nil {
		return Record{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return Record{}, fmt.Errorf("nonce: %w", err)
	}
	return Record{ID: k.ID, BodyHash: k.BodyHash, Sealed: aead.Seal(nonce, nonce, plain, []byte(k.ID))}, nil
}

// Replay returns the stored response for a retry with k, or a conflict when the retry's body
// differs from the first request's. r may have been made under a previous pepper.
func (k *Key) Replay(r Record) (Response, error) {
	k = k.under(r.ID)
	if !hmac.Equal(r.BodyHash, k.BodyHash) {
		return Response{}, account.Errorf(account.CodeIdempotencyReuse, "this Idempotency-Key was used with another request body")
	}
	aead, err := k.aead()
	if err != nil {
		return Response{}, err
	}
	n := aead.NonceSize()
	if len(r.Sealed) < n {
		return Response{}, fmt.Errorf("idempotency record: too short")
	}
	plain, err := aead.Open(nil, r.Sealed[:n], r.Sealed[n:], []byte(k.ID))
	if err != nil {
		return Response{}, fmt.Errorf("idempotency record: %w", err)
	}
	var resp Response
	if err := json.Unmarshal(plain, &resp); err != nil {
		return Response{}, fmt.Errorf("idempotency record: %w", err)
	}
	return resp, nil
}

func (k *Key) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.seal)
	if err != nil {
		return nil, fmt.Errorf("idempotency cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
