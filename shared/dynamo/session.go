package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/session"
)

// unknownSignInTTL keeps a number's failure counter long enough for a lock and its decay.
const unknownSignInTTL = 48 * time.Hour

// lockoutItem is the sign-in lockout part of an account item, and the whole of a number's
// failure counter.
type lockoutItem struct {
	Failures    int   `dynamodbav:"loginFailures"`
	LockedUntil int64 `dynamodbav:"loginLockedUntil"`
	Level       int   `dynamodbav:"loginLockLevel"`
	LastLockAt  int64 `dynamodbav:"loginLastLockAt"`
}

func (it lockoutItem) domain() account.Lockout {
	return account.Lockout{Failures: it.Failures, LockedUntil: fromMS(it.LockedUntil), Level: it.Level, LastLockAt: fromMS(it.LastLockAt)}
}

type counterItem struct {
	N int `dynamodbav:"n"`
}

// names of attributes that are DynamoDB reserved words.
var accountNames = map[string]string{"#status": "status", "#version": "version"}

// PhoneOwner returns the id of the account the number belongs to, or "".
func (s *Store) PhoneOwner(ctx context.Context, e164 string) (string, error) {
	var c claimItem
	_, err := s.get(ctx, phoneClaim(e164), &c, "phone claim")
	return c.AccountID, err
}

// SignInState reads the account and device (or the number's failure counter), the proof and the
// source IP's counter in one BatchGetItem.
func (s *Store) SignInState(ctx context.Context, q session.StateQuery) (session.State, error) {
	var keys []key
	acctKey, devKey, subjKey := accountKey(q.Subject.AccountID), deviceKey(q.Subject.AccountID, q.DeviceID), unknownSignIn(q.Subject.Phone)
	if q.Subject.AccountID != "" {
		keys = append(keys, acctKey, devKey)
	} else {
		keys = append(keys, subjKey)
	}
	proofID, hasProof := otp.TokenChallengeID(q.ProofToken)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	var ipKey key
	if q.IP != nil {
		ipKey = counter(q.IP.Key, q.IP.Window)
		keys = append(keys, ipKey)
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return session.State{}, fmt.Errorf("sign-in state: %w", err)
	}
	var st session.State
	if item, ok := items[acctKey]; ok && q.Subject.AccountID != "" {
		var it accountItem
		if err := unmarshal(item, &it); err != nil {
			return st, fmt.Errorf("decode account: %w", err)
		}
		a := it.domain()
		st.Account, st.Lockout = &a, a.Login
	}
	if item, ok := items[devKey]; ok && q.Subject.AccountID != "" {
		var it deviceItem
		if err := unmarshal(item, &it); err != nil {
			return st, fmt.Errorf("decode device: %w", err)
		}
		d := it.domain(q.DeviceID)
		st.Device = &d
	}
	if item, ok := items[subjKey]; ok && q.Subject.AccountID == "" {
		var it lockoutItem
		if err := unmarshal(item, &it); err != nil {
			return st, fmt.Errorf("decode sign-in counter: %w", err)
		}
		st.Lockout = it.domain()
	}
	if item, ok := items[challenge(proofID)]; ok && hasProof {
		var c challengeItem
		if err := unmarshal(item, &c); err != nil {
			return st, fmt.Errorf("decode proof: %w", err)
		}
		ch := c.domain(proofID)
		st.Proof = &ch
	}
	if item, ok := items[ipKey]; ok && q.IP != nil {
		var c counterItem
		if err := unmarshal(item, &c); err != nil {
			return st, fmt.Errorf("decode counter: %w", err)
		}
		st.IPFailures = c.N
	}
	return st, nil
}

// SignIn writes a sign-in in one transaction. Items, in this order so a cancellation reason maps
// back: the account (conditional on its version, status and lock), the session, the device
// (conditional on the session it held when read, or on being new), then the device's previous
// session, the spent proof and the event when there are.
func (s *Store) SignIn(ctx context.Context, w session.Write) error {
	a := w.Account
	set := []string{"#version = :next", "loginFailures = :zero"}
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1), ":zero": num(0),
		":active": str(string(account.StatusActive)), ":now": millis(w.Now), ":max": num(int64(w.MaxFailures))}
	if w.Touch {
		pk, sk := activity(a.ID, w.Now)
		set = append(set, "lastActiveAt = :now", "GSI1PK = :gpk", "GSI1SK = :gsk")
		vals[":gpk"], vals[":gsk"] = str(pk), str(sk)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:       aws.String("#version = :v AND #status = :active AND " + notLocked + " AND " + underMax),
		ExpressionAttributeNames:  accountNames,
		ExpressionAttributeValues: vals}}}
	ses, err := s.sessionPut(w.Session)
	if err != nil {
		return err
	}
	items = append(items, ses)
	dev, err := s.devicePut(a.ID, w.Device, w.Previous)
	if err != nil {
		return err
	}
	items = append(items, dev)
	if w.Previous != nil && len(w.Previous.SessionHash) > 0 {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(w.Previous.SessionHash).av()}})
	}
	proofAt := -1
	if w.Proof != nil {
		proofAt = len(items)
		items = append(items, s.spendProof(w.Proof, w.Now))
	}
	if w.Event != nil {
		ei, err := marshal(eventKey(a.ID, w.Event.ID), toEventItem(a.ID, *w.Event, s.eventTTL))
		if err != nil {
			return err
		}
		items = append(items, putNew(s.table, ei))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	rs, ok := reasons(err)
	switch {
	case !ok:
		return fmt.Errorf("sign in: %w", err)
	case failed(rs, 0), failed(rs, 2), conflicted(rs):
		return session.ErrStale
	case proofAt >= 0 && failed(rs, proofAt):
		return account.FieldError(account.CodeInvalidToken, "verificationToken", "the verification token is not valid for this request")
	}
	return fmt.Errorf("sign in: %w", err)
}

// notLocked is the condition that no sign-in lock holds at :now (unix ms).
const notLocked = "(attribute_not_exists(loginLockedUntil) OR loginLockedUntil <= :now)"

// underMax is true while fewer than :max failed sign-ins are counted.
const underMax = "(attribute_not_exists(loginFailures) OR loginFailures < :max)"

func (s *Store) sessionPut(ses session.Session) (types.TransactWriteItem, error) {
	item, err := marshal(sessionKey(ses.Hash), sessionItem{AccountID: ses.AccountID, DeviceID: ses.DeviceID,
		CreatedAt: ms(ses.CreatedAt), SeenAt: ms(ses.SeenAt), AbsoluteAt: ms(ses.AbsoluteAt), ExpiresAt: ses.ExpiresAt.Unix()})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return putNew(s.table, item), nil
}

// devicePut writes the device holding a new session. A new device must still be absent; a known
// one must still hold the session it held when read, so two sign-ins racing on one device cannot
// both leave a session behind.
func (s *Store) devicePut(accountID string, d account.Device, prev *account.Device) (types.TransactWriteItem, error) {
	item, err := marshal(deviceKey(accountID, d.ID), deviceItem{Name: d.Name, Platform: d.Platform,
		FirstSeen: ms(d.FirstSeen), LastSeen: ms(d.LastSeen), SessionHash: d.SessionHash})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	put := &types.Put{TableName: &s.table, Item: item}
	switch {
	case prev == nil:
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	case len(prev.SessionHash) == 0:
		put.ConditionExpression = aws.String("attribute_exists(PK) AND attribute_not_exists(sessionHash)")
	default:
		put.ConditionExpression = aws.String("sessionHash = :old")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":old": bin(prev.SessionHash)}
	}
	return types.TransactWriteItem{Put: put}, nil
}

// RecordLoginFailure adds one to the subject's failures unless a lock holds, and returns the
// lockout after the add (or, under a lock, the lockout that refused it).
func (s *Store) RecordLoginFailure(ctx context.Context, subj session.Subject, now time.Time) (account.Lockout, error) {
	in := &dynamodb.UpdateItemInput{TableName: &s.table,
		UpdateExpression:                    aws.String("ADD loginFailures :one"),
		ConditionExpression:                 aws.String(notLocked),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":one": num(1), ":now": millis(now)},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if subj.AccountID != "" {
		in.Key = accountKey(subj.AccountID).av()
		in.ConditionExpression = aws.String("attribute_exists(PK) AND " + notLocked)
	} else {
		in.Key = unknownSignIn(subj.Phone).av()
		in.UpdateExpression = aws.String("ADD loginFailures :one SET expiresAt = :exp")
		in.ExpressionAttributeValues[":exp"] = epoch(now.Add(unknownSignInTTL))
	}
	return s.updateLockout(ctx, in, "record sign-in failure")
}

// LockLogin locks the subject until until, when its failures have reached max and no lock holds.
func (s *Store) LockLogin(ctx context.Context, subj session.Subject, max, level int, until, now time.Time) (account.Lockout, error) {
	in := &dynamodb.UpdateItemInput{TableName: &s.table,
		UpdateExpression:    aws.String("SET loginLockedUntil = :until, loginLockLevel = :level, loginLastLockAt = :now, loginFailures = :zero"),
		ConditionExpression: aws.String("loginFailures >= :max AND " + notLocked),
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": millis(until), ":level": num(int64(level)),
			":now": millis(now), ":zero": num(0), ":max": num(int64(max))},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if subj.AccountID != "" {
		in.Key = accountKey(subj.AccountID).av()
	} else {
		in.Key = unknownSignIn(subj.Phone).av()
		in.UpdateExpression = aws.String(*in.UpdateExpression + ", expiresAt = :exp")
		in.ExpressionAttributeValues[":exp"] = epoch(until.Add(unknownSignInTTL))
	}
	return s.updateLockout(ctx, in, "lock sign-in")
}

// updateLockout runs an update of a lockout and returns the lockout after it, or as it stood
// when the update's condition refused it.
func (s *Store) updateLockout(ctx context.Context, in *dynamodb.UpdateItemInput, what string) (account.Lockout, error) {
	out, err := s.db.UpdateItem(ctx, in)
	var item map[string]types.AttributeValue
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		item = ccf.Item
	case err != nil:
		return account.Lockout{}, fmt.Errorf("%s: %w", what, err)
	default:
		item = out.Attributes
	}
	var it lockoutItem
	if err := unmarshal(item, &it); err != nil {
		return account.Lockout{}, fmt.Errorf("%s: decode: %w", what, err)
	}
	return it.domain(), nil
}

// CountIPFailure adds one to a source IP's failure counter.
func (s *Store) CountIPFailure(ctx context.Context, c otp.Counter) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: counter(c.Key, c.Window).av(),
		UpdateExpression:          aws.String("ADD n :one SET expiresAt = if_not_exists(expiresAt, :exp)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":exp": epoch(c.Ends)}})
	if err != nil {
		return fmt.Errorf("count IP failure: %w", err)
	}
	return nil
}

// Session reads a session by its token's hash, strongly consistent.
func (s *Store) Session(ctx context.Context, hash []byte) (*session.Session, error) {
	var it sessionItem
	if ok, err := s.get(ctx, sessionKey(hash), &it, "session"); !ok || err != nil {
		return nil, err
	}
	ses := it.domain(hash)
	return &ses, nil
}

// SlideSession moves the session's idle expiry and its device's last-seen time, in one
// transaction; both must still exist and belong together.
func (s *Store) SlideSession(ctx context.Context, ses session.Session, expiresAt, now time.Time) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: sessionKey(ses.Hash).av(),
			UpdateExpression:          aws.String("SET seenAt = :now, expiresAt = :exp"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(now), ":exp": epoch(expiresAt)}}},
		{Update: &types.Update{TableName: &s.table, Key: deviceKey(ses.AccountID, ses.DeviceID).av(),
			UpdateExpression:          aws.String("SET lastSeen = :now"),
			ConditionExpression:       aws.String("sessionHash = :h"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(now), ":h": bin(ses.Hash)}}},
	}})
	if err != nil {
		return fmt.Errorf("slide session: %w", err)
	}
	return nil
}

// EndSession deletes the session and clears it from its device in one transaction; when the
// device no longer holds it (removed, or signed in again), it deletes the session alone.
func (s *Store) EndSession(ctx context.Context, ses session.Session) error {
	del := types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(ses.Hash).av()}}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{del,
		{Update: &types.Update{TableName: &s.table, Key: deviceKey(ses.AccountID, ses.DeviceID).av(),
			UpdateExpression:          aws.String("REMOVE sessionHash"),
			ConditionExpression:       aws.String("sessionHash = :h"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":h": bin(ses.Hash)}}},
	}})
	if rs, ok := reasons(err); ok && failed(rs, 1) {
		_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: sessionKey(ses.Hash).av()})
	}
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// Account reads an account, strongly consistent; nil when there is none.
func (s *Store) Account(ctx context.Context, id string) (*account.Account, error) {
	var it accountItem
	if ok, err := s.get(ctx, accountKey(id), &it, "account"); !ok || err != nil {
		return nil, err
	}
	a := it.domain()
	return &a, nil
}

// Devices lists an account's devices with one strongly consistent query.
func (s *Store) Devices(ctx context.Context, accountID string) ([]account.Device, error) {
	var out []account.Device
	err := s.queryPrefix(ctx, "ACCOUNT#"+accountID, devicePrefix, func(sk string, item map[string]types.AttributeValue) error {
		var it deviceItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode device: %w", err)
		}
		out = append(out, it.domain(strings.TrimPrefix(sk, devicePrefix)))
		return nil
	})
	return out, err
}

// RemoveDevice deletes a device and the session it holds in one transaction, conditional on the
// device still holding that session; it reads the device again when it lost a race.
func (s *Store) RemoveDevice(ctx context.Context, accountID, deviceID string) (bool, error) {
	k := deviceKey(accountID, deviceID)
	for try := 0; ; try++ {
		out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k.av(), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return false, fmt.Errorf("get device: %w", err)
		}
		if out.Item == nil {
			return false, nil
		}
		var it deviceItem
		if err := unmarshal(out.Item, &it); err != nil {
			return false, fmt.Errorf("decode device: %w", err)
		}
		del := &types.Delete{TableName: &s.table, Key: k.av(), ConditionExpression: aws.String("attribute_not_exists(sessionHash)")}
		items := []types.TransactWriteItem{{Delete: del}}
		if len(it.SessionHash) > 0 {
			del.ConditionExpression = aws.String("sessionHash = :h")
			del.ExpressionAttributeValues = map[string]types.AttributeValue{":h": bin(it.SessionHash)}
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: sessionKey(it.SessionHash).av()}})
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return true, nil
		}
		if rs, ok := reasons(err); ok && (failed(rs, 0) || conflicted(rs)) && try < 3 {
			continue
		}
		return false, fmt.Errorf("remove device: %w", err)
	}
}

// queryPrefix calls fn with every item of the partition pk whose sort key begins with prefix,
// strongly consistent, page by page.
func (s *Store) queryPrefix(ctx context.Context, pk, prefix string, fn func(sk string, item map[string]types.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query %s: %w", strings.TrimSuffix(prefix, "#"), err)
		}
		for _, item := range page.Items {
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			if sk == nil {
				continue
			}
			if err := fn(sk.Value, item); err != nil {
				return err
			}
		}
	}
	return nil
}

// getMany reads keys in one strongly consistent BatchGetItem (retrying what DynamoDB leaves
// unprocessed), returning the items found by key.
func (s *Store) getMany(ctx context.Context, keys []key) (map[key]map[string]types.AttributeValue, error) {
	req := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		req[i] = k.av()
	}
	found := map[key]map[string]types.AttributeValue{}
	for try := 0; len(req) > 0; try++ {
		if try == 5 {
			return nil, errors.New("batch get: keys left unprocessed")
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: req, ConsistentRead: aws.Bool(true)}}})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		for _, item := range out.Responses[s.table] {
			pk, _ := item[attrPK].(*types.AttributeValueMemberS)
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			if pk != nil && sk != nil {
				found[key{pk.Value, sk.Value}] = item
			}
		}
		req = out.UnprocessedKeys[s.table].Keys
	}
	return found, nil
}
