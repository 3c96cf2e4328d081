package faults

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/shared/config/awsenv"
)

// DynamoDB makes a DynamoDB client as the functions make theirs (awsenv: the retry policy, the
// middleware) with the injector installed; pass it to stacktest.NewTable or StackDynamo.
func (i *Injector) DynamoDB(o *dynamodb.Options) {
	o.Retryer = awsenv.NewRetryer(noSleep)
	o.APIOptions = append(append(o.APIOptions, awsenv.APIOptions()...), i.Middleware)
}

// SNS makes an SNS client as the functions make theirs, with the injector installed; pass it to
// stacktest.SNSClient.
func (i *Injector) SNS(o *sns.Options) {
	o.Retryer = awsenv.NewRetryer(noSleep)
	o.APIOptions = append(append(o.APIOptions, awsenv.APIOptions()...), i.Middleware)
}

// noSleep keeps the production retry policy (which errors, how many attempts) but takes out the
// backoff's sleep and the retry quota, so that a test can fail hundreds of calls quickly and
// every one of them gets all its attempts.
func noSleep(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	o.RateLimiter = ratelimit.None
}
