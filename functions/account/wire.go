package main

import (
	"crypto/rand"
	"log/slog"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/activity"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/deletion"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/freeze"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey/ceremony"
	"github.com/wallet-accounts/wallet/shared/payment"
	"github.com/wallet-accounts/wallet/shared/paypass"
	"github.com/wallet-accounts/wallet/shared/profile"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/session"
)

// newHandler wires AccountFunction's services over one store: main.go on the real clients, the
// fault matrix on failing ones. This function sends no SMS code, so the code engine gets no SMS
// courier; mail sends the email codes.
func newHandler(store *dynamo.Store, hasher *secret.Hasher, mail otp.Courier, clock account.Clock, cfg config.Config, log *slog.Logger) (handler, error) {
	loc, err := payment.Location(cfg)
	if err != nil {
		return handler{}, err
	}
	pay := paypass.New(store, hasher, clock, cfg, log)
	passkeys := ceremony.NewService(store, cfg, clock, rand.Reader, log)
	freezer := freeze.NewService(store, clock, rand.Reader, log)
	codes := otp.NewService(store, nil, clock, rand.Reader, cfg, log).WithMailer(mail)
	return handler{
		sessions:  session.NewService(store, hasher, clock, rand.Reader, cfg, log).WithPasskeys(passkeys),
		pay:       pay,
		cards:     card.NewService(store, pay, cfg, clock, rand.Reader, log),
		freeze:    freezer,
		lang:      cfg.DefaultLang,
		passkeys:  passkeys,
		profiles:  profile.NewService(store, cfg.Pepper, cfg.RecentAuthWindow, clock, rand.Reader, log),
		activity:  activity.NewService(store, freezer, clock, cfg.EventTTL),
		deletions: deletion.NewService(store, pay, cfg.DeletionHold, cfg.RecentAuthWindow, clock, rand.Reader, log),
		emails:    email.NewService(store, codes, clock, rand.Reader, cfg, log),
		limits:    payment.NewOverview(store, cfg, loc, clock),
	}, nil
}
