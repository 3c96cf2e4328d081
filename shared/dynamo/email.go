package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/email"
	"github.com/wallet-accounts/wallet/shared/otp"
)

var _ email.Store = (*Store)(nil)

// emailChangeTTL keeps the address an email event took away as long as its alert may be
// redelivered (ALERT_MARKER_TTL's default).
const emailChangeTTL = 7 * 24 * time.Hour

// emailClaimItem is an email claim: the account, and when its address was proven.
type emailClaimItem struct {
	AccountID  string `dynamodbav:"accountId"`
	VerifiedAt int64  `dynamodbav:"verifiedAt"` // unix ms; 0 on a claim made without proof (none since email.go)
}

// emailChangeItem is the full address an email event took away (see emailChangeKey).
type emailChangeItem struct {
	OldEmail  string `dynamodbav:"oldEmail"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// EmailOwner returns the id of the account a verified address belongs to, or "" (one strongly
// consistent read, as PhoneOwner). A claim without proof is no owner: an unverified address
// never signs in.
func (s *Store) EmailOwner(ctx context.Context, lower string) (string, error) {
	var c emailClaimItem
	if _, err := s.get(ctx, emailClaim(lower), &c, "email claim"); err != nil || c.VerifiedAt == 0 {
		return "", err
	}
	return c.AccountID, nil
}

// BindState reads the account with its profile and the challenge in one BatchGetItem.
func (s *Store) BindState(ctx context.Context, accountID, challengeID string) (*account.Account, *otp.Challenge, error) {
	if challengeID == "" || len(challengeID) > 64 {
		a, err := s.Account(ctx, accountID)
		return a, nil, err
	}
	items, err := s.getMany(ctx, []key{accountKey(accountID), profileKey(accountID), challenge(challengeID)})
	if err != nil {
		return nil, nil, fmt.Errorf("bind state: %w", err)
	}
	a, err := accountOf(items, accountID)
	if err != nil {
		return nil, nil, err
	}
	ch, err := decodeProof(items, challengeID, true)
	return a, ch, err
}

// Bind binds an address in one transaction: the proof spent, the address's claim taken (absent
// before: another account's answers email_taken), the replaced address's claim released, the
// account's email set and verified (conditional on its version and on its being active), the
// email_changed event, and what the alert needs of the replaced address.
func (s *Store) Bind(ctx context.Context, b email.Binding) error {
	a := b.Account
	t := s.newTx().retryable()
	t.spendProof(&b.Proof, b.Now)
	if err := t.putNewItem(emailClaim(b.Email), emailClaimItem{AccountID: a.ID, VerifiedAt: b.Now.UnixMilli()},
		account.FieldError(account.CodeEmailTaken, "challengeId", "this email address belongs to another account")); err != nil {
		return err
	}
	if b.Replaced != "" {
		t.releaseEmail(a.ID, b.Replaced)
	}
	t.update(s.activeUpdate(a, "", "", map[string]types.AttributeValue{}), account.ErrStale)
	t.updateProfile(a.ID, "SET email = :email, emailVerified = :t",
		map[string]types.AttributeValue{":email": str(b.Email), ":t": boolean(true)})
	if err := t.event(a.ID, b.Event); err != nil {
		return err
	}
	if err := t.emailChange(a.ID, b.Event, b.Replaced); err != nil {
		return err
	}
	return t.commit(ctx, "bind email")
}

// Unbind removes the account's email in one transaction: the account (conditional on its
// version and on its being active), the claim when the address was verified, the email_removed
// event and what the alert needs of the address.
func (s *Store) Unbind(ctx context.Context, r email.Removal) error {
	a := r.Account
	t := s.newTx().retryable()
	t.update(s.activeUpdate(a, "", "", map[string]types.AttributeValue{}), account.ErrStale)
	t.updateProfile(a.ID, "REMOVE email, emailVerified", nil)
	if r.Replaced != "" {
		t.releaseEmail(a.ID, r.Replaced)
	}
	if err := t.event(a.ID, r.Event); err != nil {
		return err
	}
	if err := t.emailChange(a.ID, r.Event, r.Replaced); err != nil {
		return err
	}
	return t.commit(ctx, "remove email")
}

// releaseEmail adds the release of an address's claim, which must be the account's (or gone).
func (t *tx) releaseEmail(accountID, lower string) {
	t.del(&types.Delete{TableName: &t.s.table, Key: emailClaim(lower).av(),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR accountId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(accountID)}}, account.ErrStale)
}

// emailChange adds the record of the address ev took away, when there is one.
func (t *tx) emailChange(accountID string, ev account.Event, old string) error {
	if old == "" {
		return nil
	}
	return t.putNewItem(emailChangeKey(accountID, ev.ID), emailChangeItem{OldEmail: old, ExpiresAt: ev.At.Add(emailChangeTTL).Unix()}, nil)
}

// ReplacedEmail returns the full address an email_changed or email_removed event took away, or
// "" when it took none (or the record expired).
func (s *Store) ReplacedEmail(ctx context.Context, accountID, eventID string) (string, error) {
	var c emailChangeItem
	_, err := s.get(ctx, emailChangeKey(accountID, eventID), &c, "email change")
	return c.OldEmail, err
}
