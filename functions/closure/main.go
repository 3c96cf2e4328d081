// Command closure is ClosureFunction: on a daily EventBridge schedule it warns accounts idle for
// 11 months and closes those idle for 12 (shared/closure). This file only wires; handler.go adapts.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/sms"
)

func main() {
	log := logging.New(os.Stdout, logging.ParseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")))
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fatal(log, "config", err)
	}
	if cfg.AccountEventsTopicARN == "" {
		fatal(log, "config", errors.New("ACCOUNT_EVENTS_TOPIC_ARN is required"))
	}
	awsCfg, err := awsenv.Load(context.Background())
	if err != nil {
		fatal(log, "aws config", err)
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	topic := sms.NewTopic(sms.NewSNS(awsCfg, cfg.SNSEndpoint), cfg.AccountEventsTopicARN)
	// The phone-change flow (issue 5) will pass its sweep here instead of NoPhoneChanges.
	svc := closure.NewService(store.ForClosure(), topic, closure.NoPhoneChanges{}, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(newHandler(svc).handle)
}

func fatal(log *slog.Logger, what string, err error) {
	log.Error("init failed", "step", what, "err", err)
	os.Exit(1)
}
