// Command otp is OtpFunction: POST /v1/otp sends a purpose-bound code, POST /v1/otp/verify turns
// the right code into a verification token. This file only wires; handler.go adapts.
package main

import (
	"crypto/rand"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config/awsenv"
	"github.com/wallet-accounts/wallet/shared/courier"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/sms"
)

func main() {
	cfg, awsCfg, log := awsenv.Boot()
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableName)
	send := courier.New(sms.New(sms.NewSNS(awsCfg, cfg.SNSEndpoint), cfg.SMSSenderID))
	svc := otp.NewService(store, send, account.SystemClock{}, rand.Reader, cfg, log)
	lambda.Start(awsenv.Handler(newRouter(svc, log).WithTimeout(cfg.RequestTimeout).Handle))
}
