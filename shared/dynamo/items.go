package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
	"github.com/wallet-accounts/wallet/shared/phonechange"
	"github.com/wallet-accounts/wallet/shared/session"
)

// accountItem is the stored form of account.Account, but for its answers (answersItem) and its
// profile (profileItem). Zero counters and times are not written (omitempty): an update or
// condition on one must read a missing attribute as zero (attribute_not_exists, if_not_exists),
// and a reset REMOVEs it.
type accountItem struct {
	AccountID        string      `dynamodbav:"accountId"`
	Status           string      `dynamodbav:"status"`
	Phone            string      `dynamodbav:"phone"`
	Lang             string      `dynamodbav:"lang"`
	LoginHash        string      `dynamodbav:"loginHash"`
	PaymentHash      string      `dynamodbav:"paymentHash"`
	AgreementVersion string      `dynamodbav:"agreementVersion"`
	AgreedAt         int64       `dynamodbav:"agreedAt"`
	CreatedAt        int64       `dynamodbav:"createdAt"`
	LastActiveAt     int64       `dynamodbav:"lastActiveAt"`
	LoginFailures    int         `dynamodbav:"loginFailures,omitempty"`
	LoginLockedUntil int64       `dynamodbav:"loginLockedUntil,omitempty"`
	LoginLockLevel   int         `dynamodbav:"loginLockLevel,omitempty"`
	LoginLastLockAt  int64       `dynamodbav:"loginLastLockAt,omitempty"`
	PayFailures      int         `dynamodbav:"payFailures,omitempty"`
	PayWindowStart   int64       `dynamodbav:"payWindowStart,omitempty"`
	PayLockedUntil   int64       `dynamodbav:"payLockedUntil,omitempty"`
	PhoneChangedAt   int64       `dynamodbav:"phoneChangedAt,omitempty"`
	PasswordResetAt  int64       `dynamodbav:"passwordResetAt,omitempty"`
	Version          int64       `dynamodbav:"version"`
	RecFailures      int         `dynamodbav:"recFailures,omitempty"`
	RecLockedUntil   int64       `dynamodbav:"recLockedUntil,omitempty"`
	RecLockLevel     int         `dynamodbav:"recLockLevel,omitempty"`
	RecLastLockAt    int64       `dynamodbav:"recLastLockAt,omitempty"`
	GSI1PK           string      `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK           string      `dynamodbav:"GSI1SK,omitempty"`
	Alerts           *alertsItem `dynamodbav:"alerts,omitempty"`           // see alert.go
	Blocks           []string    `dynamodbav:"blocks,stringset,omitempty"` // set by other systems and customer service
	DeletionDueAt    int64       `dynamodbav:"deletionDueAt,omitempty"`    // see deletion.go
	Level            string      `dynamodbav:"level,omitempty"`            // "" is phone; see idv.go
	LevelAt          int64       `dynamodbav:"levelAt,omitempty"`
	PasskeyAddedAt   int64       `dynamodbav:"passkeyAddedAt,omitempty"` // see passkey.go
}

// answersItem is the stored form of an account's security answers (answersKey).
type answersItem struct {
	Answers []answerItem `dynamodbav:"answers"`
}

func toAnswersItem(answers []account.Answer) answersItem {
	var it answersItem
	for _, ans := range answers {
		it.Answers = append(it.Answers, answerItem(ans))
	}
	return it
}

func (it answersItem) domain() []account.Answer {
	var out []account.Answer
	for _, ans := range it.Answers {
		out = append(out, account.Answer(ans))
	}
	return out
}

type answerItem struct {
	QuestionID string `dynamodbav:"q"`
	Hash       string `dynamodbav:"h"`
}

// profileItem is the stored form of account.Profile (profileKey).
type profileItem struct {
	RealName    string `dynamodbav:"realName,omitempty"`
	Gender      string `dynamodbav:"gender,omitempty"`
	DateOfBirth string `dynamodbav:"dateOfBirth,omitempty"`
	Citizenship string `dynamodbav:"citizenship,omitempty"`
	IDType      string `dynamodbav:"idType,omitempty"`
	IDHash      []byte `dynamodbav:"idHash,omitempty"`
	IDLast4     string `dynamodbav:"idLast4,omitempty"`
	Address     string `dynamodbav:"address,omitempty"`
	Occupation  string `dynamodbav:"occupation,omitempty"`
	Email       string `dynamodbav:"email,omitempty"`
	// EmailVerified: see account.Profile; written by the email binding (email.go).
	EmailVerified bool `dynamodbav:"emailVerified,omitempty"`
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func toAccountItem(a account.Account) accountItem {
	it := accountItem{AccountID: a.ID, Status: string(a.Status), Phone: a.Phone, Lang: a.Lang, LoginHash: a.LoginHash,
		PaymentHash: a.PaymentHash, AgreementVersion: a.AgreementVersion,
		AgreedAt: ms(a.AgreedAt), CreatedAt: ms(a.CreatedAt), LastActiveAt: ms(a.LastActiveAt),
		LoginFailures: a.Login.Failures, LoginLockedUntil: ms(a.Login.LockedUntil), LoginLockLevel: a.Login.Level,
		LoginLastLockAt: ms(a.Login.LastLockAt), PayFailures: a.Payment.Failures, PayWindowStart: ms(a.Payment.WindowStart),
		PayLockedUntil: ms(a.Payment.LockedUntil), RecFailures: a.Recovery.Failures, RecLockedUntil: ms(a.Recovery.LockedUntil),
		RecLockLevel: a.Recovery.Level, RecLastLockAt: ms(a.Recovery.LastLockAt), PhoneChangedAt: ms(a.PhoneChangedAt), PasswordResetAt: ms(a.PasswordResetAt),
		Version: a.Version, Alerts: toAlertsItem(a.Alerts), Blocks: a.Blocks, DeletionDueAt: ms(a.DeletionDueAt),
		Level: string(a.Level), LevelAt: ms(a.LevelAt), PasskeyAddedAt: ms(a.PasskeyAddedAt)}
	if a.Status == account.StatusActive || a.Status == account.StatusFrozen {
		it.GSI1PK, it.GSI1SK = idleIndex(a.ID, a.LastActiveAt)
	}
	return it
}

func (it accountItem) domain() account.Account {
	a := account.Account{ID: it.AccountID, Status: account.Status(it.Status), Phone: it.Phone, Lang: it.Lang,
		LoginHash: it.LoginHash, PaymentHash: it.PaymentHash,
		AgreementVersion: it.AgreementVersion, AgreedAt: fromMS(it.AgreedAt), CreatedAt: fromMS(it.CreatedAt),
		LastActiveAt: fromMS(it.LastActiveAt),
		Login: account.Lockout{Failures: it.LoginFailures, LockedUntil: fromMS(it.LoginLockedUntil), Level: it.LoginLockLevel,
			LastLockAt: fromMS(it.LoginLastLockAt)},
		Payment: account.Lockout{Failures: it.PayFailures, WindowStart: fromMS(it.PayWindowStart), LockedUntil: fromMS(it.PayLockedUntil)},
		Recovery: account.Lockout{Failures: it.RecFailures, LockedUntil: fromMS(it.RecLockedUntil), Level: it.RecLockLevel,
			LastLockAt: fromMS(it.RecLastLockAt)},
		PhoneChangedAt: fromMS(it.PhoneChangedAt), PasswordResetAt: fromMS(it.PasswordResetAt), Version: it.Version,
		Alerts: it.Alerts.domain(), Blocks: it.Blocks, DeletionDueAt: fromMS(it.DeletionDueAt),
		Level: account.Level(it.Level), LevelAt: fromMS(it.LevelAt), PasskeyAddedAt: fromMS(it.PasskeyAddedAt)}
	return a
}

// empty reports whether the profile has nothing in it (no item is written for it).
func (it profileItem) empty() bool {
	return it.RealName == "" && it.Gender == "" && it.DateOfBirth == "" && it.Citizenship == "" && it.IDType == "" &&
		len(it.IDHash) == 0 && it.IDLast4 == "" && it.Address == "" && it.Occupation == "" && it.Email == "" && !it.EmailVerified
}

// decodeProfile reads a profile item (nil when there is none) into a's profile.
func decodeProfile(item map[string]types.AttributeValue, a *account.Account) error {
	return decodePart(item, "profile", func(it profileItem) { a.Profile = account.Profile(it) })
}

// decodePart decodes one of an account's items of its own (nil when there is none) and hands it
// to set.
func decodePart[T any](item map[string]types.AttributeValue, what string, set func(T)) error {
	if item == nil {
		return nil
	}
	var it T
	if err := unmarshal(item, &it); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	set(it)
	return nil
}

// accountOf decodes the account id from what a BatchGetItem found: its item, with its profile
// and answers when they were asked for too; nil when there is no account.
func accountOf(items map[key]map[string]types.AttributeValue, id string) (*account.Account, error) {
	item, ok := items[accountKey(id)]
	if !ok {
		return nil, nil
	}
	var it accountItem
	if err := unmarshal(item, &it); err != nil {
		return nil, fmt.Errorf("decode account: %w", err)
	}
	a := it.domain()
	if err := decodeProfile(items[profileKey(id)], &a); err != nil {
		return nil, err
	}
	return &a, decodeAnswers(items[answersKey(id)], &a)
}

// decodeAnswers reads an answers item (nil when there is none) into a's answers.
func decodeAnswers(item map[string]types.AttributeValue, a *account.Account) error {
	return decodePart(item, "answers", func(it answersItem) { a.Answers = it.domain() })
}

type deviceItem struct {
	Name        string       `dynamodbav:"name"`
	Platform    string       `dynamodbav:"platform"`
	FirstSeen   int64        `dynamodbav:"firstSeen"`
	LastSeen    int64        `dynamodbav:"lastSeen"`
	SessionHash []byte       `dynamodbav:"sessionHash,omitempty"`
	EnrolledAt  int64        `dynamodbav:"enrolledAt,omitempty"`
	SecretHash  []byte       `dynamodbav:"secretHash,omitempty"`
	Retired     []secretItem `dynamodbav:"retiredSecrets,omitempty"` // newest first: a list, not a set, which would lose the order
}

// secretItem is one replaced device secret's keyed hash.
type secretItem struct {
	Hash []byte `dynamodbav:"h"`
}

func toDeviceItem(d account.Device) deviceItem {
	return deviceItem{Name: d.Name, Platform: d.Platform, FirstSeen: ms(d.FirstSeen), LastSeen: ms(d.LastSeen),
		SessionHash: d.SessionHash, EnrolledAt: ms(d.EnrolledAt), SecretHash: d.SecretHash, Retired: secretItems(d.RetiredSecrets)}
}

func secretItems(hashes [][]byte) []secretItem {
	var out []secretItem
	for _, h := range hashes {
		out = append(out, secretItem{h})
	}
	return out
}

func (it deviceItem) domain(id string) account.Device {
	return account.Device{ID: id, Name: it.Name, Platform: it.Platform, FirstSeen: fromMS(it.FirstSeen),
		LastSeen: fromMS(it.LastSeen), SessionHash: it.SessionHash, EnrolledAt: fromMS(it.EnrolledAt),
		SecretHash: it.SecretHash, RetiredSecrets: it.retired()}
}

func (it deviceItem) retired() [][]byte {
	var out [][]byte
	for _, s := range it.Retired {
		out = append(out, s.Hash)
	}
	return out
}

func toSessionItem(ses session.Session) sessionItem {
	return sessionItem{AccountID: ses.AccountID, DeviceID: ses.DeviceID, CreatedAt: ms(ses.CreatedAt),
		SeenAt: ms(ses.SeenAt), AbsoluteAt: ms(ses.AbsoluteAt), ExpiresAt: ses.ExpiresAt.Unix(), FreshAt: ms(ses.FreshAt)}
}

type sessionItem struct {
	AccountID  string `dynamodbav:"accountId"`
	DeviceID   string `dynamodbav:"deviceId"`
	CreatedAt  int64  `dynamodbav:"createdAt"`
	SeenAt     int64  `dynamodbav:"seenAt"`
	AbsoluteAt int64  `dynamodbav:"absoluteAt"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"` // unix s; the idle expiry, and the TTL
	FreshAt    int64  `dynamodbav:"freshAt,omitempty"`
}

type eventItem struct {
	AccountID string            `dynamodbav:"accountId"`
	EventID   string            `dynamodbav:"eventId"`
	Type      string            `dynamodbav:"type"`
	At        int64             `dynamodbav:"at"`
	Details   map[string]string `dynamodbav:"details,omitempty"`
	ItemType  string            `dynamodbav:"itemType"` // "event": what the stream filter matches
	ExpiresAt int64             `dynamodbav:"expiresAt"`
	SourceIP  string            `dynamodbav:"sourceIp,omitempty"` // set by tx.stamp (attrSourceIP)
	DeviceID  string            `dynamodbav:"deviceId,omitempty"` // set by tx.stamp (attrDeviceID)
}

// The origin attributes of an event item, which tx.stamp adds at commit.
const (
	attrSourceIP = "sourceIp"
	attrDeviceID = "deviceId"
)

// isEvent reports whether item is an event item.
func isEvent(item map[string]types.AttributeValue) bool {
	v, ok := item[EventAttrItemType].(*types.AttributeValueMemberS)
	return ok && v.Value == EventItemType
}

func toEventItem(accountID string, e account.Event, ttl time.Duration) eventItem {
	return eventItem{AccountID: accountID, EventID: e.ID, Type: e.Type, At: ms(e.At), Details: e.Details,
		ItemType: EventItemType, ExpiresAt: e.At.Add(ttl).Unix()}
}

// phoneChangeItem is the stored form of phonechange.Change.
type phoneChangeItem struct {
	ChangeID    string `dynamodbav:"changeId"`
	AccountID   string `dynamodbav:"accountId"`
	Path        string `dynamodbav:"path"`
	State       string `dynamodbav:"state"`
	OldPhone    string `dynamodbav:"oldPhone"`
	NewPhone    string `dynamodbav:"newPhone,omitempty"`
	CreatedAt   int64  `dynamodbav:"createdAt"`
	EffectiveAt int64  `dynamodbav:"effectiveAt,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"` // unix s; the TTL of an unfinished change
	SessionHash []byte `dynamodbav:"sessionHash,omitempty"`
}

func (it phoneChangeItem) domain() phonechange.Change {
	return phonechange.Change{ID: it.ChangeID, AccountID: it.AccountID, Path: phonechange.Path(it.Path), State: phonechange.State(it.State),
		OldPhone: it.OldPhone, NewPhone: it.NewPhone, CreatedAt: fromMS(it.CreatedAt), EffectiveAt: fromMS(it.EffectiveAt),
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), SessionHash: it.SessionHash}
}

func (it sessionItem) domain(hash []byte) session.Session {
	return session.Session{Hash: hash, AccountID: it.AccountID, DeviceID: it.DeviceID, CreatedAt: fromMS(it.CreatedAt),
		SeenAt: fromMS(it.SeenAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), AbsoluteAt: fromMS(it.AbsoluteAt),
		FreshAt: fromMS(it.FreshAt)}
}

type claimItem struct {
	AccountID string `dynamodbav:"accountId"`
	Lang      string `dynamodbav:"lang"`
}

type challengeItem struct {
	Phone      string `dynamodbav:"phone"`
	Region     string `dynamodbav:"region,omitempty"` // the phone's ISO region, for the verified-codes metric
	Email      string `dynamodbav:"email,omitempty"`  // an email code's address
	Purpose    string `dynamodbav:"purpose"`
	AccountID  string `dynamodbav:"accountId,omitempty"`
	ChangeID   string `dynamodbav:"changeId,omitempty"`
	State      string `dynamodbav:"state"`
	CodeHash   []byte `dynamodbav:"codeHash,omitempty"`
	ProofHash  []byte `dynamodbav:"proofHash,omitempty"`
	Attempts   int    `dynamodbav:"attempts"`
	Superseded bool   `dynamodbav:"superseded"`
	RetryAt    int64  `dynamodbav:"retryAt,omitempty"` // unix ms; set when the phone's daily wrong codes burned it
	CreatedAt  int64  `dynamodbav:"createdAt"`         // unix ms
	ExpiresAt  int64  `dynamodbav:"expiresAt"`         // unix s; also the TTL
}

func (c challengeItem) domain(id string) otp.Challenge {
	return otp.Challenge{ID: id, Phone: c.Phone, Region: c.Region, Email: c.Email, Purpose: account.Purpose(c.Purpose), AccountID: c.AccountID, ChangeID: c.ChangeID,
		State: otp.State(c.State), CodeHash: c.CodeHash, ProofHash: c.ProofHash, Attempts: c.Attempts,
		Superseded: c.Superseded, RetryAt: fromMS(c.RetryAt), CreatedAt: time.UnixMilli(c.CreatedAt).UTC(), ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC()}
}

func decodeProof(items map[key]map[string]types.AttributeValue, id string, has bool) (*otp.Challenge, error) {
	item, ok := items[challenge(id)]
	if !has || !ok {
		return nil, nil
	}
	return proofOf(id, item)
}

// proofOf decodes the challenge id's item.
func proofOf(id string, item map[string]types.AttributeValue) (*otp.Challenge, error) {
	var c challengeItem
	if err := unmarshal(item, &c); err != nil {
		return nil, fmt.Errorf("decode proof: %w", err)
	}
	ch := c.domain(id)
	return &ch, nil
}

// names of attributes that are DynamoDB reserved words.
var accountNames = map[string]string{"#status": "status", "#version": "version"}
