// Command otp is OtpFunction: POST /v1/otp sends a purpose-bound code, POST /v1/otp/verify turns
// the right code into a verification token. This file only wires; handler.go adapts.
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
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/sms"
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
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName)
	send := courier.New(sms.New(sms.NewSNS(awsCfg, cfg.SNSEndpoint), cfg.SMSSenderID))
	svc := otp.NewService(store, send, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(newRouter(svc, log).Handle)
}

func fatal(log *slog.Logger, what string, err error) {
	log.Error("init failed", "step", what, "err", err)
	os.Exit(1)
}
