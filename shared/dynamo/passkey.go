package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/passkey"
)

var _ passkey.Store = (*Store)(nil)

// passkeyItem is the stored form of passkey.Passkey: the public key, never a secret.
type passkeyItem struct {
	CredentialID   []byte   `dynamodbav:"credentialId"`
	PublicKey      []byte   `dynamodbav:"publicKey"`
	SignCount      int64    `dynamodbav:"signCount"`
	AAGUID         []byte   `dynamodbav:"aaguid,omitempty"`
	Transports     []string `dynamodbav:"transports,omitempty"`
	Format         string   `dynamodbav:"attestationFormat,omitempty"`
	BackupEligible bool     `dynamodbav:"backupEligible"`
	BackupState    bool     `dynamodbav:"backupState"`
	Name           string   `dynamodbav:"name"`
	CreatedAt      int64    `dynamodbav:"createdAt"`
	LastUsedAt     int64    `dynamodbav:"lastUsedAt,omitempty"`
	CloneWarnedAt  int64    `dynamodbav:"cloneWarnedAt,omitempty"` // the last assertion refused for its sign count
}

func (it passkeyItem) domain(accountID, id string) passkey.Passkey {
	return passkey.Passkey{ID: id, AccountID: accountID, CredentialID: it.CredentialID, PublicKey: it.PublicKey,
		SignCount: uint32(it.SignCount), AAGUID: it.AAGUID, Transports: it.Transports, AttestationFormat: it.Format,
		BackupEligible: it.BackupEligible, BackupState: it.BackupState, Name: it.Name, CreatedAt: fromMS(it.CreatedAt),
		LastUsedAt: fromMS(it.LastUsedAt)}
}

func toPasskeyItem(p passkey.Passkey) passkeyItem {
	return passkeyItem{CredentialID: p.CredentialID, PublicKey: p.PublicKey, SignCount: int64(p.SignCount), AAGUID: p.AAGUID,
		Transports: p.Transports, Format: p.AttestationFormat, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
		Name: p.Name, CreatedAt: ms(p.CreatedAt), LastUsedAt: ms(p.LastUsedAt)}
}

// passkeyIndexItem is the credential-id index: which account and passkey hold a credential.
type passkeyIndexItem struct {
	AccountID string `dynamodbav:"accountId"`
	PasskeyID string `dynamodbav:"passkeyId"`
}

// ceremonyMarkerItem is a finished ceremony's spent-marker.
type ceremonyMarkerItem struct {
	Purpose   string `dynamodbav:"purpose"`
	AccountID string `dynamodbav:"accountId"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // unix s; the TTL
}

// AccountPasskeys reads an account and its passkeys in one Query (accountWith).
func (s *Store) AccountPasskeys(ctx context.Context, accountID string) (*account.Account, []passkey.Passkey, error) {
	p, err := s.accountWith(ctx, accountID)
	if err != nil || p.account == nil {
		return nil, nil, err
	}
	return p.account, p.passkeys, nil
}

// Passkeys lists an account's passkeys with one strongly consistent query.
func (s *Store) Passkeys(ctx context.Context, accountID string) ([]passkey.Passkey, error) {
	var out []passkey.Passkey
	err := s.queryPrefix(ctx, accountKey(accountID).PK, passkeyPrefix, func(sk string, item map[string]types.AttributeValue) error {
		pk, err := decodePasskey(accountID, sk, item)
		out = append(out, pk)
		return err
	})
	return out, err
}

func decodePasskey(accountID, sk string, item map[string]types.AttributeValue) (passkey.Passkey, error) {
	var it passkeyItem
	if err := unmarshal(item, &it); err != nil {
		return passkey.Passkey{}, fmt.Errorf("decode passkey: %w", err)
	}
	return it.domain(accountID, strings.TrimPrefix(sk, passkeyPrefix)), nil
}

// errAccountGone refuses a passkey for an account no longer active since the session's read.
var errAccountGone = account.Errorf(account.CodeUnauthenticated, "sign in first")

// AddPasskey writes the ceremony's marker, the passkey and its index item (each conditional on
// absence) and the event in one transaction, with a check that the account is still active:
// see passkey.Store.
func (s *Store) AddPasskey(ctx context.Context, p passkey.Passkey, m passkey.Marker, ev account.Event) error {
	t := s.newTx()
	if err := t.spendCeremony(m); err != nil {
		return err
	}
	// The account records when its newest passkey came: password-free payments wait a day after it.
	t.add(types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: accountKey(p.AccountID).av(),
		UpdateExpression: aws.String("SET passkeyAddedAt = :at"), ConditionExpression: aws.String("#status = :active"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(account.StatusActive)),
			":at": millis(p.CreatedAt)}}}, errAccountGone)
	if err := t.putNewItem(passkeyKey(p.AccountID, p.ID), toPasskeyItem(p), passkey.ErrAlreadyRegistered); err != nil {
		return err
	}
	if err := t.putNewItem(passkeyIndex(p.CredentialID), passkeyIndexItem{AccountID: p.AccountID, PasskeyID: p.ID}, passkey.ErrAlreadyRegistered); err != nil {
		return err
	}
	if err := t.event(p.AccountID, ev); err != nil {
		return err
	}
	return t.commit(ctx, "add passkey")
}

// RenamePasskey sets a passkey's name; false when there is no such passkey.
func (s *Store) RenamePasskey(ctx context.Context, accountID, passkeyID, name string) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: passkeyKey(accountID, passkeyID).av(),
		UpdateExpression: aws.String("SET #name = :name"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": str(name)}})
	if errors.As(err, new(*types.ConditionalCheckFailedException)) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("rename passkey: %w", err)
	}
	return true, nil
}

// RemovePasskey deletes a passkey, its index item and writes the event in one transaction; it
// reads the passkey first for its credential id, and again when it lost a race.
func (s *Store) RemovePasskey(ctx context.Context, accountID, passkeyID string, ev account.Event) (bool, error) {
	k := passkeyKey(accountID, passkeyID)
	return readThenWrite("remove passkey", func() (bool, error) {
		var it passkeyItem
		if ok, err := s.get(ctx, k, &it, "passkey"); !ok || err != nil {
			return false, err
		}
		t := s.newTx().retryable()
		t.del(&types.Delete{TableName: &s.table, Key: k.av(), ConditionExpression: aws.String("attribute_exists(PK)")}, account.ErrStale)
		t.del(&types.Delete{TableName: &s.table, Key: passkeyIndex(it.CredentialID).av(),
			ConditionExpression:       aws.String("accountId = :a AND passkeyId = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": str(accountID), ":p": str(passkeyID)}}, nil)
		if err := t.event(accountID, ev); err != nil {
			return false, err
		}
		return true, t.commit(ctx, "remove passkey")
	})
}

// PasskeyByCredential reads the credential's index item and the passkey it would be in the
// account in one BatchGetItem; nil unless the index names this account and the passkey exists.
func (s *Store) PasskeyByCredential(ctx context.Context, accountID string, credentialID []byte) (*passkey.Passkey, error) {
	id := passkey.IDFor(accountID, credentialID)
	idx, pk := passkeyIndex(credentialID), passkeyKey(accountID, id)
	items, err := s.getMany(ctx, []key{idx, pk})
	if err != nil {
		return nil, fmt.Errorf("passkey by credential: %w", err)
	}
	var ix passkeyIndexItem
	if items[idx] == nil || items[pk] == nil {
		return nil, nil
	}
	if err := unmarshal(items[idx], &ix); err != nil {
		return nil, fmt.Errorf("decode passkey index: %w", err)
	}
	if ix.AccountID != accountID || ix.PasskeyID != id {
		return nil, nil
	}
	p, err := decodePasskey(accountID, pk.SK, items[pk])
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// PasskeyCloneSuspected records the warning on the passkey with its event, in one transaction.
func (s *Store) PasskeyCloneSuspected(ctx context.Context, p passkey.Passkey, ev account.Event) error {
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: passkeyKey(p.AccountID, p.ID).av(),
		UpdateExpression: aws.String("SET cloneWarnedAt = :now"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(ev.At)}}, passkey.ErrUnknown)
	if err := t.event(p.AccountID, ev); err != nil {
		return err
	}
	return t.commit(ctx, "passkey clone warning")
}

// UsePasskey spends a verified assertion's ceremony and records the passkey's use, in one
// transaction of their own: for a flow whose effect is only that the assertion happened. A flow
// with an effect adds t.passkeyAssertion to its own transaction instead.
func (s *Store) UsePasskey(ctx context.Context, a passkey.Assertion) error {
	t := s.newTx()
	if err := t.passkeyAssertion(a); err != nil {
		return err
	}
	return t.commit(ctx, "use passkey")
}

// spendCeremony adds a passkey ceremony's spent-marker, put only if absent, so a ceremony takes
// effect once: a second answer fails with passkey.ErrCeremonyUsed.
func (t *tx) spendCeremony(m passkey.Marker) error {
	return t.putNewItem(ceremonyMarker(m.Hash), ceremonyMarkerItem{Purpose: string(m.Purpose), AccountID: m.AccountID,
		ExpiresAt: m.ExpiresAt.Unix()}, passkey.ErrCeremonyUsed)
}

// passkeyUse adds the recording of a verified assertion: the passkey's new sign count, backup
// state and last-used time, conditional on the count it had when VerifyAssertion read it. A
// passkey used or removed meanwhile fails it with the transaction's conflict error
// (account.ErrStale for a retryable one: read, verify and write again).
func (t *tx) passkeyUse(a passkey.Assertion) {
	t.update(&types.Update{TableName: &t.s.table, Key: passkeyKey(a.AccountID, a.PasskeyID).av(),
		UpdateExpression:    aws.String("SET signCount = :n, backupState = :bs, lastUsedAt = :now"),
		ConditionExpression: aws.String("signCount = :read"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(a.SignCount)), ":bs": boolean(a.BackupState),
			":now": millis(a.UsedAt), ":read": num(int64(a.PrevSignCount))}}, t.conflict)
}

// passkeyAssertion adds what a flow that accepts a verified passkey assertion
// (ceremony.Service.VerifyAssertion) writes with its effect: the ceremony's spent-marker, then
// the passkey's use. Add it before the flow's own items whose failures should take precedence
// only after "ceremony used".
func (t *tx) passkeyAssertion(a passkey.Assertion) error {
	if err := t.spendCeremony(a.Marker); err != nil {
		return err
	}
	t.passkeyUse(a)
	return nil
}
