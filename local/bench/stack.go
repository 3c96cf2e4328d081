package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/shared/config"
)

// stackFromEnv reads WALLET_STACK_*; the bench must run inside `host test`.
func stackFromEnv() (stack.Endpoints, error) {
	at := stack.EndpointsFromEnv()
	if missing := at.Missing(); len(missing) > 0 {
		return at, fmt.Errorf("%s unset: run through `make bench` (.local/bin/host test -- ...)", strings.Join(missing, ", "))
	}
	return at, nil
}

// streamARN is the stream of the functions' table, which the host names in their environment.
func streamARN(ctx context.Context, at stack.Endpoints) (string, error) {
	d, err := stack.DynamoDB(at.DynamoDB).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(at.Table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", at.Table, err)
	}
	return aws.ToString(d.Table.LatestStreamArn), nil
}

// loadConfig is the configuration a function with env reads (shared/config).
func loadConfig(env map[string]string) (config.Config, error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return config.Config{}, fmt.Errorf("function configuration: %w", err)
	}
	return cfg, nil
}
