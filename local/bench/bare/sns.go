//go:build bench_sns

package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// snsClient builds the SNS client a function that sends SMS builds.
func snsClient(cfg aws.Config) any {
	return sns.NewFromConfig(cfg, func(o *sns.Options) {
		if v := os.Getenv("SNS_ENDPOINT"); v != "" {
			o.BaseEndpoint = aws.String(v)
		}
	})
}
