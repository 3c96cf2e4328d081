package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/ratelimit"
	"github.com/wallet-accounts/wallet/shared/session"
)

var _ session.Store = (*Store)(nil)

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
	acctKey, devKey, subjKey := accountKey(q.Subject.AccountID), deviceKey(q.Subject.AccountID, q.DeviceID), unknownSignIn(unknownID(q.Subject))
	if q.Subject.AccountID != "" {
		keys = append(keys, acctKey, profileKey(q.Subject.AccountID), devKey) // the profile: an email's sign-in
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
	if q.Subject.AccountID != "" {
		a, err := accountOf(items, q.Subject.AccountID)
		if err != nil {
			return st, err
		}
		if a != nil {
			st.Account, st.Lockout = a, a.Login
		}
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

// SignIn writes a sign-in in one transaction: the account (conditional on its version, status
// and lock), the session, the device (conditional on the session it held when read, or on being
// new), then the end of the device's previous session, the spent proof and the event when there
// are. A lost race, or an account or device changed since the read, is account.ErrStale.
func (s *Store) SignIn(ctx context.Context, w session.Write) error {
	a := w.Account
	set, remove := []string{"#version = :next"}, []string{"loginFailures"} // a zero count is no attribute
	vals := map[string]types.AttributeValue{":v": num(a.Version), ":next": num(a.Version + 1),
		":active": str(string(account.StatusActive)), ":now": millis(w.Now), ":max": num(int64(w.MaxFailures))}
	if w.Touch {
		clause, rm, av := activityUpdate(a.ID, w.Now)
		set, remove = append(set, clause), append(remove, rm)
		maps.Copy(vals, av)
	}
	t := s.newTx().retryable()
	t.update(&types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ") + " REMOVE " + strings.Join(remove, ", ")),
		ConditionExpression:       aws.String("#version = :v AND #status = :active AND " + notLocked + " AND " + underMax),
		ExpressionAttributeNames:  accountNames,
		ExpressionAttributeValues: vals}, account.ErrStale)
	if err := t.newSession(w.Session); err != nil {
		return err
	}
	if err := t.device(a.ID, w.Device, w.Previous, account.ErrStale); err != nil {
		return err
	}
	if w.Previous != nil && len(w.Previous.SessionHash) > 0 {
		t.deleteKey(sessionKey(w.Previous.SessionHash))
	}
	if w.Proof != nil {
		t.spendProof(w.Proof, w.Now)
	}
	if w.Event != nil {
		if err := t.event(a.ID, *w.Event); err != nil {
			return err
		}
	}
	if w.Passkey != nil {
		if err := t.passkeyAssertion(*w.Passkey); err != nil {
			return err
		}
	}
	return t.commit(ctx, "sign in")
}

// unknownID is what a subject without an account is counted by: its number or its address.
func unknownID(subj session.Subject) string {
	if subj.Email != "" {
		return subj.Email
	}
	return subj.Phone
}

// notLocked is the condition that no sign-in lock holds at :now (unix ms).
const notLocked = "(attribute_not_exists(loginLockedUntil) OR loginLockedUntil <= :now)"

// underMax is true while fewer than :max failed sign-ins are counted.
const underMax = "(attribute_not_exists(loginFailures) OR loginFailures < :max)"

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
		in.Key = unknownSignIn(unknownID(subj)).av()
		in.UpdateExpression = aws.String("ADD loginFailures :one SET expiresAt = :exp")
		in.ExpressionAttributeValues[":exp"] = epoch(now.Add(unknownSignInTTL))
	}
	return s.updateLockout(ctx, in, "record sign-in failure")
}

// LockLogin locks the subject until until, when its failures have reached max and no lock holds.
// The count is removed (a missing count is zero, and fails the condition).
func (s *Store) LockLogin(ctx context.Context, subj session.Subject, max, level int, until, now time.Time) (account.Lockout, error) {
	set := "SET loginLockedUntil = :until, loginLockLevel = :level, loginLastLockAt = :now"
	in := &dynamodb.UpdateItemInput{TableName: &s.table,
		ConditionExpression: aws.String("loginFailures >= :max AND " + notLocked),
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": millis(until), ":level": num(int64(level)),
			":now": millis(now), ":max": num(int64(max))},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if subj.AccountID != "" {
		in.Key = accountKey(subj.AccountID).av()
	} else {
		in.Key = unknownSignIn(unknownID(subj)).av()
		set += ", expiresAt = :exp"
		in.ExpressionAttributeValues[":exp"] = epoch(until.Add(unknownSignInTTL))
	}
	in.UpdateExpression = aws.String(set + " REMOVE loginFailures")
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
func (s *Store) CountIPFailure(ctx context.Context, c ratelimit.Counter) error {
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
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: sessionKey(ses.Hash).av(),
		UpdateExpression:          aws.String("SET seenAt = :now, expiresAt = :exp"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(now), ":exp": epoch(expiresAt)}}, nil)
	t.update(&types.Update{TableName: &s.table, Key: deviceKey(ses.AccountID, ses.DeviceID).av(),
		UpdateExpression:          aws.String("SET lastSeen = :now"),
		ConditionExpression:       aws.String("sessionHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(now), ":h": bin(ses.Hash)}}, nil)
	return t.commit(ctx, "slide session")
}

// errNotHeld says a device no longer holds the session being ended.
var errNotHeld = errors.New("the device no longer holds the session")

// EndSession deletes the session and clears it from its device in one transaction; when the
// device no longer holds it (removed, or signed in again), it deletes the session alone.
func (s *Store) EndSession(ctx context.Context, ses session.Session) error {
	t := s.newTx()
	t.deleteKey(sessionKey(ses.Hash))
	t.update(&types.Update{TableName: &s.table, Key: deviceKey(ses.AccountID, ses.DeviceID).av(),
		UpdateExpression:          aws.String("REMOVE sessionHash"),
		ConditionExpression:       aws.String("sessionHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": bin(ses.Hash)}}, errNotHeld)
	err := t.commit(ctx, "end session")
	if errors.Is(err, errNotHeld) {
		if _, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: sessionKey(ses.Hash).av()}); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	}
	return err
}

// Account reads an account with its profile, strongly consistent, in one Query over the two
// items (one read unit for both, where a BatchGetItem would take one each), without its answers
// (Recovery and StartState read them, for the flows that check them); nil when there is none.
func (s *Store) Account(ctx context.Context, id string) (*account.Account, error) {
	acct, prof := accountKey(id), profileKey(id)
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(acct.PK), ":from": str(acct.SK),
			":to": str(prof.SK)}})
	if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	items := map[key]map[string]types.AttributeValue{}
	for _, item := range out.Items {
		if sk, _ := item[attrSK].(*types.AttributeValueMemberS); sk != nil {
			items[key{acct.PK, sk.Value}] = item
		}
	}
	return accountOf(items, id)
}

// Devices lists an account's devices with one strongly consistent query.
func (s *Store) Devices(ctx context.Context, accountID string) ([]account.Device, error) {
	var out []account.Device
	err := s.queryPrefix(ctx, accountKey(accountID).PK, devicePrefix, func(sk string, item map[string]types.AttributeValue) error {
		var it deviceItem
		if err := unmarshal(item, &it); err != nil {
			return fmt.Errorf("decode device: %w", err)
		}
		out = append(out, it.domain(strings.TrimPrefix(sk, devicePrefix)))
		return nil
	})
	return out, err
}

// Refresh sets the session's freshAt, if the session still exists.
func (s *Store) Refresh(ctx context.Context, sessionHash []byte, now time.Time, pk *passkey.Assertion) error {
	update := &types.Update{TableName: &s.table, Key: sessionKey(sessionHash).av(),
		UpdateExpression: aws.String("SET freshAt = :now"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(now)}}
	ended := account.Errorf(account.CodeUnauthenticated, "the session ended")
	if pk == nil {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: update.TableName, Key: update.Key,
			UpdateExpression: update.UpdateExpression, ConditionExpression: update.ConditionExpression,
			ExpressionAttributeValues: update.ExpressionAttributeValues})
		if errors.As(err, new(*types.ConditionalCheckFailedException)) {
			return ended
		}
		if err != nil {
			return fmt.Errorf("refresh session: %w", err)
		}
		return nil
	}
	t := s.newTx()
	t.update(update, ended)
	if err := t.passkeyAssertion(*pk); err != nil {
		return err
	}
	return t.commit(ctx, "refresh session")
}

// RevokeDevice revokes a device whose replaced secret came back: the device item keeps its name
// and times but loses its session and every secret (so it proves nothing until a step-up enrols
// it again) and records revokedAt; its session ends and the device_secret_reused event is
// written, in one transaction conditional on the device's secret being the one read (a device
// enrolled or rotated meanwhile is account.ErrStale).
func (s *Store) RevokeDevice(ctx context.Context, accountID string, d account.Device, ev account.Event) error {
	t := s.newTx().retryable()
	t.update(&types.Update{TableName: &s.table, Key: deviceKey(accountID, d.ID).av(),
		UpdateExpression:          aws.String("SET revokedAt = :now REMOVE sessionHash, secretHash, retiredSecrets"),
		ConditionExpression:       aws.String("secretHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": bin(d.SecretHash), ":now": millis(ev.At)}}, account.ErrStale)
	if len(d.SessionHash) > 0 {
		t.deleteKey(sessionKey(d.SessionHash))
	}
	if err := t.event(accountID, ev); err != nil {
		return err
	}
	return t.commit(ctx, "revoke device")
}

// RemoveDevice deletes a device and the session it holds in one transaction, conditional on the
// device still holding that session; it reads the device again when it lost a race.
func (s *Store) RemoveDevice(ctx context.Context, accountID, deviceID string) (bool, error) {
	k := deviceKey(accountID, deviceID)
	return readThenWrite("remove device", func() (bool, error) {
		var it deviceItem
		if ok, err := s.get(ctx, k, &it, "device"); !ok || err != nil {
			return false, err
		}
		del := &types.Delete{TableName: &s.table, Key: k.av(), ConditionExpression: aws.String("attribute_not_exists(sessionHash)")}
		t := s.newTx().retryable()
		t.del(del, account.ErrStale)
		if len(it.SessionHash) > 0 {
			del.ConditionExpression = aws.String("sessionHash = :h")
			del.ExpressionAttributeValues = map[string]types.AttributeValue{":h": bin(it.SessionHash)}
			t.deleteKey(sessionKey(it.SessionHash))
		}
		return true, t.commit(ctx, "remove device")
	})
}
