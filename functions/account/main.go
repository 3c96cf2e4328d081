// Command account is AccountFunction: sign-in and sign-out, the account overview, devices, bank
// cards, passkeys, the account's email and freezing. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"
	_ "time/tzdata" // IANA time zones for the nighttime window (account.InWindow): provided.al2023 has no zoneinfo

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/ses"
	"github.com/wallet-accounts/wallet/shared/session"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	clock := account.SystemClock{}
	pay := paypass.New(store, hasher, clock, cfg, log)
	passkeys := passkey.NewService(store, cfg, clock, rand.Reader, log)
	// Email codes only: this function sends no SMS code, so the code engine gets no SMS courier.
	mailer := courier.NewMailer(ses.New(ses.NewSES(awsCfg, cfg.SESEndpoint), cfg.EmailFrom))
	codes := otp.NewService(store, nil, clock, rand.Reader, cfg, log).WithMailer(mailer)
	h := handler{
		sessions: session.NewService(store, hasher, clock, rand.Reader, cfg, log).WithPasskeys(passkeys),
		pay:      pay,
		cards:    card.NewService(store, pay, cfg, clock, rand.Reader, log),
		freeze:   freeze.NewService(store, clock, rand.Reader, log),
		lang:     cfg.DefaultLang,
		passkeys: passkeys,
		emails:   email.NewService(store, codes, clock, rand.Reader, cfg, log),
	}
	lambda.Start(newRouter(h, log).WithTimeout(cfg.RequestTimeout).Handle)
}
