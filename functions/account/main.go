// Command account is AccountFunction: sign-in and sign-out, the account overview, devices, bank
// cards, passkeys, the account's email and freezing. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"
	_ "time/tzdata" // IANA time zones for the nighttime window (account.InWindow): provided.al2023 has no zoneinfo

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/ses"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	clock := account.SystemClock{}
	mail := courier.NewMailer(ses.New(ses.NewSES(awsCfg, cfg.SESEndpoint), cfg.EmailFrom))
	h, err := newHandler(store, hasher, mail, clock, cfg, log)
	if err != nil {
		awsenv.Fatal(log, "account service", err)
	}
	lambda.Start(awsenv.Handler(newRouter(h, log).WithTimeout(cfg.RequestTimeout).Handle))
}
