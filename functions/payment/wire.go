package main

import (
	"crypto/rand"
	"log/slog"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/payment"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// newHandler wires PaymentFunction over one store: main.go on the real clients, the tests on
// theirs. It fails when LIMITS_TIME_ZONE is not a time zone.
func newHandler(store *dynamo.Store, hasher *secret.Hasher, clock account.Clock, cfg config.Config, log *slog.Logger) (handler, error) {
	loc, err := payment.Location(cfg)
	if err != nil {
		return handler{}, err
	}
	payments := payment.NewService(store, paypass.New(store, hasher, clock, cfg, log), ceremony.NewService(store, cfg, clock, rand.Reader, log),
		clock, rand.Reader, cfg, loc, log)
	sessions := session.NewService(store, hasher, clock, rand.Reader, cfg, log)
	h := handler{payments: payments, log: log}
	h.router = newRouter(h, sessions, log).WithTimeout(cfg.RequestTimeout)
	return h, nil
}
