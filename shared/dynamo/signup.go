package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/idempotency"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/session"
	"github.com/wallet-accounts/wallet/shared/signup"
)

// idempotencyTTL is how long a stored response can be replayed.
const idempotencyTTL = 24 * time.Hour

type idempotencyItem struct {
	BodyHash  []byte `dynamodbav:"bodyHash"`
	Sealed    []byte `dynamodbav:"sealed"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// Begin reads the proof and, with a key, the stored response, in one BatchGetItem.
func (s *Store) Begin(ctx context.Context, token string, idem *idempotency.Key) (*otp.Challenge, *idempotency.Record, error) {
	var keys []key
	id, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(id))
	}
	if idem != nil {
		keys = append(keys, idempotencyKey(idem.ID))
	}
	if len(keys) == 0 {
		return nil, nil, nil
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("begin signup: %w", err)
	}
	proof, err := decodeProof(items, id, hasProof)
	if err != nil || idem == nil {
		return proof, nil, err
	}
	item, ok := items[idempotencyKey(idem.ID)]
	if !ok {
		return proof, nil, nil
	}
	rec, err := decodeIdempotency(item)
	return proof, rec, err
}

// Replay reads the stored response for a key.
func (s *Store) Replay(ctx context.Context, idem *idempotency.Key) (*idempotency.Record, error) {
	var it idempotencyItem
	if ok, err := s.get(ctx, idempotencyKey(idem.ID), &it, "idempotency record"); !ok || err != nil {
		return nil, err
	}
	return &idempotency.Record{BodyHash: it.BodyHash, Sealed: it.Sealed}, nil
}

func decodeIdempotency(item map[string]types.AttributeValue) (*idempotency.Record, error) {
	var it idempotencyItem
	if err := unmarshal(item, &it); err != nil {
		return nil, fmt.Errorf("decode idempotency record: %w", err)
	}
	return &idempotency.Record{BodyHash: it.BodyHash, Sealed: it.Sealed}, nil
}

// Create writes a new account in one transaction. Items, in this order so a cancellation reason
// maps back: phone claim, account, spent proof, session, device, event, then the email claim and
// the idempotency record when there are.
func (s *Store) Create(ctx context.Context, c signup.Creation) error {
	a := c.Account
	claim, err := marshal(phoneClaim(a.Phone), claimItem{AccountID: a.ID, Lang: a.Lang})
	if err != nil {
		return err
	}
	acct, err := marshal(accountKey(a.ID), toAccountItem(a))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		putNew(s.table, claim),
		putNew(s.table, acct),
		s.spendProof(c.Proof, c.Account.CreatedAt),
	}
	rest, err := s.signInItems(a.ID, c.Session, c.Device, nil, &c.Event)
	if err != nil {
		return err
	}
	items = append(items, rest...)
	emailAt, idemAt := -1, -1
	if a.Profile.Email != "" {
		it, err := marshal(emailClaim(a.Profile.Email), claimItem{AccountID: a.ID})
		if err != nil {
			return err
		}
		emailAt = len(items)
		items = append(items, putNew(s.table, it))
	}
	if c.Idem != nil {
		it, err := marshal(idempotencyKey(c.Idem.Key.ID), idempotencyItem{BodyHash: c.Idem.Record.BodyHash,
			Sealed: c.Idem.Record.Sealed, ExpiresAt: a.CreatedAt.Add(idempotencyTTL).Unix()})
		if err != nil {
			return err
		}
		idemAt = len(items)
		items = append(items, putNew(s.table, it))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	if !ok {
		return fmt.Errorf("create account: %w", err)
	}
	// The idempotency record first: a concurrent retry with the same key also spent the proof.
	if idemAt >= 0 && failed(rs, idemAt) {
		return signup.ErrReplayed
	}
	switch {
	case failed(rs, 0):
		return account.FieldError(account.CodePhoneTaken, "verificationToken", "this phone number already has an account")
	case failed(rs, 2):
		return account.FieldError(account.CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")
	case emailAt >= 0 && failed(rs, emailAt):
		return account.FieldError(account.CodeEmailTaken, "profile.email", "this email address belongs to another account")
	case conflicted(rs):
		return errConflict
	}
	return fmt.Errorf("create account: %w", err)
}

// signInItems are the writes of a sign-in, shared by signup and sign-in: the session, the device
// holding it, the end of the device's previous session, and the event if there is one.
func (s *Store) signInItems(accountID string, ses session.Session, dev account.Device, oldSession []byte, ev *account.Event) ([]types.TransactWriteItem, error) {
	si, err := marshal(sessionKey(ses.Hash), sessionItem{AccountID: accountID, DeviceID: ses.DeviceID, CreatedAt: ms(ses.CreatedAt),
		SeenAt: ms(ses.SeenAt), AbsoluteAt: ms(ses.AbsoluteAt), ExpiresAt: ses.ExpiresAt.Unix()})
	if err != nil {
		return nil, err
	}
	di, err := marshal(deviceKey(accountID, dev.ID), deviceItem{Name: dev.Name, Platform: dev.Platform,
		FirstSeen: ms(dev.FirstSeen), LastSeen: ms(dev.LastSeen), SessionHash: dev.SessionHash})
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{putNew(s.table, si), {Put: &types.Put{TableName: &s.table, Item: di}}}
	if len(oldSession) > 0 {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(oldSession).av()}})
	}
	if ev != nil {
		ei, err := marshal(eventKey(accountID, ev.ID), toEventItem(accountID, *ev, s.eventTTL))
		if err != nil {
			return nil, err
		}
		items = append(items, putNew(s.table, ei))
	}
	return items, nil
}

func putNew(table string, item map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}
}

// failed reports whether the item at i failed its condition.
func failed(rs []types.CancellationReason, i int) bool {
	return i < len(rs) && aws.ToString(rs[i].Code) == "ConditionalCheckFailed"
}
