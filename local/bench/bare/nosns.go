//go:build !bench_sns

package main

import "github.com/aws/aws-sdk-go-v2/aws"

// snsClient is nil for a function that does not link SNS.
func snsClient(aws.Config) any { return nil }
