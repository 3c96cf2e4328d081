// Command verification is VerificationFunction: identity verification. The holder opens a case
// and reads its state; a webhook vendor's signed decision arrives at the callback. This file only
// wires; wire.go builds, handler.go adapts, webhook.go is the webhook provider.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	h := newHandler(store, providerFor(cfg, account.SystemClock{}), account.SystemClock{}, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(h, log).WithTimeout(cfg.RequestTimeout).Handle))
}
