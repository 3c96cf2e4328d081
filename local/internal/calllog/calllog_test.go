package calllog

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestRequests: what each kind of call the functions make asks of IAM.
func TestRequests(t *testing.T) {
	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=x"
	}
	table := "arn:aws:dynamodb:us-east-1:1:table/T"
	for _, c := range []struct {
		name, service, target, method, path, body string
		want                                      []Request
	}{
		{"query on an index", "dynamodb", "DynamoDB_20120810.Query", "POST", "/",
			`{"TableName":"T","IndexName":"GSI1"}`, []Request{{"DynamoDB.Query", "dynamodb:Query", table + "/index/GSI1"}}},
		{"transaction: each item's action", "dynamodb", "DynamoDB_20120810.TransactWriteItems", "POST", "/",
			`{"TransactItems":[{"Put":{"TableName":"T"}},{"ConditionCheck":{"TableName":"T"}}]}`,
			[]Request{{"DynamoDB.TransactWriteItems", "dynamodb:PutItem", table}, {"DynamoDB.TransactWriteItems", "dynamodb:ConditionCheckItem", table}}},
		{"batch get", "dynamodb", "DynamoDB_20120810.BatchGetItem", "POST", "/",
			`{"RequestItems":{"T":{"Keys":[]}}}`, []Request{{"DynamoDB.BatchGetItem", "dynamodb:BatchGetItem", table}}},
		{"SMS: no ARN", "sns", "", "POST", "/", "Action=Publish&PhoneNumber=%2B8613800000000&Message=x",
			[]Request{{"SNS.Publish", "sns:Publish", ""}}},
		{"topic", "sns", "", "POST", "/", "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At",
			[]Request{{"SNS.Publish", "sns:Publish", "arn:aws:sns:us-east-1:1:t"}}},
		{"email: the sender's domain", "ses", "", "POST", "/v2/email/outbound-emails",
			`{"FromEmailAddress":"Wallet <no-reply@wallet.example>"}`,
			[]Request{{"SESv2.SendEmail", "ses:SendEmail", "arn:aws:ses:us-east-1:1:identity/wallet.example"}}},
		{"another service", "sqs", "", "POST", "/", "Action=SendMessage",
			[]Request{{"sqs.POST /", "sqs:Unrecognised", "*"}}},
	} {
		r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		r.Header.Set("Authorization", auth(c.service))
		if c.target != "" {
			r.Header.Set("X-Amz-Target", c.target)
		}
		if got := Requests(r, []byte(c.body), "us-east-1", "1"); !slices.Equal(got, c.want) {
			t.Errorf("%s: Requests = %v, want %v", c.name, got, c.want)
		}
	}
}
