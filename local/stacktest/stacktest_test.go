package stacktest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"
)

func TestTableName(t *testing.T) {
	name := tableName("TestX/sub case#1")
	if !regexp.MustCompile(`^t-TestX-sub-case-1-[0-9a-f]{12}$`).MatchString(name) {
		t.Errorf("tableName = %q", name)
	}
	if long := tableName(strings.Repeat("a", 400)); len(long) > 255 {
		t.Errorf("tableName is %d characters, over DynamoDB's 255", len(long))
	}
}

func TestNewTableFromTemplate(t *testing.T) {
	calls := &Calls{}
	db, table := NewTable(t, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, calls.Middleware) })
	ctx := context.Background()
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(d.Table.GlobalSecondaryIndexes[0].IndexName) != "GSI1" {
		t.Errorf("indexes = %+v, want GSI1 from template.yaml", d.Table.GlobalSecondaryIndexes)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expiresAt" {
		t.Errorf("TTL = %+v, want expiresAt", ttl.TimeToLiveDescription)
	}

	calls.Reset()
	PutItem(t, db, table, map[string]any{"PK": "RATE#x", "SK": "H1", "n": 3, "secret": "123456"})
	if n := GetNumber(t, db, table, "RATE#x", "H1", "n"); n != 3 {
		t.Errorf("GetNumber = %d, want 3", n)
	}
	if n := GetNumber(t, db, table, "RATE#missing", "H1", "n"); n != 0 {
		t.Errorf("GetNumber of a missing item = %d, want 0", n)
	}
	if items := Scan(t, db, table); len(items) != 1 || items[0]["PK"] != "RATE#x" {
		t.Errorf("Scan = %v", items)
	}
	if got := calls.Count("DynamoDB"); got != 4 {
		t.Errorf("Count(DynamoDB) = %d (%s), want 4: Put, Get, Get, Scan", got, calls)
	}
	if got := calls.Count("DynamoDB.GetItem"); got != 2 {
		t.Errorf("Count(DynamoDB.GetItem) = %d, want 2", got)
	}

	fake := &recordingTB{TB: t}
	AssertNotStored(fake, db, table, "654321", "123456")
	if len(fake.errors) != 1 || !strings.Contains(fake.errors[0], "secret #1") || strings.Contains(fake.errors[0], "123456") {
		t.Errorf("AssertNotStored reported %q, want one report of secret #1 that does not repeat it", fake.errors)
	}
}

// recordingTB keeps Errorf reports instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Helper() {}

// retryOnce fails the first attempt of every operation with a retryable error.
type retryOnce struct {
	mu   sync.Mutex
	seen map[string]bool
}

type retryableErr struct{}

func (retryableErr) Error() string        { return "injected retryable error" }
func (retryableErr) RetryableError() bool { return true }

func (r *retryOnce) middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("retryOnce", func(ctx context.Context,
		in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		key := middleware.GetOperationName(ctx)
		r.mu.Lock()
		first := !r.seen[key]
		r.seen[key] = true
		r.mu.Unlock()
		if first {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, retryableErr{}
		}
		return next.HandleFinalize(ctx, in)
	}), middleware.After)
}

func TestCallsCountsOperationsAndAttempts(t *testing.T) {
	calls, flaky := &Calls{}, &retryOnce{seen: map[string]bool{}}
	client := SNSClient(t, func(o *sns.Options) {
		o.APIOptions = append(o.APIOptions, calls.Middleware, flaky.middleware)
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
	if _, err := client.ListTopics(context.Background(), &sns.ListTopicsInput{}); err != nil {
		t.Fatal(err)
	}
	if calls.Count("SNS") != 1 || calls.Attempts("SNS") != 2 || calls.Total() != 1 {
		t.Errorf("operations %d attempts %d total %d, want 1, 2 (one retry), 1: %s",
			calls.Count("SNS"), calls.Attempts("SNS"), calls.Total(), calls)
	}
	calls.Reset()
	if calls.Total() != 0 || calls.Attempts("SNS") != 0 {
		t.Errorf("after Reset: %s", calls)
	}
}

func TestSMSThroughMoto(t *testing.T) {
	to := fmt.Sprintf("+861380013%04d", time.Now().UnixNano()%10000)
	before := len(SMSTo(t, to))
	client := SNSClient(t)
	for i := range 2 {
		_, err := client.Publish(context.Background(), &sns.PublishInput{
			PhoneNumber: aws.String(to), Message: aws.String(fmt.Sprintf("code %d", i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := WaitSMS(t, to, before+1, 5*time.Second); m.Text != "code 1" || m.To != to || m.MessageID == "" {
		t.Errorf("WaitSMS = %+v, want the second SMS", m)
	}
}

func TestConfigReadsTheStack(t *testing.T) {
	s := Config(t)
	if !strings.HasPrefix(s.API, "http://127.0.0.1:") || s.Table == "" || s.Logs == "" {
		t.Errorf("stack = %+v", s)
	}
	_, err := StackDynamo(t).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(s.Table)})
	if err != nil {
		t.Errorf("the functions' table %s: %v", s.Table, err)
	}
	_ = FunctionLogs(t)
}

// TestContainsSecret: a secret of digits is found as a word of its own only, not inside a
// timestamp, a hex id or a hash; any other secret is found wherever it is.
func TestContainsSecret(t *testing.T) {
	for _, tc := range []struct {
		text, secret string
		want         bool
	}{
		{`"pin":"295071"`, "295071", true},
		{`code 295071 is`, "295071", true},
		{"claimId\x00295071\x00", "295071", true},
		{`"at":1795295071123`, "295071", false},
		{`"time":"2026-11-22T00:03:03.848295071Z"`, "295071", false},
		{`a295071`, "295071", false},
		{"claimId\x009f295071c0e1\x00", "295071", false},
		{`token abc.DEF`, "abc.DEF", true},
		{`xabc.DEFx`, "abc.DEF", true},
		{`nothing`, "", false},
	} {
		if got := ContainsSecret(tc.text, tc.secret); got != tc.want {
			t.Errorf("ContainsSecret(%q, %q) = %v", tc.text, tc.secret, got)
		}
	}
}
