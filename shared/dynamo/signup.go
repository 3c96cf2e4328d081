package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/signup"
)

var _ signup.Store = (*Store)(nil)

// idempotencyTTL is how long a stored response can be replayed.
const idempotencyTTL = 24 * time.Hour

type idempotencyItem struct {
	BodyHash  []byte `dynamodbav:"bodyHash"`
	Sealed    []byte `dynamodbav:"sealed"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// Begin reads the proof and, with a key, the stored response, in one BatchGetItem.
func (s *Store) Begin(ctx context.Context, token string, idem *idempotency.Key) (*otp.Challenge, *idempotency.Record, error) {
	var keys []key
	id, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(id))
	}
	if idem != nil {
		for _, id := range idem.IDs() {
			keys = append(keys, idempotencyKey(id))
		}
	}
	if len(keys) == 0 {
		return nil, nil, nil
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("begin signup: %w", err)
	}
	proof, err := decodeProof(items, id, hasProof)
	if err != nil || idem == nil {
		return proof, nil, err
	}
	for _, id := range idem.IDs() {
		if item, ok := items[idempotencyKey(id)]; ok {
			rec, err := decodeIdempotency(id, item)
			return proof, rec, err
		}
	}
	return proof, nil, nil
}

// Replay reads the stored response for a key.
func (s *Store) Replay(ctx context.Context, idem *idempotency.Key) (*idempotency.Record, error) {
	var it idempotencyItem
	if ok, err := s.get(ctx, idempotencyKey(idem.ID), &it, "idempotency record"); !ok || err != nil {
		return nil, err
	}
	return &idempotency.Record{ID: idem.ID, BodyHash: it.BodyHash, Sealed: it.Sealed}, nil
}

func decodeIdempotency(id string, item map[string]types.AttributeValue) (*idempotency.Record, error) {
	var it idempotencyItem
	if err := unmarshal(item, &it); err != nil {
		return nil, fmt.Errorf("decode idempotency record: %w", err)
	}
	return &idempotency.Record{ID: id, BodyHash: it.BodyHash, Sealed: it.Sealed}, nil
}

// Create writes a new account in one transaction: the idempotency record when there is one
// (first, so that a concurrent retry with the same key, which also spent the proof, is told
// apart), the phone claim, the account and its answers and profile items (none for an empty
// profile), the spent proof, the session, the device and the event.
// An email given at signup is unverified contact information on the account: nothing claims it
// (a claim without proof would let anyone squat an address); POST /v1/account/email proves and
// claims one (email.go).
func (s *Store) Create(ctx context.Context, c signup.Creation) error {
	a := c.Account
	t := s.newTx()
	if c.Idem != nil {
		if err := t.putNewItem(idempotencyKey(c.Idem.Key.ID), idempotencyItem{BodyHash: c.Idem.Record.BodyHash,
			Sealed: c.Idem.Record.Sealed, ExpiresAt: a.CreatedAt.Add(idempotencyTTL).Unix()}, signup.ErrReplayed); err != nil {
			return err
		}
	}
	if err := t.putNewItem(phoneClaim(a.Phone), claimItem{AccountID: a.ID, Lang: a.Lang},
		account.FieldError(account.CodePhoneTaken, "verificationToken", "this phone number already has an account")); err != nil {
		return err
	}
	if err := t.putNewItem(accountKey(a.ID), toAccountItem(a), nil); err != nil {
		return err
	}
	if len(a.Answers) > 0 {
		if err := t.putNewItem(answersKey(a.ID), toAnswersItem(a.Answers), nil); err != nil {
			return err
		}
	}
	if p := profileItem(a.Profile); !p.empty() {
		if err := t.putNewItem(profileKey(a.ID), p, nil); err != nil {
			return err
		}
	}
	t.spendProof(c.Proof, c.Account.CreatedAt)
	if err := t.newSession(c.Session); err != nil {
		return err
	}
	if err := t.device(a.ID, c.Device, nil, nil); err != nil {
		return err
	}
	if err := t.event(a.ID, c.Event); err != nil {
		return err
	}
	return t.commit(ctx, "create account")
}
