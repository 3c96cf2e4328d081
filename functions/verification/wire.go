package main

import (
	"crypto/rand"
	"log/slog"
	"net/http"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/idv"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// newHandler wires VerificationFunction's services over one store: main.go on the real clients,
// the fault matrix on failing ones.
func newHandler(store *dynamo.Store, provider idv.Provider, clock account.Clock, cfg config.Config, log *slog.Logger) handler {
	hasher := secret.NewHasher(cfg.Argon2Params(), rand.Reader, cfg.Pepper)
	return handler{
		sessions: session.NewService(store, hasher, clock, rand.Reader, cfg, log),
		idv:      idv.NewService(store.ForIDV(cfg.AuditTTL), provider, cfg, clock, rand.Reader, log),
	}
}

// providerFor is IDV_PROVIDER's provider: the webhook to IDV_WEBHOOK_URL, or manual.
func providerFor(cfg config.Config, clock account.Clock) idv.Provider {
	if cfg.IDVProvider == idv.ProviderWebhook {
		return webhook{url: cfg.IDVWebhookURL, key: []byte(cfg.IDVWebhookSecret), clock: clock,
			client: &http.Client{Timeout: webhookTimeout}}
	}
	return idv.Manual{}
}
