// Command phonechange is PhoneChangeFunction: start a change of the bound phone number, confirm
// the new number, cancel. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	clock := account.SystemClock{}
	sessions := session.NewService(store, hasher, clock, rand.Reader, cfg, log)
	changes := phonechange.NewService(store, hasher, clock, rand.Reader, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(sessions, changes, log).WithTimeout(cfg.RequestTimeout).Handle))
}
