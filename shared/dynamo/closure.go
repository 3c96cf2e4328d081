package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
)

var _ closure.Store = (*ClosureStore)(nil)

// ClosureStore is the Store as the closure job uses it (closure.Store), apart so that its
// method names do not collide with the flows'.
type ClosureStore struct{ s *Store }

// ForClosure returns the Store as the closure job uses it.
func (s *Store) ForClosure() *ClosureStore { return &ClosureStore{s: s} }

// Shards is the number of write shards of the activity index.
func (c *ClosureStore) Shards() int { return activityShards }

// bucketKey is the GSI1PK of a bucket.
func bucketKey(b closure.Bucket) string {
	switch b.Index {
	case closure.Warned:
		return closingBucket(b.Month, b.Shard)
	case closure.Unnotified:
		return closedBucket(b.Shard)
	default:
		return activityBucket(b.Month, b.Shard)
	}
}

// Entries reads one page of a bucket of GSI1 (keys only; eventually consistent, as every GSI).
func (c *ClosureStore) Entries(ctx context.Context, b closure.Bucket, cursor string, limit int) (closure.Page, error) {
	in := &dynamodb.QueryInput{TableName: &c.s.table, IndexName: aws.String(activityIndex),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(bucketKey(b))},
		Limit:                     aws.Int32(int32(min(limit, 1<<30))),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal}
	if !b.Before.IsZero() {
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND GSI1SK < :before")
		in.ExpressionAttributeValues[":before"] = str(b.Before.UTC().Format(time.DateOnly))
	}
	if cursor != "" {
		start, err := decodeCursor(cursor)
		if err != nil {
			return closure.Page{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := c.s.db.Query(ctx, in)
	if err != nil {
		return closure.Page{}, fmt.Errorf("query %s: %w", bucketKey(b), err)
	}
	page := closure.Page{Usage: closure.Usage{Items: int(out.ScannedCount), ReadUnits: units(out.ConsumedCapacity)}}
	for _, item := range out.Items {
		if e, ok := entry(item); ok {
			// The index is keys only, so an entry's item is a cursor of its own.
			if e.Cursor, err = encodeCursor(item); err != nil {
				return closure.Page{}, err
			}
			page.Entries = append(page.Entries, e)
		}
	}
	if len(out.LastEvaluatedKey) > 0 {
		if page.Next, err = encodeCursor(out.LastEvaluatedKey); err != nil {
			return closure.Page{}, err
		}
	}
	return page, nil
}

// entry reads an index item: the account's id from its key, the day from GSI1SK.
func entry(item map[string]types.AttributeValue) (closure.Entry, bool) {
	pk, _ := item[attrPK].(*types.AttributeValueMemberS)
	sk, _ := item["GSI1SK"].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil || !strings.HasPrefix(pk.Value, accountPrefix) || len(sk.Value) < len(time.DateOnly) {
		return closure.Entry{}, false
	}
	day, err := time.Parse(time.DateOnly, sk.Value[:len(time.DateOnly)])
	if err != nil {
		return closure.Entry{}, false
	}
	return closure.Entry{AccountID: strings.TrimPrefix(pk.Value, accountPrefix), Day: day}, true
}

// A cursor is the LastEvaluatedKey of a GSI1 query (four string attributes) as JSON.
func encodeCursor(k map[string]types.AttributeValue) (string, error) {
	m := make(map[string]string, len(k))
	for name, v := range k {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("encode cursor: %s is not a string", name)
		}
		m[name] = s.Value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return string(b), nil
}

func decodeCursor(cursor string) (map[string]types.AttributeValue, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(cursor), &m); err != nil {
		return nil, fmt.Errorf("decode cursor: %w", err)
	}
	k := make(map[string]types.AttributeValue, len(m))
	for name, v := range m {
		k[name] = str(v)
	}
	return k, nil
}

func units(cc *types.ConsumedCapacity) float64 {
	if cc == nil {
		return 0
	}
	return aws.ToFloat64(cc.CapacityUnits)
}

// subjectItem is the part of the account item (and of its profile and device items) the job
// reads.
// blocks and balance are written by other systems: blocks a string set of reasons
// (investigation, dispute, debt; removed when the last is cleared), balance a map
// {amount: decimal string, currency: ISO 4217}.
type subjectItem struct {
	SK               string      `dynamodbav:"SK"`
	AccountID        string      `dynamodbav:"accountId"`
	Status           string      `dynamodbav:"status"`
	Phone            string      `dynamodbav:"phone"`
	Email            string      `dynamodbav:"email"`         // the profile item's
	EmailVerified    bool        `dynamodbav:"emailVerified"` // the profile item's
	LastActiveAt     int64       `dynamodbav:"lastActiveAt"`
	WarnedAt         int64       `dynamodbav:"inactivityWarnedAt"`
	Blocks           []string    `dynamodbav:"blocks"`
	Balance          balanceItem `dynamodbav:"balance"`
	ClosedAt         int64       `dynamodbav:"closedAt"`
	ClosedReason     string      `dynamodbav:"closedReason"`
	ClosedEventID    string      `dynamodbav:"closedEventId"`
	ClosedNotifiedAt int64       `dynamodbav:"closedNotifiedAt"`
	SessionHash      []byte      `dynamodbav:"sessionHash"`
}

type balanceItem struct {
	Amount   decimal `dynamodbav:"amount"`
	Currency string  `dynamodbav:"currency"`
}

// decimal reads an amount whether the ledger wrote it as a string or a number.
type decimal string

// UnmarshalDynamoDBAttributeValue reads S or N.
func (d *decimal) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		*d = decimal(v.Value)
	case *types.AttributeValueMemberN:
		*d = decimal(v.Value)
	case *types.AttributeValueMemberNULL:
	default:
		return fmt.Errorf("balance amount: unexpected %T", av)
	}
	return nil
}

// subjectProjection names what subjectItem reads.
const subjectProjection = "SK, accountId, #status, phone, email, emailVerified, lastActiveAt, inactivityWarnedAt, blocks, " +
	"balance, closedAt, closedReason, closedEventId, closedNotifiedAt, sessionHash"

func (it subjectItem) domain() closure.Subject {
	return closure.Subject{ID: it.AccountID, Status: account.Status(it.Status), Phone: it.Phone, Email: it.Email,
		LastActiveAt: fromMS(it.LastActiveAt), WarnedAt: fromMS(it.WarnedAt), Blocks: it.Blocks,
		Balance:  closure.Balance{Amount: string(it.Balance.Amount), Currency: it.Balance.Currency},
		ClosedAt: fromMS(it.ClosedAt), ClosedReason: it.ClosedReason, EventID: it.ClosedEventID, NotifiedAt: fromMS(it.ClosedNotifiedAt)}
}

func decodeSubject(item map[string]types.AttributeValue) (closure.Subject, error) {
	if len(item) == 0 {
		return closure.Subject{}, nil
	}
	var it subjectItem
	if err := unmarshal(item, &it); err != nil {
		return closure.Subject{}, fmt.Errorf("decode account: %w", err)
	}
	return it.domain(), nil
}

// Subject reads an account strongly consistent in one Query: over the account and its profile
// (for its email), or with sessions over the account's partition from ACCOUNT to its DEVICE#
// items (its profile, answers and bank cards lie between and are read too).
func (c *ClosureStore) Subject(ctx context.Context, id string, sessions bool) (closure.Subject, closure.Usage, error) {
	k := accountKey(id)
	to := profileKey(id).SK
	if sessions {
		to = devicePrefix + "\U0010FFFF"
	}
	p := dynamodb.NewQueryPaginator(c.s.db, &dynamodb.QueryInput{TableName: &c.s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:   aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ProjectionExpression:     aws.String(subjectProjection),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(k.PK), ":from": str(k.SK),
			":to": str(to)},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	var s closure.Subject
	var u closure.Usage
	var email string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return closure.Subject{}, u, fmt.Errorf("query account %s: %w", id, err)
		}
		u.Items += int(out.ScannedCount)
		u.ReadUnits += units(out.ConsumedCapacity)
		for _, item := range out.Items {
			var it subjectItem
			if err := unmarshal(item, &it); err != nil {
				return closure.Subject{}, u, fmt.Errorf("decode account item: %w", err)
			}
			switch {
			case it.SK == k.SK:
				sessions := s.Sessions
				s = it.domain()
				s.Sessions = sessions
			case it.SK == profileSK && it.EmailVerified:
				email = it.Email // only a verified address has a claim of the account's to release
			case strings.HasPrefix(it.SK, devicePrefix) && len(it.SessionHash) > 0:
				s.Sessions = append(s.Sessions, it.SessionHash)
			}
		}
	}
	if s.ID == "" {
		return closure.Subject{}, u, nil
	}
	s.Email = email
	return s, u, nil
}

// unblocked is the condition that no other system blocks closure.
const unblocked = "(attribute_not_exists(blocks) OR size(blocks) = :zero)"

// Warn writes a warning: see closure.Store.
func (c *ClosureStore) Warn(ctx context.Context, w closure.Warning) (bool, closure.Subject, error) {
	pk, sk := closingIndex(w.AccountID, w.ClosesOn)
	t := c.s.newTx()
	c.subjectUpdate(t, &types.Update{TableName: &c.s.table, Key: accountKey(w.AccountID).av(),
		UpdateExpression: aws.String("SET inactivityWarnedAt = :now, closesOn = :due, GSI1PK = :pk, GSI1SK = :sk"),
		ConditionExpression: aws.String("GSI1PK = :from AND #status IN (:active, :frozen) AND lastActiveAt <= :cutoff AND " +
			unblocked + " AND (attribute_not_exists(inactivityWarnedAt) OR inactivityWarnedAt < lastActiveAt)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": millis(w.Event.At), ":due": millis(w.ClosesOn),
			":pk": str(pk), ":sk": str(sk), ":from": str(bucketKey(w.From)), ":active": str(string(account.StatusActive)),
			":frozen": str(string(account.StatusFrozen)), ":cutoff": millis(w.Cutoff), ":zero": num(0)}})
	if err := t.event(w.AccountID, w.Event); err != nil {
		return false, closure.Subject{}, err
	}
	return commitSubject(ctx, "warn", t)
}

// moved is the failure of the account's conditional update in the closure job's writes: it
// carries the account as it now is.
type moved struct{ now closure.Subject }

func (moved) Error() string { return "the account changed since it was read" }

// subjectUpdate adds the account's conditional update, which answers moved when it fails.
func (c *ClosureStore) subjectUpdate(t *tx, u *types.Update) {
	u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	t.addFn(types.TransactWriteItem{Update: u}, func(old map[string]types.AttributeValue) error {
		s, err := decodeSubject(old)
		if err != nil {
			return err
		}
		return moved{now: s}
	})
}

// commitSubject commits a transaction built with subjectUpdate; when the account's condition
// failed it returns false and the account as it now is.
func commitSubject(ctx context.Context, what string, t *tx) (bool, closure.Subject, error) {
	err := t.commit(ctx, what)
	var m moved
	switch {
	case err == nil:
		return true, closure.Subject{}, nil
	case errors.As(err, &m):
		return false, m.now, nil
	case errors.Is(err, errConflict):
		return false, closure.Subject{}, fmt.Errorf("%s: %w", what, err)
	}
	return false, closure.Subject{}, err
}

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// Close closes an account: see closure.Closure. One transaction: the account, the phone claim,
// the email claim (if any), the event, the sessions. Sessions beyond what fits in one
// transaction are ended first, on their own.
func (c *ClosureStore) Close(ctx context.Context, cl closure.Closure) (bool, closure.Subject, error) {
	s := cl.Subject
	t := c.s.newTx()
	err := c.closing(ctx, t, s, cl.Event, func(u *types.Update) {
		u.ConditionExpression = aws.String("GSI1PK = :from AND #status = :seen AND lastActiveAt = :last AND inactivityWarnedAt = :warned AND " +
			unblocked)
		maps.Copy(u.ExpressionAttributeValues, map[string]types.AttributeValue{":from": str(bucketKey(cl.From)),
			":seen": str(string(s.Status)), ":last": millis(s.LastActiveAt), ":warned": millis(s.WarnedAt), ":zero": num(0)})
		c.subjectUpdate(t, u)
	})
	if err != nil {
		return false, closure.Subject{}, err
	}
	return commitSubject(ctx, "close account", t)
}

// closing adds the closure path's writes to t: the account closed (status, closedAt, the event's
// id, closedReason when s gives one, one more version) and filed for its account.closed message,
// the phone and email claims released, the event, and the sessions; sessions beyond what fits in
// one transaction are ended first, on their own. guard gets the account's update, to which it
// adds its condition and values, and adds it to t: the one thing the closure job and customer
// service close on differently.
func (c *ClosureStore) closing(ctx context.Context, t *tx, s closure.Subject, ev account.Event, guard func(*types.Update)) error {
	pk, sk := closedIndex(s.ID, ev.At)
	set := "SET #status = :closed, closedAt = :now, closedEventId = :eid, GSI1PK = :pk, GSI1SK = :sk"
	vals := map[string]types.AttributeValue{":closed": str(string(account.StatusClosed)),
		":now": millis(ev.At), ":eid": str(ev.ID), ":pk": str(pk), ":sk": str(sk), ":one": num(1)}
	if s.ClosedReason != "" {
		set += ", closedReason = :reason"
		vals[":reason"] = str(s.ClosedReason)
	}
	guard(&types.Update{TableName: &c.s.table, Key: accountKey(s.ID).av(), UpdateExpression: aws.String(set + " ADD version :one"),
		ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: vals})
	c.release(t, phoneClaim(s.Phone), s.ID)
	if s.Email != "" {
		c.release(t, emailClaim(s.Email), s.ID)
	}
	if err := t.event(s.ID, ev); err != nil {
		return err
	}
	return t.endAllSessions(ctx, s.Sessions)
}

// release deletes a claim if it still names the account (or is gone already).
func (c *ClosureStore) release(t *tx, k key, accountID string) {
	t.del(&types.Delete{TableName: &c.s.table, Key: k.av(),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR accountId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(accountID)}}, closure.ErrClaimElsewhere)
}

// Notified records the publication of account.closed: the account leaves the index.
func (c *ClosureStore) Notified(ctx context.Context, id string, at time.Time) error {
	_, err := c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &c.s.table, Key: accountKey(id).av(),
		UpdateExpression:          aws.String("SET closedNotifiedAt = if_not_exists(closedNotifiedAt, :at) REMOVE GSI1PK, GSI1SK"),
		ConditionExpression:       aws.String("#status = :closed"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": millis(at), ":closed": str(string(account.StatusClosed))}})
	if err != nil {
		return fmt.Errorf("mark account.closed published: %w", err)
	}
	return nil
}

// Reindex files an account whose warning is void under its last activity again.
func (c *ClosureStore) Reindex(ctx context.Context, s closure.Subject) error {
	pk, sk := idleIndex(s.ID, s.LastActiveAt)
	_, err := c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &c.s.table, Key: accountKey(s.ID).av(),
		UpdateExpression:         aws.String("SET GSI1PK = :pk, GSI1SK = :sk"),
		ConditionExpression:      aws.String("lastActiveAt = :last AND #status IN (:active, :frozen) AND begins_with(GSI1PK, :closing)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":sk": str(sk), ":last": millis(s.LastActiveAt),
			":active": str(string(account.StatusActive)), ":frozen": str(string(account.StatusFrozen)), ":closing": str(closingPrefix)}})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("reindex account: %w", err)
	}
	return nil
}

// checkpointTTL is how long a run's checkpoint is kept.
const checkpointTTL = 90 * 24 * time.Hour

// checkpointItem is the stored checkpoint of a run (JOB#closure / <runId>).
type checkpointItem struct {
	StartedAt    int64             `dynamodbav:"startedAt"`
	Done         bool              `dynamodbav:"done"`
	Finished     []string          `dynamodbav:"finished,stringset"`
	Cursors      map[string]string `dynamodbav:"cursors"`
	Invocations  int               `dynamodbav:"invocations"`
	Examined     int               `dynamodbav:"examined"`
	Warned       int               `dynamodbav:"warned"`
	Closed       int               `dynamodbav:"closed"`
	Notified     int               `dynamodbav:"notified"`
	NotifyFailed int               `dynamodbav:"notifyFailed"`
	Waiting      int               `dynamodbav:"waiting"`
	Reactivated  int               `dynamodbav:"reactivated"`
	Raced        int               `dynamodbav:"raced"`
	Gone         int               `dynamodbav:"gone"`
	Failed       int               `dynamodbav:"failed"`
	PhoneChanges int               `dynamodbav:"phoneChanges"`
	Deletions    int               `dynamodbav:"deletions"`
	AccountReads int               `dynamodbav:"accountReads"`
	ReadUnits    float64           `dynamodbav:"readUnits"`
	Skipped      map[string]int    `dynamodbav:"skipped"`
}

func (it checkpointItem) domain(runID string) closure.Checkpoint {
	cp := closure.Checkpoint{RunID: runID, AsOf: fromMS(it.StartedAt), Done: it.Done, Finished: map[string]bool{},
		Cursors: it.Cursors, Invocations: it.Invocations,
		Totals: closure.Counts{Examined: it.Examined, Warned: it.Warned, Closed: it.Closed, Notified: it.Notified,
			NotifyFailed: it.NotifyFailed, Waiting: it.Waiting, Reactivated: it.Reactivated, Raced: it.Raced, Gone: it.Gone,
			Failed: it.Failed, PhoneChanges: it.PhoneChanges, Deletions: it.Deletions, AccountReads: it.AccountReads, ReadUnits: it.ReadUnits}}
	for _, u := range it.Finished {
		cp.Finished[u] = true
	}
	for r, n := range it.Skipped {
		if n != 0 {
			if cp.Totals.Skipped == nil {
				cp.Totals.Skipped = map[string]int{}
			}
			cp.Totals.Skipped[r] = n
		}
	}
	return cp
}

// BeginRun creates or reads the run's checkpoint and takes its lease, in one UpdateItem.
func (c *ClosureStore) BeginRun(ctx context.Context, r closure.RunStart) (closure.Checkpoint, error) {
	empty := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	out, err := c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &c.s.table, Key: jobKey(closure.JobName, r.RunID).av(),
		UpdateExpression: aws.String("SET startedAt = if_not_exists(startedAt, :asOf), #owner = :owner, leaseUntil = :lease, " +
			"cursors = if_not_exists(cursors, :empty), skipped = if_not_exists(skipped, :empty), " +
			"expiresAt = if_not_exists(expiresAt, :exp) ADD invocations :one"),
		ConditionExpression:      aws.String("attribute_not_exists(leaseUntil) OR leaseUntil < :now OR #owner = :owner"),
		ExpressionAttributeNames: map[string]string{"#owner": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":asOf": millis(r.AsOf), ":owner": str(r.Owner),
			":lease": millis(r.LeaseUntil), ":empty": empty, ":exp": epoch(r.AsOf.Add(checkpointTTL)), ":one": num(1),
			":now": millis(r.Now)},
		ReturnValues: types.ReturnValueAllNew})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return closure.Checkpoint{}, closure.ErrBusy
	case err != nil:
		return closure.Checkpoint{}, fmt.Errorf("begin run: %w", err)
	}
	var it checkpointItem
	if err := unmarshal(out.Attributes, &it); err != nil {
		return closure.Checkpoint{}, fmt.Errorf("decode checkpoint: %w", err)
	}
	return it.domain(r.RunID), nil
}

// SaveProgress records one page of a unit: its cursor, or that it is finished, and the counts,
// in one UpdateItem.
func (c *ClosureStore) SaveProgress(ctx context.Context, runID string, p closure.Progress) error {
	u := newUpdate()
	names := map[string]string{"#u": p.Unit}
	if p.Finished {
		u.add("finished", &types.AttributeValueMemberSS{Value: []string{p.Unit}})
		u.remove = append(u.remove, "cursors.#u")
	} else {
		u.set = append(u.set, "cursors.#u = :cursor")
		u.vals[":cursor"] = str(p.Cursor)
	}
	k := p.Counts
	for name, n := range map[string]int{"examined": k.Examined, "warned": k.Warned, "closed": k.Closed, "notified": k.Notified,
		"notifyFailed": k.NotifyFailed, "waiting": k.Waiting, "reactivated": k.Reactivated, "raced": k.Raced, "gone": k.Gone,
		"failed": k.Failed, "phoneChanges": k.PhoneChanges, "deletions": k.Deletions, "accountReads": k.AccountReads} {
		if n != 0 {
			u.add(name, num(int64(n)))
		}
	}
	if k.ReadUnits != 0 {
		u.add("readUnits", &types.AttributeValueMemberN{Value: strconv.FormatFloat(k.ReadUnits, 'f', -1, 64)})
	}
	i := 0
	for reason, n := range k.Skipped {
		r, v := "#r"+strconv.Itoa(i), ":r"+strconv.Itoa(i)
		names[r] = reason
		u.set = append(u.set, fmt.Sprintf("skipped.%s = if_not_exists(skipped.%s, :zero) + %s", r, r, v))
		u.vals[v], u.vals[":zero"] = num(int64(n)), num(0)
		i++
	}
	_, err := c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &c.s.table, Key: jobKey(closure.JobName, runID).av(),
		UpdateExpression: aws.String(u.expression()), ExpressionAttributeNames: names, ExpressionAttributeValues: u.vals})
	if err != nil {
		return fmt.Errorf("save progress of %s: %w", p.Unit, err)
	}
	return nil
}

// EndRun releases the lease, and marks the run done when done is true.
func (c *ClosureStore) EndRun(ctx context.Context, runID, owner string, done bool, at time.Time) error {
	u := newUpdate()
	u.set = append(u.set, "finishedAt = :at")
	u.vals[":at"], u.vals[":owner"] = millis(at), str(owner)
	if done {
		u.set = append(u.set, "done = :done")
		u.vals[":done"] = boolean(true)
	}
	u.remove = append(u.remove, "leaseUntil", "#owner")
	_, err := c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &c.s.table, Key: jobKey(closure.JobName, runID).av(),
		UpdateExpression: aws.String(u.expression()), ConditionExpression: aws.String("#owner = :owner"),
		ExpressionAttributeNames: map[string]string{"#owner": "owner"}, ExpressionAttributeValues: u.vals})
	if err != nil {
		return fmt.Errorf("end run: %w", err)
	}
	return nil
}

// update collects the clauses of an UpdateExpression.
type update struct {
	set, adds, remove []string
	vals              map[string]types.AttributeValue
}

func newUpdate() *update { return &update{vals: map[string]types.AttributeValue{}} }

// add adds v to the top-level attribute name (numbers and sets only).
func (u *update) add(name string, v types.AttributeValue) {
	ph := ":add_" + name
	u.adds = append(u.adds, name+" "+ph)
	u.vals[ph] = v
}

func (u *update) expression() string {
	var parts []string
	if len(u.set) > 0 {
		parts = append(parts, "SET "+strings.Join(u.set, ", "))
	}
	if len(u.adds) > 0 {
		parts = append(parts, "ADD "+strings.Join(u.adds, ", "))
	}
	if len(u.remove) > 0 {
		parts = append(parts, "REMOVE "+strings.Join(u.remove, ", "))
	}
	return strings.Join(parts, " ")
}

// AccountItems returns the stored form of an account, of its phone claim and of its answers and
// profile (when it has them), as signup writes them (the activity index entry included), for loading
// accounts in bulk with BatchWriteItem: benchmarks and tests of the closure job.
func AccountItems(a account.Account) ([]map[string]types.AttributeValue, error) {
	acct, err := marshal(accountKey(a.ID), toAccountItem(a))
	if err != nil {
		return nil, err
	}
	claim, err := marshal(phoneClaim(a.Phone), claimItem{AccountID: a.ID, Lang: a.Lang})
	if err != nil {
		return nil, err
	}
	items := []map[string]types.AttributeValue{acct, claim}
	if len(a.Answers) > 0 {
		answers, err := marshal(answersKey(a.ID), toAnswersItem(a.Answers))
		if err != nil {
			return nil, err
		}
		items = append(items, answers)
	}
	if p := profileItem(a.Profile); !p.empty() {
		profile, err := marshal(profileKey(a.ID), p)
		if err != nil {
			return nil, err
		}
		items = append(items, profile)
	}
	return items, nil
}
