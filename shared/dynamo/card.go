package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/card"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

var _ card.Store = (*Store)(nil)

// cardItem is the stored form of card.Card: the keyed hash and last 4, never the number.
type cardItem struct {
	Hash       []byte `dynamodbav:"cardHash"`
	Last4      string `dynamodbav:"last4"`
	HolderName string `dynamodbav:"holderName,omitempty"`
	LinkedAt   int64  `dynamodbav:"linkedAt"`
}

func (it cardItem) domain(id string) card.Card {
	return card.Card{ID: id, Hash: it.Hash, Last4: it.Last4, HolderName: it.HolderName, LinkedAt: fromMS(it.LinkedAt)}
}

// LinkCard puts the card unless the account has it already, and admits the payment password
// that allowed it, in one transaction: see card.Store.
func (s *Store) LinkCard(ctx context.Context, c card.Card, admission paypass.Admission) error {
	t := s.newTx()
	admit := admitUpdate(s.table, admission)
	admit.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	t.addFn(types.TransactWriteItem{Update: admit}, func(old map[string]types.AttributeValue) error {
		return refusal(admission, old)
	})
	if err := t.putNewItem(cardKey(admission.AccountID, c.ID), cardItem{Hash: c.Hash, Last4: c.Last4, HolderName: c.HolderName,
		LinkedAt: ms(c.LinkedAt)}, card.ErrAlreadyLinked); err != nil {
		return err
	}
	return t.commit(ctx, "link card")
}

// Cards lists an account's cards with one strongly consistent query.
func (s *Store) Cards(ctx context.Context, accountID string) ([]card.Card, error) {
	var out []card.Card
	err := s.queryPrefix(ctx, accountKey(accountID).PK, cardPrefix, func(sk string, item map[string]types.AttributeValue) error {
		var it cardItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode card: %w", err)
		}
		out = append(out, it.domain(strings.TrimPrefix(sk, cardPrefix)))
		return nil
	})
	return out, err
}

// AccountCards reads an account and its cards in one Query (accountWith).
func (s *Store) AccountCards(ctx context.Context, accountID string) (*account.Account, []card.Card, error) {
	p, err := s.accountWith(ctx, accountID)
	if err != nil || p.account == nil {
		return nil, nil, err
	}
	return p.account, p.cards, nil
}

// UnlinkCard deletes a card and writes ev in one transaction; false when there was no card.
func (s *Store) UnlinkCard(ctx context.Context, accountID, cardID string, ev account.Event) (bool, error) {
	t := s.newTx()
	t.del(&types.Delete{TableName: &s.table, Key: cardKey(accountID, cardID).av(), ConditionExpression: aws.String("attribute_exists(PK)")},
		errNoCard)
	if err := t.event(accountID, ev); err != nil {
		return false, err
	}
	err := t.commit(ctx, "unlink card")
	if errors.Is(err, errNoCard) {
		return false, nil
	}
	return err == nil, err
}

// errNoCard is UnlinkCard's failed condition: the card was not there.
var errNoCard = errors.New("dynamo: no such card")
