package dynamo

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
)

var _ alert.Store = (*Store)(nil)

// alertsItem is the stored form of account.AlertSettings, the attribute "alerts" of the account
// item; absent while the settings are the defaults.
type alertsItem struct {
	LargeTxAmount   string `dynamodbav:"largeTxAmount,omitempty"`
	LargeTxCurrency string `dynamodbav:"largeTxCurrency,omitempty"`
	Night           bool   `dynamodbav:"night"`
	NightStart      string `dynamodbav:"nightStart,omitempty"`
	NightEnd        string `dynamodbav:"nightEnd,omitempty"`
	TimeZone        string `dynamodbav:"timeZone,omitempty"`
}

func toAlertsItem(s account.AlertSettings) *alertsItem {
	if s == (account.AlertSettings{}) {
		return nil
	}
	n := s.Nighttime
	it := &alertsItem{Night: n.Enabled, NightStart: n.Start, NightEnd: n.End, TimeZone: n.TimeZone}
	if t := s.LargeTransaction; t != nil {
		it.LargeTxAmount, it.LargeTxCurrency = t.Amount, t.Currency
	}
	return it
}

func (it *alertsItem) domain() account.AlertSettings {
	if it == nil {
		return account.AlertSettings{}
	}
	s := account.AlertSettings{Nighttime: account.Nighttime{Enabled: it.Night, Start: it.NightStart, End: it.NightEnd, TimeZone: it.TimeZone}}
	if it.LargeTxAmount != "" {
		s.LargeTransaction = &account.Money{Amount: it.LargeTxAmount, Currency: it.LargeTxCurrency}
	}
	return s
}

// SaveAlertSettings writes an account's alert settings in one UpdateItem, conditional on the
// version read and on the account being active; it records activity in the same write (at most
// once a day). With ev (protection_weakened) the update and the event are one transaction. It
// fails with account.ErrStale when the account changed.
func (s *Store) SaveAlertSettings(ctx context.Context, a account.Account, set account.AlertSettings, now time.Time, ev *account.Event) error {
	u, err := s.alertSettingsUpdate(a, set, now)
	if err != nil {
		return err
	}
	return s.updateWithEvent(ctx, u, a.ID, ev, "save alert settings")
}

// alertSettingsUpdate is the update of SaveAlertSettings.
func (s *Store) alertSettingsUpdate(a account.Account, set account.AlertSettings, now time.Time) (*types.Update, error) {
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1),
		":active": str(string(account.StatusActive))}
	sets, removes := []string{"#version = :next"}, []string(nil)
	if it := toAlertsItem(set); it != nil {
		av, err := attributevalue.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode alert settings: %w", err)
		}
		sets, vals[":alerts"] = append(sets, "alerts = :alerts"), av
	} else {
		removes = append(removes, "alerts")
	}
	if !ActiveToday(a.LastActiveAt, now) {
		set, remove, av := activityUpdate(a.ID, now)
		sets, removes = append(sets, set), append(removes, remove)
		maps.Copy(vals, av)
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	return &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(), UpdateExpression: aws.String(expr),
		ConditionExpression: aws.String("#version = :v AND #status = :active"), ExpressionAttributeNames: accountNames,
		ExpressionAttributeValues: vals}, nil
}

// PhoneChangeNumbers reads the numbers of a phone change by its full id (strongly consistent);
// nil when the id is malformed or there is no such change.
func (s *Store) PhoneChangeNumbers(ctx context.Context, changeID string) (*alert.Numbers, error) {
	k, ok := changeKeyOf(changeID)
	if !ok {
		return nil, nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k.av(), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("oldPhone, newPhone")})
	if err != nil {
		return nil, fmt.Errorf("get phone change: %w", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	var it phoneChangeItem
	if err := unmarshal(out.Item, &it); err != nil {
		return nil, fmt.Errorf("decode phone change: %w", err)
	}
	return &alert.Numbers{OldPhone: it.OldPhone, NewPhone: it.NewPhone}, nil
}

// The states of a sent-marker.
const (
	markerSending = "sending"
	markerSent    = "sent"
)

// markerItem is a sent-marker (ACCOUNT#<id> / SENT#<alertId>#<role>). It has no itemType, so
// the stream's filter never passes it to AlertFunction.
type markerItem struct {
	State      string `dynamodbav:"state"`
	ClaimID    string `dynamodbav:"claimId"`
	ClaimedAt  int64  `dynamodbav:"claimedAt"`
	LeaseUntil int64  `dynamodbav:"leaseUntil"`
	SentAt     int64  `dynamodbav:"sentAt,omitempty"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"` // unix s; the TTL
}

var markerNames = map[string]string{"#state": "state"}

// ClaimAlert claims one SMS of an alert in one transaction: the marker (absent, or still sending
// after its lease), the daily SMS budget (charged by one, below its Max), the freeze token when
// there is one.
func (s *Store) ClaimAlert(ctx context.Context, c alert.Claim) error {
	marker, err := marshal(sentMarker(c.AccountID, c.AlertID, string(c.Role)), markerItem{State: markerSending, ClaimID: c.ClaimID,
		ClaimedAt: ms(c.Now), LeaseUntil: ms(c.LeaseUntil), ExpiresAt: c.ExpiresAt.Unix()})
	if err != nil {
		return err
	}
	t := s.newTx().onConflict(alert.ErrInFlight)
	t.addFn(types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: marker,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR (#state = :sending AND leaseUntil < :now)"),
		ExpressionAttributeNames:            markerNames,
		ExpressionAttributeValues:           map[string]types.AttributeValue{":sending": str(markerSending), ":now": millis(c.Now)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		func(old map[string]types.AttributeValue) error {
			var it markerItem
			if err := unmarshal(old, &it); err != nil {
				return fmt.Errorf("decode sent-marker: %w", err)
			}
			if it.State == markerSent {
				return alert.ErrSent
			}
			return alert.ErrInFlight
		})
	t.update(charge(s.table, c.Budget, 1), &ratelimit.LimitError{Counter: c.Budget})
	if c.Token != nil {
		if err := t.putNewItem(freezeTokenKey(c.Token.Hash), freezeTokenItem{AccountID: c.AccountID, ExpiresAt: c.Token.ExpiresAt.Unix()}, nil); err != nil {
			return err
		}
	}
	return t.commit(ctx, "claim alert")
}

// AlertSent marks a claim sent, if it is still this claim.
func (s *Store) AlertSent(ctx context.Context, c alert.Claim, at time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table,
		Key:                       sentMarker(c.AccountID, c.AlertID, string(c.Role)).av(),
		UpdateExpression:          aws.String("SET #state = :sent, sentAt = :at"),
		ConditionExpression:       aws.String("claimId = :id"),
		ExpressionAttributeNames:  markerNames,
		ExpressionAttributeValues: map[string]types.AttributeValue{":sent": str(markerSent), ":at": millis(at), ":id": str(c.ClaimID)}})
	if err != nil {
		return fmt.Errorf("mark alert sent: %w", err)
	}
	return nil
}

// ReleaseAlert undoes a claim whose SMS did not go out, in one transaction: the marker (while it
// is still this claim, unsent), the budget's charge, the freeze token.
func (s *Store) ReleaseAlert(ctx context.Context, c alert.Claim) error {
	t := s.newTx()
	t.del(&types.Delete{TableName: &s.table, Key: sentMarker(c.AccountID, c.AlertID, string(c.Role)).av(),
		ConditionExpression:       aws.String("claimId = :id AND #state = :sending"),
		ExpressionAttributeNames:  markerNames,
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(c.ClaimID), ":sending": str(markerSending)}}, nil)
	t.update(charge(s.table, c.Budget, -1), nil)
	if c.Token != nil {
		t.deleteKey(freezeTokenKey(c.Token.Hash))
	}
	return t.commit(ctx, "release alert claim")
}
