package dynamo

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/deletion"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/phonechange"
)

var _ deletion.Store = (*Store)(nil)

// A pending deletion is the account's deletionDueAt and an entry of the deletion index
// (deletionIndex) holding the account id, written and removed together.
type deletionEntry struct {
	AccountID string `dynamodbav:"accountId"`
}

// DeletionState reads the account with its cards and devices in one Query, then its phone
// changes in another, counting those open at asOf.
func (s *Store) DeletionState(ctx context.Context, accountID string, asOf time.Time) (deletion.State, error) {
	p, err := s.accountWith(ctx, accountID)
	if err != nil || p.account == nil {
		return deletion.State{}, err
	}
	st := deletion.State{Account: p.account, Cards: len(p.cards), Sessions: account.SessionHashes(p.devices)}
	err = s.queryPrefix(ctx, accountKey(accountID).PK, phoneChangePrefix, func(_ string, item map[string]types.AttributeValue) error {
		var it phoneChangeItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode phone change: %w", err)
		}
		open := it.State == string(phonechange.StateAwaitingNew) || it.State == string(phonechange.StatePending)
		if open && it.ExpiresAt > asOf.Unix() {
			st.PhoneChanges++
		}
		return nil
	})
	return st, err
}

// RequestDeletion: see deletion.Store. The account's update bumps its version, so a phone
// change started meanwhile (which writes the account too) and this request cannot both succeed.
func (s *Store) RequestDeletion(ctx context.Context, r deletion.Request) error {
	a := r.Account
	vals := map[string]types.AttributeValue{":due": millis(r.DueAt), ":v": num(a.Version), ":next": num(a.Version + 1),
		":active": str(string(account.StatusActive))}
	set, remove := admitInto(r.Admission, false, []string{"deletionDueAt = :due", "#version = :next"}, nil, vals)
	t := s.newTx().retryable()
	t.addFn(types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:                    aws.String("SET " + strings.Join(set, ", ") + " REMOVE " + strings.Join(remove, ", ")),
		ConditionExpression:                 aws.String("#version = :v AND #status = :active AND attribute_not_exists(deletionDueAt) AND " + admitted),
		ExpressionAttributeNames:            accountNames,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		func(old map[string]types.AttributeValue) error { return admissionOrStale(a, r.Admission, old) })
	if err := t.putNewItem(deletionIndex(a.ID, r.DueAt), deletionEntry{AccountID: a.ID}, nil); err != nil {
		return err
	}
	if err := t.event(a.ID, r.Event); err != nil {
		return err
	}
	return t.commit(ctx, "request deletion")
}

// admissionOrStale answers a failed account condition of a write that admits a payment password:
// the account changed since it was read (account.ErrStale), or the password's lock refused it.
func admissionOrStale(a account.Account, ad paypass.Admission, old map[string]types.AttributeValue) error {
	var it struct {
		Version int64 `dynamodbav:"version"`
	}
	if err := unmarshal(old, &it); err != nil || it.Version != a.Version {
		return account.ErrStale
	}
	return refusal(ad, old)
}

// CancelDeletion: see deletion.Store.
func (s *Store) CancelDeletion(ctx context.Context, a account.Account, ev account.Event) error {
	t := s.newTx().retryable()
	t.update(&types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:         aws.String("SET #version = :next REMOVE deletionDueAt"),
		ConditionExpression:      aws.String("#version = :v AND deletionDueAt = :due"),
		ExpressionAttributeNames: map[string]string{"#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1),
			":due": millis(a.DeletionDueAt)}}, account.ErrStale)
	t.deleteKey(deletionIndex(a.ID, a.DeletionDueAt))
	if err := t.event(a.ID, ev); err != nil {
		return err
	}
	return t.commit(ctx, "cancel deletion")
}

// DueDeletions reads every shard of the deletion index up to asOf: one Query each.
func (s *Store) DueDeletions(ctx context.Context, asOf time.Time) ([]string, error) {
	var ids []string
	for sh := range activityShards {
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table,
			KeyConditionExpression: aws.String("PK = :pk AND SK <= :asOf"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(deletionBucket(sh)),
				":asOf": str(indexTime(asOf) + "#~")}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("query deletions: %w", err)
			}
			for _, item := range page.Items {
				var e deletionEntry
				if err := unmarshal(item, &e); err != nil {
					return nil, fmt.Errorf("decode deletion: %w", err)
				}
				ids = append(ids, e.AccountID)
			}
		}
	}
	return ids, nil
}

// CloseDeleted: see deletion.Store. The closure path's one transaction (ClosureStore.closing),
// on the condition that the deletion is still the one read and the account active and
// unflagged, with the deletion's index entry removed.
func (s *Store) CloseDeleted(ctx context.Context, a account.Account, sessions [][]byte, ev account.Event) error {
	t := s.newTx().retryable()
	sub := closure.Subject{ID: a.ID, Phone: a.Phone, Email: a.Profile.Email, Sessions: sessions, ClosedReason: account.ClosedDeletion}
	err := s.ForClosure().closing(ctx, t, sub, ev, func(u *types.Update) {
		u.UpdateExpression = aws.String(aws.ToString(u.UpdateExpression) + " REMOVE deletionDueAt")
		u.ConditionExpression = aws.String("version = :v AND deletionDueAt = :due AND #status = :active AND " + unblocked)
		maps.Copy(u.ExpressionAttributeValues, map[string]types.AttributeValue{":v": num(a.Version), ":due": millis(a.DeletionDueAt),
			":active": str(string(account.StatusActive)), ":zero": num(0)})
		t.update(u, account.ErrStale)
	})
	if err != nil {
		return err
	}
	t.deleteKey(deletionIndex(a.ID, a.DeletionDueAt))
	return t.commit(ctx, "close deleted account")
}
