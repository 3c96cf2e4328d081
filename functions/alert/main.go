// Command alert is AlertFunction: the SMS (and, to a replaced email address, the email) of security events (the table's stream) and of large
// transactions (the transactions topic), each with a one-tap freeze link, and the alert settings
// (GET/PUT /v1/alert-settings). This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"
	_ "time/tzdata" // IANA time zones: provided.al2023 has no zoneinfo files

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/alert"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/ses"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/sms"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	clock := account.SystemClock{}
	sender := sms.New(sms.NewSNS(awsCfg, cfg.SNSEndpoint), cfg.SMSSenderID)
	alerts, err := alert.NewService(store, sender, clock, rand.Reader, cfg, log)
	if err != nil {
		awsenv.Fatal(log, "alert service", err)
	}
	alerts.WithMailer(ses.New(ses.NewSES(awsCfg, cfg.SESEndpoint), cfg.EmailFrom))
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	sessions := session.NewService(store, hasher, clock, rand.Reader, cfg, log)
	h := newHandler(alerts, sessions, log)
	h.router.WithTimeout(cfg.RequestTimeout)
	lambda.Start(awsenv.Handler(h.handle))
}
