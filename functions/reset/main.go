// Command reset is ResetFunction: forgot login password (by code, or without SMS), payment
// password reset and verification. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"
	"time"
	_ "time/tzdata" // provided.al2023 has no zoneinfo; alert settings name IANA zones

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/reset"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/secret/strength"
	"github.com/wallet-accounts/wallet/shared/session"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	clock := account.SystemClock{}
	payments := paypass.New(store, hasher, clock, cfg, log)
	resets := reset.NewService(store, payments, hasher, strength.CheckLoginPassword, clock, rand.Reader, cfg, log).
		WithNighttime(func(a account.Account, now time.Time) bool { return account.InWindow(a.Alerts.Nighttime, now) }).
		WithPasskeys(ceremony.NewService(store, cfg, clock, rand.Reader, log)).
		WithFreezer(freeze.NewService(store, clock, rand.Reader, log))
	sessions := session.NewService(store, hasher, clock, rand.Reader, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(resets, sessions, log).WithTimeout(cfg.RequestTimeout).Handle))
}
