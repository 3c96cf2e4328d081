//go:build bench_sesv2

package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// sesClient builds the SES v2 client a function that sends email builds.
func sesClient(cfg aws.Config) any {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if v := os.Getenv("SES_ENDPOINT"); v != "" {
			o.BaseEndpoint = aws.String(v)
		}
	})
}
