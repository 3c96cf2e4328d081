// Command signup is SignupFunction: GET /v1/security-questions lists the question catalogue,
// POST /v1/accounts creates an account from a verified phone. This file only wires; handler.go
// adapts.
package main

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/signup"
)

func main() {
	log := logging.New(os.Stdout, logging.ParseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")))
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fatal(log, "config", err)
	}
	awsCfg, err := awsenv.Load(context.Background())
	if err != nil {
		fatal(log, "aws config", err)
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	svc := signup.NewService(store, hasher, strength.CheckLoginPassword, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(newRouter(svc, log).Handle)
}

func fatal(log *slog.Logger, what string, err error) {
	log.Error("init failed", "step", what, "err", err)
	os.Exit(1)
}
