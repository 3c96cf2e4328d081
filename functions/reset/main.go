// Command reset is ResetFunction: forgot login password (by code, or without SMS), payment
// password reset and verification. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	svc := reset.NewService(store, hasher, strength.CheckLoginPassword, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(newRouter(svc, log).Handle)
}
