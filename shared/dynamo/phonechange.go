package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
)

var _ phonechange.Store = (*Store)(nil)

// changeKeep is how long a finished change stays in the table, for support and audit.
const changeKeep = 90 * 24 * time.Hour

func toChangeItem(c phonechange.Change) phoneChangeItem {
	return phoneChangeItem{ChangeID: c.ID, AccountID: c.AccountID, Path: string(c.Path), State: string(c.State),
		OldPhone: c.OldPhone, NewPhone: c.NewPhone, CreatedAt: ms(c.CreatedAt), EffectiveAt: ms(c.EffectiveAt), ExpiresAt: c.ExpiresAt.Unix(),
		SessionHash: c.SessionHash}
}

// StartState reads the account with its profile and answers (the identity path checks the ID
// number and two answers) and the proof a token names, in one BatchGetItem.
func (s *Store) StartState(ctx context.Context, accountID, token string) (account.Account, *otp.Challenge, error) {
	keys := []key{accountKey(accountID), profileKey(accountID), answersKey(accountID)}
	proofID, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return account.Account{}, nil, fmt.Errorf("phone change state: %w", err)
	}
	a, err := accountOf(items, accountID)
	if err != nil {
		return account.Account{}, nil, err
	}
	if a == nil {
		a = &account.Account{}
	}
	proof, err := decodeProof(items, proofID, hasProof)
	return *a, proof, err
}

// CreateChange writes a new change, spending the old-phone proof if one was used.
func (s *Store) CreateChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge, a account.Account, r account.Rehash) error {
	k, _ := changeKeyOf(c.ID)
	t := s.newTx()
	if err := t.putNewItem(k, toChangeItem(c), nil); err != nil {
		return err
	}
	if err := t.guardAccount(a, r); err != nil {
		return err
	}
	if proof != nil {
		t.spendProof(proof, c.CreatedAt)
	}
	return t.commit(ctx, "create phone change")
}

// ConfirmState reads the session, the change and the proof in one BatchGetItem, then the
// account and its devices in one Query.
func (s *Store) ConfirmState(ctx context.Context, sessionHash []byte, changeID, token string) (phonechange.ConfirmState, error) {
	var st phonechange.ConfirmState
	ck, ok := changeKeyOf(changeID)
	if !ok {
		return st, nil
	}
	keys := []key{ck}
	if len(sessionHash) > 0 {
		keys = append(keys, sessionKey(sessionHash))
	}
	proofID, hasProof := otp.TokenChallengeID(token)
	if hasProof {
		keys = append(keys, challenge(proofID))
	}
	items, err := s.getMany(ctx, keys)
	if err != nil {
		return st, fmt.Errorf("phone change state: %w", err)
	}
	if item, ok := items[ck]; ok {
		var c phoneChangeItem
		if err := unmarshal(item, &c); err != nil {
			return st, fmt.Errorf("decode phone change: %w", err)
		}
		ch := c.domain()
		st.Change = &ch
	}
	if item, ok := items[sessionKey(sessionHash)]; ok && len(sessionHash) > 0 {
		var si sessionItem
		if err := unmarshal(item, &si); err != nil {
			return st, fmt.Errorf("decode session: %w", err)
		}
		ses := si.domain(sessionHash)
		st.Session = &ses
	}
	if st.Proof, err = decodeProof(items, proofID, hasProof); err != nil {
		return st, err
	}
	if st.Change == nil {
		return st, nil
	}
	p, err := s.accountWith(ctx, st.Change.AccountID)
	if p.account != nil {
		st.Account = *p.account
	}
	st.Devices = p.devices
	return st, err
}

// HoldChange moves a change to pending with its new phone, spends the proof and writes the event.
func (s *Store) HoldChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge, ev account.Event) error {
	k, _ := changeKeyOf(c.ID)
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: k.av(),
		UpdateExpression: aws.String("SET #state = :pending, newPhone = :new, effectiveAt = :at, expiresAt = :exp," +
			" sessionHash = :ses, GSI1PK = :holdPK, GSI1SK = :holdSK"),
		ConditionExpression:      aws.String("#state = :awaiting"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str(string(phonechange.StatePending)),
			":awaiting": str(string(phonechange.StateAwaitingNew)), ":new": str(c.NewPhone), ":at": num(ms(c.EffectiveAt)),
			":exp": epoch(c.EffectiveAt.Add(changeKeep)), ":ses": bin(c.SessionHash),
			":holdPK": str(holdPK(c.EffectiveAt)), ":holdSK": str(holdSK(c.EffectiveAt, c.ID))}}, errConflict)
	t.spendProof(proof, ev.At)
	if err := t.event(c.AccountID, ev); err != nil {
		return err
	}
	return t.commit(ctx, "hold phone change")
}

// CompleteChange swaps the phone: the old claim released (if still this account's), the new one taken
// (only if free), the account moved (conditional on its version), the change completed, the
// proof spent, the event written and every other session ended — one transaction.
func (s *Store) CompleteChange(ctx context.Context, w phonechange.Completion) error {
	c, a := w.Change, w.Account
	k, _ := changeKeyOf(c.ID)
	t := s.newTx()
	t.del(&types.Delete{TableName: &s.table, Key: phoneClaim(c.OldPhone).av(),
		ConditionExpression:       aws.String("accountId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(a.ID)}}, errConflict)
	if err := t.putNewItem(phoneClaim(c.NewPhone), claimItem{AccountID: a.ID, Lang: a.Lang},
		account.FieldError(account.CodePhoneTaken, "verificationToken", "the new number now belongs to another account")); err != nil {
		return err
	}
	t.update(&types.Update{TableName: &s.table, Key: accountKey(a.ID).av(),
		UpdateExpression:         aws.String("SET phone = :new, phoneChangedAt = :now, version = :next"),
		ConditionExpression:      aws.String("version = :v AND phone = :old AND #status = :active"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(c.NewPhone), ":old": str(c.OldPhone),
			":now": num(ms(c.EffectiveAt)), ":next": num(a.Version + 1), ":v": num(a.Version), ":active": str(string(account.StatusActive))}},
		errConflict)
	t.update(&types.Update{TableName: &s.table, Key: k.av(),
		UpdateExpression:         aws.String("SET #state = :done, newPhone = :new, effectiveAt = :at, expiresAt = :exp REMOVE GSI1PK, GSI1SK"),
		ConditionExpression:      aws.String("#state IN (:awaiting, :pending)"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":done": str(string(phonechange.StateCompleted)),
			":awaiting": str(string(phonechange.StateAwaitingNew)), ":pending": str(string(phonechange.StatePending)),
			":new": str(c.NewPhone), ":at": num(ms(c.EffectiveAt)), ":exp": epoch(c.EffectiveAt.Add(changeKeep))}}, errConflict)
	if err := t.event(a.ID, w.Event); err != nil {
		return err
	}
	t.endSessions(w.Sessions, w.KeepSession)
	if w.Proof != nil {
		t.spendProof(w.Proof, w.Event.At)
	}
	return t.commit(ctx, "complete phone change")
}

// CancelChange moves an open change to cancelled, spending the proof if one was used.
func (s *Store) CancelChange(ctx context.Context, c phonechange.Change, proof *otp.Challenge, ev account.Event) error {
	k, _ := changeKeyOf(c.ID)
	t := s.newTx()
	t.update(&types.Update{TableName: &s.table, Key: k.av(),
		UpdateExpression:         aws.String("SET #state = :cancelled REMOVE GSI1PK, GSI1SK"),
		ConditionExpression:      aws.String("#state IN (:awaiting, :pending)"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cancelled": str(string(phonechange.StateCancelled)),
			":awaiting": str(string(phonechange.StateAwaitingNew)), ":pending": str(string(phonechange.StatePending))}}, errConflict)
	if err := t.event(c.AccountID, ev); err != nil {
		return err
	}
	if proof != nil {
		t.spendProof(proof, ev.At)
	}
	return t.commit(ctx, "cancel phone change")
}

// holdDays is how many days back DueChanges looks, so a sweep missed for a few days still finds
// every held change.
const holdDays = 7

// DueChanges lists held changes whose hold ended at or before asOf, one Query per day of the
// index of holds (GSI1 "HOLD#<date>").
func (s *Store) DueChanges(ctx context.Context, asOf time.Time) ([]string, error) {
	var ids []string
	for d := 0; d <= holdDays; d++ {
		day := asOf.AddDate(0, 0, -d)
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI1"),
			KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :asOf"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(holdPK(day)),
				":asOf": str(holdSK(asOf, "\uffff"))}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("query held changes: %w", err)
			}
			for _, item := range page.Items {
				if sk, ok := item["GSI1SK"].(*types.AttributeValueMemberS); ok {
					ids = append(ids, sk.Value[strings.LastIndex(sk.Value, "#")+1:])
				}
			}
		}
	}
	return ids, nil
}
