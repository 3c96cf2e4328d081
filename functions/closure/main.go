// Command closure is ClosureFunction: on an hourly EventBridge schedule (template.yaml) it warns
// accounts idle for 11 months and closes those idle for 12 (shared/closure). This file only
// wires; handler.go adapts.
package main

import (
	"crypto/rand"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/deletion"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/sms"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	if cfg.AccountEventsTopicARN == "" {
		awsenv.Fatal(log, "config", errors.New("ACCOUNT_EVENTS_TOPIC_ARN is required"))
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	topic := sms.NewTopic(sms.NewSNS(awsCfg, cfg.SNSEndpoint), cfg.AccountEventsTopicARN)
	clock := account.SystemClock{}
	changes := phonechange.NewService(store, secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper), clock, rand.Reader, cfg, log)
	deletions := deletion.NewSweeper(store, clock, rand.Reader, log)
	svc := closure.NewService(store.ForClosure(), topic, changes, clock, rand.Reader, cfg, log).WithDeletions(deletions)
	lambda.Start(awsenv.Handler(newHandler(svc).handle))
}
