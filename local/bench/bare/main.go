// Command bare is the cold-start baseline (budget: 1.2x): an aws-lambda-go function, built the way
// the functions are, that builds the SDK clients a function builds and nothing else. Its handler
// answers every event with an empty 200.
//
// Build tags add what a particular function links, so that each function is compared with a
// baseline of its own:
//
//	bench_sns           an SNS client too (the function links service/sns)
//	bench_sesv2         an SES v2 client too (the function links service/sesv2)
//	bench_phonenumbers  a blank import of github.com/nyaruka/phonenumbers
//	bench_zxcvbn        a blank import of github.com/ccojocar/zxcvbn-go
//	bench_webauthn      a blank import of github.com/go-webauthn/webauthn/webauthn
//
// The last three make "bare + mandated libraries": libraries the project chose that parse their
// data in package init, which a Go program cannot defer, so only a baseline that links them too
// isolates the cost of our own code.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "load aws config:", err)
		os.Exit(1)
	}
	clients := []any{dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if v := os.Getenv("DYNAMODB_ENDPOINT"); v != "" {
			o.BaseEndpoint = aws.String(v)
		}
	})}
	if c := snsClient(cfg); c != nil {
		clients = append(clients, c)
	}
	if c := sesClient(cfg); c != nil {
		clients = append(clients, c)
	}
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		_ = clients // built at init, like a function's; the baseline uses none
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}, nil
	})
}
