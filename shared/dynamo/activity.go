package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/activity"
)

var _ activity.Store = (*Store)(nil)

// Activity reads a page of an account's events, newest first, in one strongly consistent query.
// An event id is a ULID, whose text sorts by time: the key condition starts at the first id of
// since's millisecond, so an event past the window is not read even before TTL deletes it.
func (s *Store) Activity(ctx context.Context, accountID string, since time.Time, before string, limit int) ([]activity.Record, error) {
	var first ulid.ULID
	if err := first.SetTime(ulid.Timestamp(since)); err != nil {
		return nil, fmt.Errorf("activity window: %w", err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true), ScanIndexForward: aws.Bool(false),
		Limit:                  aws.Int32(int32(limit)),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountKey(accountID).PK),
			":from": str(eventKey(accountID, first.String()).SK), ":to": str(eventsEnd)}}
	if before != "" {
		in.ExclusiveStartKey = eventKey(accountID, before).av()
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	recs := make([]activity.Record, 0, len(out.Items))
	for _, item := range out.Items {
		var it eventItem
		if err := unmarshal(item, &it); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		recs = append(recs, activity.Record{Event: account.Event{ID: it.EventID, Type: it.Type, At: time.UnixMilli(it.At).UTC(),
			Details: it.Details}, Origin: account.Origin{SourceIP: it.SourceIP, DeviceID: it.DeviceID}})
	}
	return recs, nil
}
