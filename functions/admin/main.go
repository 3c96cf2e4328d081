// Command admin is AdminFunction: customer service on the internal API (AWS_IAM): look an
// account up, freeze, unfreeze, sign out, set flags, close, and the audit trail. This file only
// wires; handler.go adapts.
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
	h := newHandler(store, account.SystemClock{}, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(h, log).WithTimeout(cfg.RequestTimeout).Handle))
}
