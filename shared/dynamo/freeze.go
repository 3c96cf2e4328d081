package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/freeze"
)

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

// FreezeState reads the account and its devices with one strongly consistent query over the
// sort keys from ACCOUNT to the last DEVICE# (the cards in between are read and skipped).
func (s *Store) FreezeState(ctx context.Context, accountID string) (freeze.State, error) {
	acct := accountKey(accountID)
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(acct.PK), ":from": str(acct.SK),
			":to": str(strings.TrimSuffix(devicePrefix, "#") + "$")}})
	var st freeze.State
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return st, fmt.Errorf("query account: %w", err)
		}
		for _, item := range page.Items {
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
			case sk.Value == acct.SK:
				var it accountItem
				if err := unmarshal(item, &it); err != nil {
					return st, fmt.Errorf("decode account: %w", err)
				}
				a := it.domain()
				st.Account = &a
			case strings.HasPrefix(sk.Value, devicePrefix):
				var it deviceItem
				if err := unmarshal(item, &it); err != nil {
					return st, fmt.Errorf("decode device: %w", err)
				}
				st.Devices = append(st.Devices, it.domain(strings.TrimPrefix(sk.Value, devicePrefix)))
			}
		}
	}
	return st, nil
}

// Freeze writes a freeze in one transaction. Items, in this order so a cancellation reason maps
// back: the account (conditional on its version and on being active), the event, the spent
// proof or freeze token, then the sessions.
func (s *Store) Freeze(ctx context.Context, f freeze.Freezing) error {
	a := f.Account
	ev, err := marshal(eventKey(a.ID, f.Event.ID), toEventItem(a.ID, f.Event, s.eventTTL))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
			UpdateExpression:         aws.String("SET #status = :frozen, #version = :next"),
			ConditionExpression:      aws.String("#version = :v AND #status = :active"),
			ExpressionAttributeNames: accountNames,
			ExpressionAttributeValues: map[string]types.AttributeValue{":frozen": str(string(account.StatusFrozen)),
				":active": str(string(account.StatusActive)), ":v": num(a.Version), ":next": num(a.Version + 1)}}},
		putNew(s.table, ev),
	}
	spentAt := -1
	switch {
	case f.Proof != nil:
		spentAt = len(items)
		items = append(items, s.spendProof(f.Proof, f.Now))
	case f.Token != nil:
		spentAt = len(items)
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: freezeTokenKey(f.Token.Hash).av(),
			ConditionExpression:       aws.String("accountId = :id AND expiresAt > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(a.ID), ":now": epoch(f.Now)}}})
	}
	for _, h := range f.Sessions {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(h).av()}})
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	switch {
	case !ok:
		return fmt.Errorf("freeze: %w", err)
	case failed(rs, 0), conflicted(rs):
		return freeze.ErrStale
	case spentAt >= 0 && failed(rs, spentAt) && f.Proof != nil:
		return account.FieldError(account.CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")
	case spentAt >= 0 && failed(rs, spentAt):
		return account.FieldError(account.CodeInvalidFreezeToken, "freezeToken", "the freeze link is not valid or has expired")
	}
	return fmt.Errorf("freeze: %w", err)
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
