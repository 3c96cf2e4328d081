package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/otp"
)

var _ freeze.Store = (*Store)(nil)

// freezeTokenItem is a one-time freeze token: only its hash is in the key.
type freezeTokenItem struct {
	AccountID string `dynamodbav:"accountId"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // unix s; also the TTL
}

// PutFreezeToken stores a new freeze token (its hash, freeze.TokenHash) for an account.
func (s *Store) PutFreezeToken(ctx context.Context, accountID string, hash []byte, expiresAt time.Time) error {
	item, err := marshal(freezeTokenKey(hash), freezeTokenItem{AccountID: accountID, ExpiresAt: expiresAt.Unix()})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		return fmt.Errorf("put freeze token: %w", err)
	}
	return nil
}

// FreezeToken reads a freeze token by its hash; nil when there is none.
func (s *Store) FreezeToken(ctx context.Context, hash []byte) (*freeze.Token, error) {
	var it freezeTokenItem
	if ok, err := s.get(ctx, freezeTokenKey(hash), &it, "freeze token"); !ok || err != nil {
		return nil, err
	}
	return &freeze.Token{Hash: hash, AccountID: it.AccountID, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}

// FreezeState reads the account and its devices with one strongly consistent query.
func (s *Store) FreezeState(ctx context.Context, accountID string) (freeze.State, error) {
	p, err := s.accountWith(ctx, accountID)
	return freeze.State{Account: p.account, Devices: p.devices}, err
}

// Freeze writes a freeze in one transaction: the account (conditional on its version and on being
// active; else account.ErrStale), the event, the spent proof or freeze token, then the sessions.
func (s *Store) Freeze(ctx context.Context, f freeze.Freezing) error {
	a := f.Account
	t := s.newTx().retryable()
	t.update(s.activeUpdate(a, "#status = :frozen", "", map[string]types.AttributeValue{":frozen": str(string(account.StatusFrozen))}),
		account.ErrStale)
	if err := t.event(a.ID, f.Event); err != nil {
		return err
	}
	s.spendCredential(t, a.ID, f.Proof, f.Token, f.Now)
	if r := f.Report; r != nil {
		if !r.Creation { // the account, written here on its version, is the creation's record
			t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: eventKey(a.ID, r.EventID).av(),
				ConditionExpression:       aws.String("attribute_exists(PK) AND #at >= :since"),
				ExpressionAttributeNames:  map[string]string{"#at": EventAttrAt},
				ExpressionAttributeValues: map[string]types.AttributeValue{":since": num(ms(r.Since))}}}, freeze.ErrNoEvent)
		}
		if err := t.event(a.ID, r.Event); err != nil {
			return err
		}
	}
	t.endSessions(f.Sessions, nil)
	return t.commit(ctx, "freeze")
}

// SpendCredential spends a freeze's proof or token on its own: see freeze.Store.
func (s *Store) SpendCredential(ctx context.Context, accountID string, proof *otp.Challenge, tok *freeze.Token, now time.Time) error {
	t := s.newTx().retryable()
	s.spendCredential(t, accountID, proof, tok, now)
	return t.commit(ctx, "spend freeze credential")
}

// spendCredential adds the spending of the freeze code's proof or of the freeze token.
func (s *Store) spendCredential(t *tx, accountID string, proof *otp.Challenge, tok *freeze.Token, now time.Time) {
	switch {
	case proof != nil:
		t.spendProof(proof, now)
	case tok != nil:
		t.del(&types.Delete{TableName: &s.table, Key: freezeTokenKey(tok.Hash).av(),
			ConditionExpression:       aws.String("accountId = :id AND expiresAt > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(accountID), ":now": epoch(now)}}, freeze.ErrInvalidToken)
	}
}

// batchWriteMax is the most requests one BatchWriteItem takes.
const batchWriteMax = 25

// EndSessions deletes sessions, 25 to a BatchWriteItem, retrying what DynamoDB leaves unprocessed.
func (s *Store) EndSessions(ctx context.Context, hashes [][]byte) error {
	for len(hashes) > 0 {
		n := min(len(hashes), batchWriteMax)
		reqs := make([]types.WriteRequest, n)
		for i, h := range hashes[:n] {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: sessionKey(h).av()}}
		}
		hashes = hashes[n:]
		for try := 0; len(reqs) > 0; try++ {
			if try == 5 {
				return errors.New("end sessions: requests left unprocessed")
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
			if err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
			reqs = out.UnprocessedItems[s.table]
		}
	}
	return nil
}
