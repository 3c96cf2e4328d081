// Package awsenv loads the AWS SDK configuration every function shares. It is apart from config
// so that flows can read settings without linking the SDK.
package awsenv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Load reads region and credentials from the Lambda environment, with the retry policy every
// client shares: a few quick retries, then the error goes to the flow, which answers 503 rather
// than hold a client for seconds.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
	}))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	return cfg, nil
}
