// Command signup is SignupFunction: GET /v1/security-questions lists the question catalogue,
// POST /v1/accounts creates an account from a verified phone. This file only wires; handler.go
// adapts.
package main

import (
	"crypto/rand"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/signup"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	svc := signup.NewService(store, hasher, strength.CheckLoginPassword, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(svc, log).WithTimeout(cfg.RequestTimeout).Handle))
}
