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
	"github.com/wallet-accounts/wallet/shared/paypass"
)

var _ paypass.Store = (*Store)(nil)

// payLockoutItem is the payment-password part of an account item.
type payLockoutItem struct {
	Failures    int   `dynamodbav:"payFailures"`
	WindowStart int64 `dynamodbav:"payWindowStart"`
	LockedUntil int64 `dynamodbav:"payLockedUntil"`
}

func (it payLockoutItem) domain() account.Lockout {
	return account.Lockout{Failures: it.Failures, WindowStart: fromMS(it.WindowStart), LockedUntil: fromMS(it.LockedUntil)}
}

// notPayLocked is the condition that no payment-password lock holds at :now (unix ms).
const notPayLocked = "(attribute_not_exists(payLockedUntil) OR payLockedUntil <= :now)"

// RecordPaymentFailure adds one wrong payment password to the count when it began after
// windowFloor, or starts a new count otherwise, unless a lock holds. The two cases are two
// conditional updates; a request that loses a race between them tries again.
func (s *Store) RecordPaymentFailure(ctx context.Context, accountID string, now, windowFloor time.Time) (account.Lockout, error) {
	vals := map[string]types.AttributeValue{":one": num(1), ":now": millis(now), ":floor": millis(windowFloor)}
	add := &dynamodb.UpdateItemInput{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression:          aws.String("ADD payFailures :one"),
		ConditionExpression:       aws.String("payWindowStart > :floor AND " + notPayLocked),
		ExpressionAttributeValues: vals}
	start := &dynamodb.UpdateItemInput{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression: aws.String("SET payFailures = :one, payWindowStart = :now"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(payWindowStart) OR payWindowStart <= :floor) AND " +
			notPayLocked),
		ExpressionAttributeValues: vals}
	for try := 0; try < 3; try++ {
		for _, in := range []*dynamodb.UpdateItemInput{add, start} {
			l, refused, err := s.updatePayLockout(ctx, in)
			if err != nil {
				return account.Lockout{}, fmt.Errorf("record payment failure: %w", err)
			}
			if refused == nil {
				return l, nil
			}
			if len(refused) == 0 {
				return account.Lockout{}, errors.New("record payment failure: no such account")
			}
			if locked, _ := l.Locked(now); locked {
				return l, nil
			}
		}
	}
	return account.Lockout{}, errConflict
}

// LockPayment locks the payment password when its count has reached max.
func (s *Store) LockPayment(ctx context.Context, accountID string, max int, until, now time.Time) (account.Lockout, error) {
	l, _, err := s.updatePayLockout(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: accountKey(accountID).av(),
		UpdateExpression:    aws.String("SET payLockedUntil = :until REMOVE payFailures, payWindowStart"),
		ConditionExpression: aws.String("payFailures >= :max AND " + notPayLocked), // false while absent, which is zero
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": millis(until),
			":max": num(int64(max)), ":now": millis(now)}})
	if err != nil {
		return account.Lockout{}, fmt.Errorf("lock payment password: %w", err)
	}
	return l, nil
}

// AdmitPayment writes a right payment password's admission: see paypass.Admission.
func (s *Store) AdmitPayment(ctx context.Context, a paypass.Admission) error {
	u := admitUpdate(s.table, a)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key,
		UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeValues:           u.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return refusal(a, ccf.Item)
	}
	if err != nil {
		return fmt.Errorf("admit payment password: %w", err)
	}
	return nil
}

// refusal answers a failed admission from the account item as it stood: a lost race when the
// payment password it was rehashing had changed, else the lockout's refusal.
func refusal(a paypass.Admission, old map[string]types.AttributeValue) error {
	var it struct {
		payLockoutItem
		PaymentHash string `dynamodbav:"paymentHash"`
	}
	if err := unmarshal(old, &it); err != nil {
		return fmt.Errorf("decode payment lockout: %w", err)
	}
	if a.Rehash != "" && it.PaymentHash != a.OldHash {
		return errConflict
	}
	return a.Refusal(it.domain())
}

// admitUpdate is the conditional update that admits a right payment password: the count reset
// while no lock holds and fewer than Max failures are counted since Floor. The count is removed,
// not set to zero: the account item does not carry zero counters.
func admitUpdate(table string, a paypass.Admission) *types.Update {
	expr := "REMOVE payFailures, payWindowStart"
	cond := "attribute_exists(PK) AND " + notPayLocked +
		" AND (attribute_not_exists(payFailures) OR payFailures < :max OR payWindowStart <= :floor)"
	vals := map[string]types.AttributeValue{":now": millis(a.Now), ":max": num(int64(a.Max)),
		":floor": millis(a.Floor)}
	if a.Rehash != "" {
		expr = "SET paymentHash = :rehash " + expr
		cond += " AND paymentHash = :oldHash"
		vals[":rehash"], vals[":oldHash"] = str(a.Rehash), str(a.OldHash)
	}
	return &types.Update{TableName: &table, Key: accountKey(a.AccountID).av(), UpdateExpression: &expr,
		ConditionExpression: &cond, ExpressionAttributeValues: vals}
}

// admitInto adds to an update of the account item the admission of a right payment password
// (see admitUpdate): the values of the condition admitted, which the caller adds, and, unless a
// new payment password replaces it, the failure count removed (to remove) and the pepper's
// rehash (to set).
func admitInto(ad paypass.Admission, replaced bool, set, remove []string, vals map[string]types.AttributeValue) ([]string, []string) {
	vals[":admitNow"], vals[":max"], vals[":floor"] = millis(ad.Now), num(int64(ad.Max)), millis(ad.Floor)
	if replaced {
		return set, remove
	}
	remove = append(remove, "payFailures", "payWindowStart")
	if ad.Rehash != "" {
		set = append(set, "paymentHash = :pay")
		vals[":pay"] = str(ad.Rehash)
	}
	return set, remove
}

// admitted is the condition that admits a right payment password (see admitUpdate), over
// :admitNow, :max and :floor.
const admitted = "(attribute_not_exists(payLockedUntil) OR payLockedUntil <= :admitNow)" +
	" AND (attribute_not_exists(payFailures) OR payFailures < :max OR payWindowStart <= :floor)"

// updatePayLockout runs an update and returns the payment lockout after it; when its condition
// refused it, refused is the item as it stood (empty when there is no item) and the lockout is
// decoded from it.
func (s *Store) updatePayLockout(ctx context.Context, in *dynamodb.UpdateItemInput) (l account.Lockout, refused map[string]types.AttributeValue, err error) {
	in.ReturnValues = types.ReturnValueAllNew
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	out, err := s.db.UpdateItem(ctx, in)
	item := map[string]types.AttributeValue{}
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		item, refused = ccf.Item, ccf.Item
		if refused == nil {
			refused = map[string]types.AttributeValue{}
		}
	case err != nil:
		return account.Lockout{}, nil, err
	default:
		item = out.Attributes
	}
	var it payLockoutItem
	if err := unmarshal(item, &it); err != nil {
		return account.Lockout{}, nil, fmt.Errorf("decode payment lockout: %w", err)
	}
	return it.domain(), refused, nil
}
