package main

import (
	"crypto/rand"
	"log/slog"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/idv"
	"github.com/wallet-accounts/wallet/shared/support"
)

// newHandler wires AdminFunction's services over one store: main.go on the real clients, the
// fault matrix on failing ones. Identity verification gets the manual provider: customer service
// decides cases here and never opens one.
func newHandler(store *dynamo.Store, clock account.Clock, cfg config.Config, log *slog.Logger) handler {
	return handler{support: support.NewService(store.ForSupport(cfg.AuditTTL), clock, rand.Reader, cfg.EventTTL, log),
		idv: idv.NewService(store.ForIDV(cfg.AuditTTL), idv.Manual{}, cfg, clock, rand.Reader, log)}
}
