//go:build !bench_sesv2

package main

import "github.com/aws/aws-sdk-go-v2/aws"

// sesClient is nil for a function that does not link SES.
func sesClient(aws.Config) any { return nil }
