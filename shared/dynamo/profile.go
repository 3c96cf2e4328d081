package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/profile"
)

var _ profile.Store = (*Store)(nil)

// SaveProfile stores next as the account's profile item in one transaction with an update of
// the account conditional on the version read and on its being active (account.ErrStale
// otherwise), which bumps it, and ev when there is one.
func (s *Store) SaveProfile(ctx context.Context, a account.Account, next account.Profile, ev *account.Event) error {
	t := s.newTx().retryable()
	t.update(s.activeUpdate(a, "", "", map[string]types.AttributeValue{}), account.ErrStale)
	if err := t.putProfile(a.ID, next); err != nil {
		return err
	}
	if ev != nil {
		if err := t.event(a.ID, *ev); err != nil {
			return err
		}
	}
	return t.commit(ctx, "save profile")
}
