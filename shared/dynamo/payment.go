package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/limits"
	"github.com/wallet-accounts/wallet/shared/money"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/payment"
	"github.com/wallet-accounts/wallet/shared/paypass"
)

var _ payment.Store = (*Store)(nil)

// authzItem is a payment authorization. Deadline is ConfirmBy while pending and HoldUntil once
// approved; GSI1 files a live one by it (authzDueIndex) and is removed when it settles.
type authzItem struct {
	AccountID    string       `dynamodbav:"accountId"`
	Amount       int64        `dynamodbav:"amount"`
	Currency     string       `dynamodbav:"currency"`
	PayeeID      string       `dynamodbav:"payeeId"`
	PayeeName    string       `dynamodbav:"payeeName"`
	Decision     string       `dynamodbav:"decision"`
	Status       string       `dynamodbav:"status"`
	Caller       string       `dynamodbav:"caller"`
	RequestHash  []byte       `dynamodbav:"requestHash"`
	CreatedAt    int64        `dynamodbav:"createdAt"`
	ConfirmBy    int64        `dynamodbav:"confirmBy"`
	HoldUntil    int64        `dynamodbav:"holdUntil"`
	Deadline     int64        `dynamodbav:"deadline"`
	Periods      []periodItem `dynamodbav:"periods"`
	PasswordFree bool         `dynamodbav:"passwordFree,omitempty"`
	KeyID        string       `dynamodbav:"keyId"`
	Nonce        []byte       `dynamodbav:"nonce"`
	GSI1PK       string       `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK       string       `dynamodbav:"GSI1SK,omitempty"`
	ExpiresAt    int64        `dynamodbav:"expiresAt"`
}

// periodItem is one counter an authorization reserved in.
type periodItem struct {
	Window string `dynamodbav:"w"`
	Name   string `dynamodbav:"n"`
	Ends   int64  `dynamodbav:"e,omitempty"`
}

// counterKeep is how long a limit counter outlives its period: longer than any hold, so a
// release after the period still finds it.
const counterKeep = 31 * 24 * time.Hour

// authzKeep is how long an authorization is kept after its hold ends.
const authzKeep = 30 * 24 * time.Hour

func toAuthzItem(a payment.Authorization) authzItem {
	it := authzItem{AccountID: a.AccountID, Amount: a.Amount.Minor, Currency: a.Amount.Currency, PayeeID: a.Payee.ID,
		PayeeName: a.Payee.Name, Decision: string(a.Decision), Status: string(a.Status), Caller: a.Caller, RequestHash: a.RequestHash,
		CreatedAt: ms(a.CreatedAt), ConfirmBy: ms(a.ConfirmBy), HoldUntil: ms(a.HoldUntil), PasswordFree: a.PasswordFree,
		KeyID: a.KeyID, Nonce: a.Nonce, ExpiresAt: a.HoldUntil.Add(authzKeep).Unix()}
	it.Deadline = it.ConfirmBy
	if a.Status == payment.StatusApproved {
		it.Deadline = it.HoldUntil
	}
	for _, p := range a.Periods {
		it.Periods = append(it.Periods, periodItem{Window: string(p.Window), Name: p.Name, Ends: ms(p.Ends)})
	}
	if a.Live() {
		it.GSI1PK, it.GSI1SK = authzDueIndex(a.ID, fromMS(it.Deadline))
	}
	return it
}

func (it authzItem) domain(id string) payment.Authorization {
	a := payment.Authorization{ID: id, AccountID: it.AccountID, Amount: money.Amount{Minor: it.Amount, Currency: it.Currency},
		Payee: payment.Payee{ID: it.PayeeID, Name: it.PayeeName}, Decision: payment.Decision(it.Decision),
		Status: payment.Status(it.Status), Caller: it.Caller, RequestHash: it.RequestHash, CreatedAt: fromMS(it.CreatedAt),
		ConfirmBy: fromMS(it.ConfirmBy), HoldUntil: fromMS(it.HoldUntil), PasswordFree: it.PasswordFree, KeyID: it.KeyID, Nonce: it.Nonce}
	for _, p := range it.Periods {
		a.Periods = append(a.Periods, limits.Period{Window: limits.Window(p.Window), Name: p.Name, Ends: fromMS(p.Ends)})
	}
	return a
}

// windowNoPw is the password-free day's counter.
const windowNoPw = "nopw"

// usedAttr and settledAttr are a currency's attributes in a limit counter: used (reserved by live
// authorizations plus settled) and settled, in minor units.
func usedAttr(currency string) string    { return "u" + currency }
func settledAttr(currency string) string { return "s" + currency }

// counterKeys are the counters of periods, and the password-free day's.
func counterKeys(accountID string, periods []limits.Period) (counted []key, noPw key) {
	for _, p := range periods {
		counted = append(counted, limitKey(accountID, string(p.Window), p.Name))
		if p.Window == limits.Day {
			noPw = limitKey(accountID, windowNoPw, p.Name)
		}
	}
	return counted, noPw
}

// AuthorizeState reads the account, a previous authorization with the id, the settings, the
// device and the counters in one BatchGetItem.
func (s *Store) AuthorizeState(ctx context.Context, q payment.StateQuery) (payment.AuthorizeState, error) {
	st := payment.AuthorizeState{Used: map[string]limits.Used{}, NoPwUsed: map[string]int64{}}
	counted, noPw := counterKeys(q.AccountID, q.Periods)
	keys := append([]key{accountKey(q.AccountID), authzKey(q.AuthzID), paySettingsKey(q.AccountID), noPw}, counted...)
	if q.DeviceID != "" {
		keys = append(keys, deviceKey(q.AccountID, q.DeviceID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return st, fmt.Errorf("authorization state: %w", err)
	}
	if err := decodeInto(items, accountKey(q.AccountID), func(it accountItem) { a := it.domain(); st.Account = &a }); err != nil {
		return st, err
	}
	if err := decodeInto(items, authzKey(q.AuthzID), func(it authzItem) { a := it.domain(q.AuthzID); st.Existing = &a }); err != nil {
		return st, err
	}
	if err := decodeInto(items, paySettingsKey(q.AccountID), func(it paySettingsItem) { st.Settings = it.domain() }); err != nil {
		return st, err
	}
	if q.DeviceID != "" {
		if err := decodeInto(items, deviceKey(q.AccountID, q.DeviceID), func(it deviceItem) { d := it.domain(q.DeviceID); st.Device = &d }); err != nil {
			return st, err
		}
	}
	for i, p := range q.Periods {
		for cur, n := range counterValues(items[counted[i]]) {
			if st.Used[cur] == nil {
				st.Used[cur] = limits.Used{}
			}
			st.Used[cur][p.Window] = n
		}
	}
	st.NoPwUsed = counterValues(items[noPw])
	return st, nil
}

// decodeInto decodes the item under k, if there is one, and hands it to use.
func decodeInto[T any](items map[key]map[string]types.AttributeValue, k key, use func(T)) error {
	item, ok := items[k]
	if !ok {
		return nil
	}
	var it T
	if err := unmarshal(item, &it); err != nil {
		return fmt.Errorf("decode %s: %w", k.SK, err)
	}
	use(it)
	return nil
}

// counterValues reads the used amounts of a counter item by currency.
func counterValues(item map[string]types.AttributeValue) map[string]int64 {
	out := map[string]int64{}
	for name, v := range item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok || len(name) != 4 || name[0] != 'u' {
			continue
		}
		var x int64
		fmt.Sscan(n.Value, &x)
		out[name[1:]] = x
	}
	return out
}

// Reserve writes a new authorization and its reservation in one transaction.
func (s *Store) Reserve(ctx context.Context, r payment.Reservation) error {
	a := r.Authz
	t := s.newTx().retryable()
	if err := t.putNewItem(authzKey(a.ID), toAuthzItem(a), payment.ErrExists); err != nil {
		return err
	}
	// A freeze or closure since the read refuses the payment.
	t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: accountKey(a.AccountID).av(),
		ConditionExpression: aws.String("#status = :active"), ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(account.StatusActive))}}}, account.ErrStale)
	counted, noPw := counterKeys(a.AccountID, a.Periods)
	for i, p := range a.Periods {
		limit, capped := r.Caps[p.Window]
		t.reserve(counted[i], p, a.Amount, limit, capped, func(used int64) error { return &payment.LimitError{Window: p.Window, Used: used} })
	}
	if a.PasswordFree {
		// Password-free payments racing past the daily cap: decide again, and the cap asks for a confirmation.
		day := a.Periods[0]
		t.reserve(noPw, day, a.Amount, r.NoPw, true, func(int64) error { return account.ErrStale })
	}
	if r.Event != nil {
		if err := t.event(a.AccountID, *r.Event); err != nil {
			return err
		}
	}
	return t.commit(ctx, "reserve payment")
}

// reserve adds amt to the counter k of period p, conditional, when capped, on the used amount
// staying within limit; a failure answers what over makes of the used amount as it stood.
func (t *tx) reserve(k key, p limits.Period, amt money.Amount, limit int64, capped bool, over func(used int64) error) {
	u := &types.Update{TableName: &t.s.table, Key: k.av(), UpdateExpression: aws.String("ADD #u :amt"),
		ExpressionAttributeNames: map[string]string{"#u": usedAttr(amt.Currency)}, ExpressionAttributeValues: map[string]types.AttributeValue{":amt": num(amt.Minor)}}
	if !p.Ends.IsZero() {
		u.UpdateExpression = aws.String("ADD #u :amt SET expiresAt = if_not_exists(expiresAt, :exp)")
		u.ExpressionAttributeValues[":exp"] = epoch(p.Ends.Add(counterKeep))
	}
	if !capped {
		t.update(u, nil)
		return
	}
	u.ConditionExpression = aws.String("attribute_not_exists(#u) OR #u <= :room")
	u.ExpressionAttributeValues[":room"] = num(limit - amt.Minor)
	u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	t.addFn(types.TransactWriteItem{Update: u}, func(old map[string]types.AttributeValue) error {
		return over(counterValues(old)[amt.Currency])
	})
}

// ConfirmationState reads the session, the authorization, its account, the proof and the passkey in
// one BatchGetItem.
func (s *Store) ConfirmationState(ctx context.Context, sessionHash []byte, authzID, token string, credentialID []byte) (payment.ConfirmState, error) {
	var st payment.ConfirmState
	accountID, _, _ := cutID(authzID)
	keys := []key{sessionKey(sessionHash), authzKey(authzID), accountKey(accountID)}
	proofID, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	pkID := passkey.IDFor(accountID, credentialID)
	if len(credentialID) > 0 {
		keys = append(keys, passkeyIndex(credentialID), passkeyKey(accountID, pkID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return st, fmt.Errorf("confirmation state: %w", err)
	}
	errs := []error{
		decodeInto(items, sessionKey(sessionHash), func(it sessionItem) { ses := it.domain(sessionHash); st.Session = &ses }),
		decodeInto(items, authzKey(authzID), func(it authzItem) { a := it.domain(authzID); st.Authz = &a }),
		decodeInto(items, accountKey(accountID), func(it accountItem) { a := it.domain(); st.Account = &a }),
	}
	if err := errors.Join(errs...); err != nil {
		return st, err
	}
	if st.Proof, err = decodeProof(items, proofID, hasProof); err != nil {
		return st, err
	}
	var ix passkeyIndexItem
	if err := decodeInto(items, passkeyIndex(credentialID), func(it passkeyIndexItem) { ix = it }); err != nil || len(credentialID) == 0 {
		return st, err
	}
	if item, ok := items[passkeyKey(accountID, pkID)]; ok && ix.AccountID == accountID && ix.PasskeyID == pkID {
		p, err := decodePasskey(accountID, passkeyPrefix+pkID, item)
		if err != nil {
			return st, err
		}
		st.Passkey = &p
	}
	return st, nil
}

// cutID splits an authorization id into its account and its own part.
func cutID(id string) (accountID, own string, ok bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '.' {
			return id[:i], id[i+1:], true
		}
	}
	return id, "", false
}

// Approve writes a confirmation in one transaction.
func (s *Store) Approve(ctx context.Context, c payment.Confirmation) error {
	a := c.Authz
	t := s.newTx()
	gpk, gsk := authzDueIndex(a.ID, a.HoldUntil)
	t.addFn(types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: authzKey(a.ID).av(),
		UpdateExpression:         aws.String("SET #status = :approved, confirmedAt = :now, deadline = :hold, GSI1PK = :gpk, GSI1SK = :gsk"),
		ConditionExpression:      aws.String("#status = :pending AND deadline > :now AND accountId = :acct"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":approved": str(string(payment.StatusApproved)),
			":pending": str(string(payment.StatusPending)), ":now": millis(c.Now), ":hold": millis(a.HoldUntil),
			":gpk": str(gpk), ":gsk": str(gsk), ":acct": str(a.AccountID)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}, func(old map[string]types.AttributeValue) error {
		var it authzItem
		if err := unmarshal(old, &it); err == nil && it.Status == string(payment.StatusPending) {
			return account.Errorf(account.CodeAuthorizationExpired, "this payment waited too long for its confirmation; pay again")
		}
		return account.Errorf(account.CodeAuthorizationDone, "this payment was confirmed, settled or expired already")
	})
	if ad := c.Admission; ad != nil {
		t.addFn(types.TransactWriteItem{Update: withOld(admitUpdate(s.table, *ad))}, func(old map[string]types.AttributeValue) error {
			return refusal(*ad, old)
		})
	}
	if c.Passkey != nil {
		t.passkeyUse(*c.Passkey)
	}
	if c.Proof != nil {
		t.spendProof(c.Proof, c.Now)
	}
	if c.Event != nil {
		if err := t.event(a.AccountID, *c.Event); err != nil {
			return err
		}
	}
	return t.commit(ctx, "approve payment")
}

// withOld asks a transaction's update to return the item as it stood when its condition fails.
func withOld(u *types.Update) *types.Update {
	u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	return u
}

// Authorization reads one authorization.
func (s *Store) Authorization(ctx context.Context, id string) (*payment.Authorization, error) {
	var it authzItem
	if ok, err := s.get(ctx, authzKey(id), &it, "authorization"); !ok || err != nil {
		return nil, err
	}
	a := it.domain(id)
	return &a, nil
}

// Settle moves a live authorization to captured, voided or expired and its amount in its
// counters: a capture adds it to settled; a void or an expiry takes it out of used (and out of
// the password-free day). An expiry is conditional on the deadline having passed.
func (s *Store) Settle(ctx context.Context, a payment.Authorization, to payment.Status, now time.Time) error {
	t := s.newTx().retryable()
	cond := "#status = :read"
	vals := map[string]types.AttributeValue{":to": str(string(to)), ":read": str(string(a.Status)), ":now": millis(now)}
	if to == payment.StatusExpired {
		cond += " AND deadline <= :now"
	}
	t.update(&types.Update{TableName: &s.table, Key: authzKey(a.ID).av(),
		UpdateExpression: aws.String("SET #status = :to, settledAt = :now REMOVE GSI1PK, GSI1SK"), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: vals}, account.ErrStale)
	counted, noPw := counterKeys(a.AccountID, a.Periods)
	attr, delta := usedAttr(a.Amount.Currency), -a.Amount.Minor
	if to == payment.StatusCaptured {
		attr, delta = settledAttr(a.Amount.Currency), a.Amount.Minor
	}
	for _, k := range counted {
		t.update(&types.Update{TableName: &s.table, Key: k.av(), UpdateExpression: aws.String("ADD #a :d"),
			ExpressionAttributeNames: map[string]string{"#a": attr}, ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta)}}, nil)
	}
	if a.PasswordFree && to != payment.StatusCaptured {
		t.update(&types.Update{TableName: &s.table, Key: noPw.av(), UpdateExpression: aws.String("ADD #a :d"),
			ExpressionAttributeNames: map[string]string{"#a": attr}, ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta)}}, nil)
	}
	return t.commit(ctx, "settle payment")
}

// Due lists live authorizations whose deadline is at or before now, reading the due index's
// shards (eventually consistent) and then the authorizations themselves (strongly).
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]payment.Authorization, error) {
	var keys []key
	upTo := indexTime(now) + "#~"
	for shard := 0; shard < activityShards && len(keys) < limit; shard++ {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI1"),
			KeyConditionExpression:    aws.String("GSI1PK = :pk AND GSI1SK <= :upTo"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(authzDueBucket(shard)), ":upTo": str(upTo)},
			Limit:                     aws.Int32(int32(limit - len(keys)))})
		if err != nil {
			return nil, fmt.Errorf("query due authorizations: %w", err)
		}
		for _, item := range out.Items {
			pk, _ := item[attrPK].(*types.AttributeValueMemberS)
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			if pk != nil && sk != nil {
				keys = append(keys, key{pk.Value, sk.Value})
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []payment.Authorization
	for k, item := range items {
		var it authzItem
		if err := unmarshal(item, &it); err != nil {
			return nil, fmt.Errorf("decode authorization: %w", err)
		}
		if a := it.domain(k.PK[len("AUTHZ#"):]); a.Live() && it.Deadline <= now.UnixMilli() {
			out = append(out, a)
		}
	}
	return out, nil
}

// paySettingsItem is an account's password-free settings.
type paySettingsItem struct {
	PasswordFree bool   `dynamodbav:"passwordFree"`
	Currency     string `dynamodbav:"currency,omitempty"`
	PerPayment   int64  `dynamodbav:"perPayment,omitempty"`
	Daily        int64  `dynamodbav:"daily,omitempty"`
	UpdatedAt    int64  `dynamodbav:"updatedAt"`
}

func (it paySettingsItem) domain() payment.Settings {
	return payment.Settings{PasswordFree: it.PasswordFree, Currency: it.Currency, PerPayment: it.PerPayment, Daily: it.Daily,
		UpdatedAt: fromMS(it.UpdatedAt)}
}

// PaymentSettings reads the account and its settings in one BatchGetItem.
func (s *Store) PaymentSettings(ctx context.Context, accountID string) (*account.Account, payment.Settings, error) {
	var a *account.Account
	var set payment.Settings
	items, err := s.getMany(ctx, []key{accountKey(accountID), paySettingsKey(accountID)})
	if err != nil {
		return nil, set, fmt.Errorf("payment settings: %w", err)
	}
	err = errors.Join(decodeInto(items, accountKey(accountID), func(it accountItem) { d := it.domain(); a = &d }),
		decodeInto(items, paySettingsKey(accountID), func(it paySettingsItem) { set = it.domain() }))
	return a, set, err
}

// SavePaymentSettings writes the settings, with the event and the admission when given, in one
// transaction conditional on the account being active.
func (s *Store) SavePaymentSettings(ctx context.Context, accountID string, set payment.Settings, ev *account.Event, ad *paypass.Admission) error {
	item, err := marshal(paySettingsKey(accountID), paySettingsItem{PasswordFree: set.PasswordFree, Currency: set.Currency,
		PerPayment: set.PerPayment, Daily: set.Daily, UpdatedAt: ms(set.UpdatedAt)})
	if err != nil {
		return err
	}
	t := s.newTx()
	t.put(&types.Put{TableName: &s.table, Item: item}, nil)
	if ad != nil {
		t.addFn(types.TransactWriteItem{Update: withOld(admitUpdate(s.table, *ad))}, func(old map[string]types.AttributeValue) error {
			return refusal(*ad, old)
		})
	} else {
		t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: accountKey(accountID).av(),
			ConditionExpression: aws.String("#status = :active"), ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(account.StatusActive))}}}, errAccountGone)
	}
	if ev != nil {
		if err := t.event(accountID, *ev); err != nil {
			return err
		}
	}
	return t.commit(ctx, "save payment settings")
}

// AccountUsage reads an account with its profile (the account's overview shows it) and its
// counters of periods, by currency, in one BatchGetItem.
func (s *Store) AccountUsage(ctx context.Context, accountID string, periods []limits.Period) (*account.Account, map[string]limits.Used, error) {
	counted, _ := counterKeys(accountID, periods)
	items, err := s.getMany(ctx, append([]key{accountKey(accountID), profileKey(accountID)}, counted...))
	if err != nil {
		return nil, nil, fmt.Errorf("limit usage: %w", err)
	}
	a, err := accountOf(items, accountID)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]limits.Used{}
	for i, p := range periods {
		for cur, n := range counterValues(items[counted[i]]) {
			if out[cur] == nil {
				out[cur] = limits.Used{}
			}
			out[cur][p.Window] = n
		}
	}
	return a, out, nil
}
