package faults

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"time"
)

// TestInjectedFailuresLookReal: each kind reaches the caller as the SDK's own typed error after
// every attempt the production retry policy makes (one for a cancelled transaction, which the
// SDK does not retry), is marked account.ErrUnavailable by awsenv's middleware, and fails only
// the armed call: the ones around it reach DynamoDB Local.
func TestInjectedFailuresLookReal(t *testing.T) {
	inj := &Injector{}
	db, table := stacktest.NewTable(t, inj.DynamoDB)
	ctx := context.Background()
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "RATE#x"}, "SK": &types.AttributeValueMemberS{Value: "H1"}}
	get := func() error {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key})
		return err
	}
	tx := func() error {
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(table), Item: key}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(PK)"),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "RATE#y"}, "SK": &types.AttributeValueMemberS{Value: "H1"}}}},
		}})
		return err
	}
	for _, tc := range []struct {
		kind     Kind
		op       string
		call     func() error
		want     func(error) bool
		attempts int
	}{
		{Throttle, "GetItem", get, isType[*types.ProvisionedThroughputExceededException], awsenv.MaxAttempts},
		{ServerError, "GetItem", get, isType[*types.InternalServerError], awsenv.MaxAttempts},
		{Timeout, "GetItem", get, isType[*smithyhttp.RequestSendError], awsenv.MaxAttempts},
		{Throttle, "TransactWriteItems", tx, isType[*types.ProvisionedThroughputExceededException], awsenv.MaxAttempts},
		{TransactionThrottled, "TransactWriteItems", tx, func(err error) bool {
			var tce *types.TransactionCanceledException
			return errors.As(err, &tce) && len(tce.CancellationReasons) == 2 && aws.ToString(tce.CancellationReasons[0].Code) == "ThrottlingError"
		}, 1},
	} {
		inj.Arm(2, tc.kind)
		if err := get(); err != nil {
			t.Fatalf("%s: the call before the armed one must go through: %v", tc.kind, err)
		}
		err := tc.call()
		if !tc.want(err) || !errors.Is(err, account.ErrUnavailable) {
			t.Errorf("%s: got %v (%T), want the SDK's typed error marked unavailable", tc.kind, err, errors.Unwrap(err))
		}
		if got := inj.FailedAttempts(); got != tc.attempts {
			t.Errorf("%s: %d attempts failed, want %d", tc.kind, got, tc.attempts)
		}
		if err := get(); err != nil {
			t.Errorf("%s: the call after the armed one must go through: %v", tc.kind, err)
		}
		if calls := inj.Calls(); len(calls) != 3 || calls[1] != "DynamoDB."+tc.op {
			t.Errorf("%s: calls %v", tc.kind, calls)
		}
	}
	inj.Arm(1, TransactionThrottled)
	if err := get(); err != nil {
		t.Errorf("tx-throttled must leave other calls alone: %v", err)
	}
}

func TestInjectedSNSFailures(t *testing.T) {
	inj := &Injector{}
	client := stacktest.SNSClient(t, inj.SNS)
	publish := func() error {
		_, err := client.Publish(context.Background(), &sns.PublishInput{PhoneNumber: aws.String("+8613700000000"), Message: aws.String("x")})
		return err
	}
	for _, tc := range []struct {
		kind Kind
		want func(error) bool
	}{
		{Throttle, func(err error) bool {
			var api smithy.APIError
			return errors.As(err, &api) && api.ErrorCode() == "Throttling"
		}},
		{ServerError, isType[*snstypes.InternalErrorException]},
		{Timeout, isType[*smithyhttp.RequestSendError]},
	} {
		inj.Arm(1, tc.kind)
		err := publish()
		if !tc.want(err) || !errors.Is(err, account.ErrUnavailable) || inj.FailedAttempts() != awsenv.MaxAttempts {
			t.Errorf("%s: %v after %d attempts", tc.kind, err, inj.FailedAttempts())
		}
	}
	inj.Reset()
	if err := publish(); err != nil {
		t.Errorf("disarmed: %v", err)
	}
}

// TestWrongRequestsAreNotUnavailable: what the caller got wrong is not marked unavailable.
func TestWrongRequestsAreNotUnavailable(t *testing.T) {
	inj := &Injector{}
	db, table := stacktest.NewTable(t, inj.DynamoDB)
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table + "-missing"),
		Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}, "SK": &types.AttributeValueMemberS{Value: "y"}}})
	if err == nil || errors.Is(err, account.ErrUnavailable) {
		t.Errorf("a missing table: %v", err)
	}
	_, err = db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("attribute_exists(PK)"),
		Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}, "SK": &types.AttributeValueMemberS{Value: "y"}}})
	if !isType[*types.ConditionalCheckFailedException](err) || errors.Is(err, account.ErrUnavailable) {
		t.Errorf("a failed condition: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err == nil || errors.Is(err, account.ErrUnavailable) {
		t.Errorf("a cancelled context: %v", err)
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestAFailedCallAnswersWithinTheBudget: with the production backoff (not the suite's no-sleep
// one), a DynamoDB call throttled on every attempt reaches the flow, marked unavailable, in a
// fraction of a second, so the request answers 503 long before REQUEST_TIMEOUT. The SDK's default
// backoff waited about 3 s here on average (up to 6).
func TestAFailedCallAnswersWithinTheBudget(t *testing.T) {
	inj := &Injector{}
	db, table := stacktest.NewTable(t, func(o *dynamodb.Options) {
		inj.DynamoDB(o)
		o.Retryer = awsenv.NewRetryer(func(so *retry.StandardOptions) { so.RateLimiter = ratelimit.None })
	})
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "RATE#x"}, "SK": &types.AttributeValueMemberS{Value: "H1"}}
	for range 5 {
		inj.Arm(1, Throttle)
		start := time.Now()
		_, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key})
		took := time.Since(start)
		inj.Reset()
		if !errors.Is(err, account.ErrUnavailable) {
			t.Fatalf("a throttled call: %v", err)
		}
		if took > time.Second {
			t.Fatalf("a call throttled on all %d attempts took %v, want well under a second", awsenv.MaxAttempts, took)
		}
	}
}
