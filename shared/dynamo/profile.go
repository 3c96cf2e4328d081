package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/profile"
)

var _ profile.Store = (*Store)(nil)

// SaveProfile stores next as the account's profile in one update conditional on the version
// read and on the account being active (account.ErrStale otherwise); with ev the update and the
// event are one transaction.
func (s *Store) SaveProfile(ctx context.Context, a account.Account, next account.Profile, ev *account.Event) error {
	av, err := attributevalue.Marshal(profileItem(next))
	if err != nil {
		return fmt.Errorf("encode profile: %w", err)
	}
	u := s.activeUpdate(a, "profile = :p", "", map[string]types.AttributeValue{":p": av})
	return s.updateWithEvent(ctx, u, a.ID, ev, "save profile")
}
