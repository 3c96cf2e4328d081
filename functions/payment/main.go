// Command payment is PaymentFunction: the payments system's authorization, capture and void (on
// the internal API), the holder's confirmation and password-free settings, and, every minute,
// the expiry of what nobody confirmed. This file only wires; wire.go builds, handler.go adapts.
package main

import (
	"crypto/rand"
	_ "time/tzdata" // IANA time zones (LIMITS_TIME_ZONE, the nighttime window): provided.al2023 has no zoneinfo

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/secret"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName).WithEventTTL(cfg.EventTTL)
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	h, err := newHandler(store, hasher, account.SystemClock{}, cfg, log)
	if err != nil {
		awsenv.Fatal(log, "payment service", err)
	}
	lambda.Start(awsenv.Handler(h.handle))
}
