package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/signup"
)

var _ signup.Store = (*Store)(nil)

// idempotencyTTL is how long a stored response can be replayed.
const idempotencyTTL = 24 * time.Hour

// spentProofItem is a signup's proof once spent by a request with an Idempotency-Key: it takes
// the proof's place and keeps the sealed response for a retry, so the record costs no item of
// its own. The retry names the proof again (its body holds the token), which finds the record.
type spentProofItem struct {
	State     string `dynamodbav:"state"` // otp.StateSpent
	IdemID    string `dynamodbav:"idemId"`
	BodyHash  []byte `dynamodbav:"bodyHash"`
	Sealed    []byte `dynamodbav:"sealed"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // unix s; also the TTL
}

// Begin reads the proof the token names. With a key, a proof spent by a request with the same
// key comes with that request's stored response.
func (s *Store) Begin(ctx context.Context, token string, idem *idempotency.Key) (*otp.Challenge, *idempotency.Record, error) {
	id, ok := otp.TokenChallengeID(token)
	if !ok {
		return nil, nil, nil
	}
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: challenge(id).av(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, nil, fmt.Errorf("begin signup: %w", err)
	}
	if res.Item == nil {
		return nil, nil, nil
	}
	if st, _ := res.Item["state"].(*types.AttributeValueMemberS); st != nil && st.Value == string(otp.StateSpent) {
		return spentProof(id, res.Item, idem)
	}
	proof, err := proofOf(id, res.Item)
	return proof, nil, err
}

// spentProof is the proof id as spent, which proves nothing any more, with the response stored
// for idem's key when it is that key's.
func spentProof(id string, item map[string]types.AttributeValue, idem *idempotency.Key) (*otp.Challenge, *idempotency.Record, error) {
	var it spentProofItem
	if err := unmarshal(item, &it); err != nil {
		return nil, nil, fmt.Errorf("decode spent proof: %w", err)
	}
	expires := time.Unix(it.ExpiresAt, 0).UTC()
	proof := &otp.Challenge{ID: id, State: otp.StateSpent, ExpiresAt: expires}
	if idem == nil || !slices.Contains(idem.IDs(), it.IdemID) {
		return proof, nil, nil
	}
	return proof, &idempotency.Record{ID: it.IdemID, BodyHash: it.BodyHash, Sealed: it.Sealed, ExpiresAt: expires}, nil
}

// Create writes a new account in one transaction: the spent proof (first, so that a concurrent
// retry with the same key, which also claimed the phone, is told apart by it), the phone claim,
// the account and its answers and profile items (none for an empty profile), the session and the
// device. The account's insert is its account_created event: no event item. With an
// Idempotency-Key, the spent proof keeps the sealed response.
// An email given at signup is unverified contact information on the account: nothing claims it
// (a claim without proof would let anyone squat an address); POST /v1/account/email proves and
// claims one (email.go).
func (s *Store) Create(ctx context.Context, c signup.Creation) error {
	a := c.Account
	t := s.newTx()
	if err := t.spendSignupProof(c.Proof, c.Idem, a.CreatedAt); err != nil {
		return err
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
	if err := t.newSession(c.Session); err != nil {
		return err
	}
	if err := t.device(a.ID, c.Device, nil, nil); err != nil {
		return err
	}
	return t.commit(ctx, "create account")
}

// spendSignupProof spends the proof as tx.spendProof does; with an Idempotency-Key, by putting
// the spent record with the sealed response in its place.
func (t *tx) spendSignupProof(ch *otp.Challenge, idem *signup.IdemWrite, now time.Time) error {
	if idem == nil {
		t.spendProof(ch, now)
		return nil
	}
	item, err := marshal(challenge(ch.ID), spentProofItem{State: string(otp.StateSpent), IdemID: idem.Record.ID,
		BodyHash: idem.Record.BodyHash, Sealed: idem.Record.Sealed, ExpiresAt: now.Add(idempotencyTTL).Unix()})
	if err != nil {
		return err
	}
	cond := proofSpend(t.s.table, ch, now)
	t.put(&types.Put{TableName: &t.s.table, Item: item, ConditionExpression: cond.ConditionExpression,
		ExpressionAttributeNames: cond.ExpressionAttributeNames, ExpressionAttributeValues: cond.ExpressionAttributeValues}, account.ErrInvalidToken)
	return nil
}
