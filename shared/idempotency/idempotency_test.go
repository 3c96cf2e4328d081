package idempotency

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
)

var pepper = keyring(keyOf("1", 7))

func keyOf(id string, b byte) secret.Key {
	k, err := secret.NewKey(id, bytes.Repeat([]byte{b}, 32))
	if err != nil {
		panic(err)
	}
	return k
}

func keyring(current secret.Key, previous ...secret.Key) secret.Keyring {
	r, err := secret.NewKeyring(current, previous...)
	if err != nil {
		panic(err)
	}
	return r
}

// TestReplayAfterRotation: a record made before the pepper was rotated is found (its id is among
// the look-up's) and opened; a new record goes under the new pepper's id.
func TestReplayAfterRotation(t *testing.T) {
	k, _ := Derive(pepper, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":1}`))
	rec, _ := k.Seal(Response{Body: []byte(`{"sessionToken":"s3cr3t-token"}`)}, rand.Reader)
	rotated := keyring(keyOf("2", 9), keyOf("1", 7))
	again, _ := Derive(rotated, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":1}`))
	if ids := again.IDs(); len(ids) != 2 || ids[0] == rec.ID || ids[1] != rec.ID {
		t.Fatalf("the look-up must try the new id first, then the old record's: %v vs %s", ids, rec.ID)
	}
	resp, err := again.Replay(rec)
	if err != nil || string(resp.Body) != `{"sessionToken":"s3cr3t-token"}` {
		t.Fatalf("replay across a rotation: %s %v", resp.Body, err)
	}
	other, _ := Derive(rotated, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":2}`))
	if _, err := other.Replay(rec); !account.Is(err, account.CodeIdempotencyReuse) {
		t.Fatalf("another body across a rotation: %v", err)
	}
	if fresh, _ := again.Seal(Response{Body: []byte(`{}`)}, rand.Reader); fresh.ID != again.ID {
		t.Fatal("a new record must be stored under the current pepper's id")
	}
}

func TestReplaySameBody(t *testing.T) {
	k, err := Derive(pepper, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":1}`))
	if err != nil || k == nil {
		t.Fatal(err)
	}
	rec, err := k.Seal(Response{Body: []byte(`{"sessionToken":"s3cr3t-token"}`)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Sealed, []byte("s3cr3t-token")) {
		t.Fatal("the response is stored in clear")
	}
	again, _ := Derive(pepper, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":1}`))
	resp, err := again.Replay(rec)
	if err != nil || string(resp.Body) != `{"sessionToken":"s3cr3t-token"}` {
		t.Fatalf("%+v %v", resp, err)
	}
}

// TestReplayRecordWithStatus opens a record sealed when Response still had a Status: the stored
// "status" is ignored and the body replayed.
func TestReplayRecordWithStatus(t *testing.T) {
	k, _ := Derive(pepper, "POST /v1/accounts", "key-0001-abcdef", []byte(`{"a":1}`))
	aead, err := k.aead()
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	old := []byte(`{"status":201,"body":{"accountId":"01J","sessionToken":"s3cr3t-token"}}`)
	rec := Record{BodyHash: k.BodyHash, Sealed: aead.Seal(nonce, nonce, old, []byte(k.ID))}
	resp, err := k.Replay(rec)
	if err != nil || string(resp.Body) != `{"accountId":"01J","sessionToken":"s3cr3t-token"}` {
		t.Fatalf("%s %v", resp.Body, err)
	}
}

func TestOtherBodyIsAConflict(t *testing.T) {
	k, _ := Derive(pepper, "s", "key-0001-abcdef", []byte(`{"a":1}`))
	rec, _ := k.Seal(Response{Body: []byte(`{}`)}, rand.Reader)
	other, _ := Derive(pepper, "s", "key-0001-abcdef", []byte(`{"a":2}`))
	if _, err := other.Replay(rec); !account.Is(err, account.CodeIdempotencyReuse) {
		t.Fatalf("got %v", err)
	}
}

func TestKeysAreScopedAndOpaque(t *testing.T) {
	a, _ := Derive(pepper, "POST /v1/accounts", "key-0001-abcdef", nil)
	b, _ := Derive(pepper, "POST /v1/bank-cards", "key-0001-abcdef", nil)
	if a.ID == b.ID || bytes.Contains([]byte(a.ID), []byte("key-0001")) {
		t.Fatal("ids must differ per scope and not contain the raw key")
	}
	rec, _ := a.Seal(Response{Body: []byte(`{}`)}, rand.Reader)
	wrongKey, _ := Derive(pepper, "POST /v1/accounts", "key-0002-abcdef", nil)
	if _, err := wrongKey.Replay(rec); err == nil {
		t.Fatal("another key must not open the record")
	}
}

func TestMalformedKeys(t *testing.T) {
	if k, err := Derive(pepper, "s", "", nil); k != nil || err != nil {
		t.Fatal("no key means no idempotency")
	}
	for _, raw := range []string{"short", "has space in it", string(bytes.Repeat([]byte("a"), 129)), "ünïcode-key"} {
		if _, err := Derive(pepper, "s", raw, nil); !account.Is(err, account.CodeInvalidField) {
			t.Errorf("%q: %v", raw, err)
		}
	}
}
