package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// Every key format of the single table, in one place (docs/architecture.md summarises them).

const (
	attrPK = "PK"
	attrSK = "SK"
	// A number prefix's hourly counter (RATE#otp-prefix#<tag> / H<hour>) counts, beside its
	// requests (n), the SMS that went out and the codes verified, for the pumping defence.
	attrSent     = "sent"
	attrVerified = "verified"
)

type key struct{ PK, SK string }

// phoneClaim holds which account a number belongs to; its existence is the number's uniqueness.
func phoneClaim(e164 string) key { return key{"PHONE#" + e164, "PHONE"} }

// phoneCodes is a phone's code state, beside its claim so both are read together: for each
// purpose, its slot (the latest challenge and when it was sent), and the phone's codes per hour
// and per day, one attribute per window (otp.go). One item, so that a send moves its slot and
// charges the phone's limits in one write.
func phoneCodes(e164 string) key { return key{"PHONE#" + e164, "OTP"} }

// challenge is one code, and after the right code, the proof behind a verification token; a
// signup's proof spent with an Idempotency-Key stays, for a day, as the sealed response (signup.go).
func challenge(id string) key { return key{"OTP#" + id, "OTP"} }

// counter is one rate-limit counter for one window.
func counter(name, window string) key { return key{"RATE#" + name, window} }

// emailClaim holds which account a verified email belongs to (lower case); its existence is the
// address's uniqueness. It is taken when the address's code is spent (email.go), never before.
func emailClaim(lower string) key { return key{"EMAIL#" + lower, "EMAIL"} }

// emailSlot is the latest code for an address, purpose and the account asking, beside the
// address's claim, as a phone's slot is on phoneCodes. It is per account: another account asking a code
// for the same address neither replaces this one's code nor holds it to the cooldown.
func emailSlot(lower, purpose, accountID string) key {
	return key{"EMAIL#" + lower, "OTP#" + purpose + "#" + accountID}
}

// slotOf is the item that holds a challenge's slot: its address's (and account's) for an email
// code, else its phone's codes.
func slotOf(ch otp.Challenge) key {
	if ch.Email != "" {
		return emailSlot(ch.Email, string(ch.Purpose), ch.AccountID)
	}
	return phoneCodes(ch.Phone)
}

// emailChangeKey keeps, for AlertFunction, the full address an email_changed or email_removed
// event (by its id) took away, so the notice can go to it while the event's details stay masked;
// it expires with the alert's sent-markers.
func emailChangeKey(accountID, eventID string) key {
	return key{accountPrefix + accountID, "EMAILCHANGE#" + eventID}
}

// accountPrefix begins the partition key of an account's partition: the account item, its
// devices, cards, events, phone changes and sent-markers.
const accountPrefix = "ACCOUNT#"

// accountKey is the account item.
func accountKey(id string) key { return key{accountPrefix + id, "ACCOUNT"} }

// profileKey is an account's profile (name, birth date, ID document, address, occupation,
// email), in an item of its own: at the lengths its fields accept it is over 1 KB, which the
// account item must stay under. Its sort key ("ACCOUNT#PROFILE", not "PROFILE", which would sort
// after the account's events) sorts right after "ACCOUNT": Account reads the two in one Query,
// accountWith's range holds it, and a flow that reads the account by key names it in the same
// BatchGetItem. Its writes are in a transaction with an update of the account conditional on
// the version read, which they bump.
func profileKey(id string) key { return key{accountPrefix + id, profileSK} }

const profileSK = "ACCOUNT#PROFILE"

// answersKey is an account's security-answer hashes, in an item of their own: the account item
// stays under 1 KB (every write of it is billed per KB) and only the flows that check or replace
// answers carry them. "ANSWERS" sorts between "ACCOUNT" and the cards, so accountWith reads it
// in its one query; a flow that reads the account by key names it in the same BatchGetItem.
// Every write of it is in a transaction with an update of the account conditional on the
// version read, which the answers' writers bump.
func answersKey(id string) key { return key{accountPrefix + id, answersSK} }

const answersSK = "ANSWERS"

// deviceKey is one device of an account, beside the account in its partition.
func deviceKey(accountID, deviceID string) key {
	return key{accountPrefix + accountID, devicePrefix + deviceID}
}

// devicePrefix is the sort-key prefix of an account's devices.
const devicePrefix = "DEVICE#"

// sessionKey is one session, found by the SHA-256 of its token.
func sessionKey(hash []byte) key { return key{"SESSION#" + hex.EncodeToString(hash), "SESSION"} }

// eventKey is one security event of an account: the stream outbox. Its ULID sorts the
// account's events by time.
func eventKey(accountID, eventID string) key {
	return key{accountPrefix + accountID, eventPrefix + eventID}
}

// eventPrefix is the sort-key prefix of an account's events; eventsEnd sorts after every one.
const (
	eventPrefix = "EVENT#"
	eventsEnd   = eventPrefix + "~"
)

// activityShards spreads the activity index's month partitions so that no one is hot.
const activityShards = 16

// idleIndex is the sparse GSI1 key of an account by the month of its last activity.
func idleIndex(accountID string, at time.Time) (pk, sk string) {
	return activityBucket(at, activityShard(accountID)), at.UTC().Format("2006-01-02") + "#" + accountID
}

// unknownSignIn counts failed sign-ins for a number (E.164) or an email address (lower case: it
// has an @, so never reads as a number) that has no account, so that it locks as an account
// would and the two cases cannot be told apart.
func unknownSignIn(e164 string) key { return counter("signin-unknown#"+e164, "LOCK") }

// unknownRecovery is the recovery lockout of a number (or an email address, as unknownSignIn)
// that has no account, which locks as an account's recovery does so that the two cannot be
// told apart.
func unknownRecovery(e164 string) key { return counter("recovery-unknown#"+e164, "LOCK") }

// cardKey is one bank card of an account; its id is derived from the card's keyed hash.
func cardKey(accountID, cardID string) key {
	return key{accountPrefix + accountID, cardPrefix + cardID}
}

// cardPrefix is the sort-key prefix of an account's bank cards.
const cardPrefix = "CARD#"

// passkeyKey is one passkey of an account. Its sort key sorts between the cards and the devices,
// so accountWith reads the passkeys with the account in its one query.
func passkeyKey(accountID, passkeyID string) key {
	return key{accountPrefix + accountID, passkeyPrefix + passkeyID}
}

// passkeyPrefix is the sort-key prefix of an account's passkeys.
const passkeyPrefix = "CREDENTIAL#"

// passkeyIndex maps a WebAuthn credential id, by its SHA-256, to the account and passkey that
// hold it; its existence is the credential's registration (to one account only), and a
// discoverable sign-in finds the credential's account through it.
func passkeyIndex(credentialID []byte) key {
	h := sha256.Sum256(credentialID)
	return key{"PASSKEY#" + hex.EncodeToString(h[:]), "PASSKEY"}
}

// ceremonyMarker records that a passkey ceremony was finished, by the SHA-256 of its id (see
// shared/passkey/ceremony); it lives, by TTL, until the ceremony's expiry.
func ceremonyMarker(hash []byte) key { return key{"CEREMONY#" + hex.EncodeToString(hash), "CEREMONY"} }

// freezeTokenKey is a one-time freeze token from an alert SMS, found by the SHA-256 of the token.
func freezeTokenKey(hash []byte) key { return key{"FREEZE#" + hex.EncodeToString(hash), "FREEZE"} }

// activityShard is the write shard of an account in every part of GSI1; activity uses the same.
func activityShard(accountID string) int {
	h := fnv.New32a()
	h.Write([]byte(accountID))
	return int(h.Sum32() % activityShards)
}

// activityBucket is one partition of GSI1's Idle part: the accounts of one shard last active in
// month (ACTIVE#<yyyy-mm>#<shard>, as activity writes it).
func activityBucket(month time.Time, shard int) string {
	return fmt.Sprintf("ACTIVE#%s#%02d", month.UTC().Format("2006-01"), shard)
}

// closingIndex is the GSI1 key of a warned account: by the day its closure is due
// (CLOSING#<yyyy-mm>#<shard>, <yyyy-mm-dd>#<accountId>).
func closingIndex(accountID string, due time.Time) (pk, sk string) {
	return closingBucket(due, activityShard(accountID)), due.UTC().Format("2006-01-02") + "#" + accountID
}

// closingBucket is one partition of GSI1's Warned part: one shard's accounts due in month.
func closingBucket(month time.Time, shard int) string {
	return fmt.Sprintf(closingPrefix+"%s#%02d", month.UTC().Format("2006-01"), shard)
}

// closingPrefix begins the GSI1 partition keys of warned accounts.
const closingPrefix = "CLOSING#"

// closedIndex is the GSI1 key of a closed account whose account.closed message is not yet
// published (CLOSED#<shard>, <yyyy-mm-dd closed>#<accountId>); publishing removes it.
func closedIndex(accountID string, closedAt time.Time) (pk, sk string) {
	return closedBucket(activityShard(accountID)), closedAt.UTC().Format("2006-01-02") + "#" + accountID
}

// closedBucket is one partition of GSI1's Unnotified part.
func closedBucket(shard int) string { return fmt.Sprintf("CLOSED#%02d", shard) }

// deletionIndex files an account whose holder asked for its deletion, by the time it is due
// (DELETING#<shard>, <UTC time to the millisecond, fixed width>#<accountId>), for the closure
// job's sweep. The time is a date, as authzDueIndex's: 13 bare digits read as a card number.
func deletionIndex(accountID string, due time.Time) key {
	return key{deletionBucket(activityShard(accountID)), indexTime(due) + "#" + accountID}
}

// deletionBucket is one shard's partition of the deletion index.
func deletionBucket(shard int) string { return fmt.Sprintf("DELETING#%02d", shard) }

// jobKey is the checkpoint of one run of a scheduled job.
func jobKey(name, runID string) key { return key{"JOB#" + name, runID} }

// phoneChangeKey is one phone change, in its account's partition.
func phoneChangeKey(accountID, changeID string) key {
	return key{accountPrefix + accountID, phoneChangePrefix + changeID}
}

// sentMarker records that one SMS of an alert (a security event, or "tx-" and a transaction's
// eventId) to one recipient was sent, or is being sent: the alert outbox's exactly-once guard.
func sentMarker(accountID, alertID, role string) key {
	return key{accountPrefix + accountID, "SENT#" + alertID + "#" + role}
}

// holdPK and holdSK index a held phone change (sparse GSI1) by the day and time its hold ends,
// so the closure job's sweep finds the due ones without a Scan.
func holdPK(at time.Time) string { return "HOLD#" + at.UTC().Format("2006-01-02") }

func holdSK(at time.Time, changeID string) string {
	return at.UTC().Format(time.RFC3339) + "#" + changeID
}

// changeKeyOf is the key of a change by its full id (the zero key for a malformed id).
func changeKeyOf(id string) (key, bool) {
	accountID, own, ok := account.SplitChangeID(id)
	if !ok {
		return key{}, false
	}
	return phoneChangeKey(accountID, own), true
}

// auditKey is one customer-service action on an account (the internal API), kept AUDIT_TTL: who,
// what, why, the case, and the status before and after. Its ULID sorts the account's audit
// trail by time.
func auditKey(accountID, auditID string) key {
	return key{accountPrefix + accountID, auditPrefix + auditID}
}

// auditPrefix is the sort-key prefix of an account's audit items; auditsEnd sorts after every one.
const (
	auditPrefix = "AUDIT#"
	auditsEnd   = auditPrefix + "~"
)

// phoneChangePrefix is the sort-key prefix of an account's phone changes (phoneChangeKey).
const phoneChangePrefix = "PHONECHANGE#"

// authzKey is one payment authorization, by its id (<accountId>.<id>).
func authzKey(id string) key { return key{"AUTHZ#" + id, "AUTHZ"} }

// limitKey is one limit counter of an account: its window (day, year, lifetime, or nopw, the
// password-free day) and period ("2026-12-05", "2026", "life"); one attribute pair per currency.
func limitKey(accountID, window, period string) key {
	return key{"LIMIT#" + accountID + "#" + window, period}
}

// paySettingsKey is an account's password-free payment settings, in its partition.
func paySettingsKey(accountID string) key { return key{accountPrefix + accountID, "PAYSETTINGS"} }

// authzDueIndex is the sparse GSI1 key of a live authorization by its deadline (the end of its
// confirmation window while pending, of its hold once approved), for the expiry sweep:
// (AUTHZDUE#<shard>, <UTC time to the millisecond, fixed width>#<id>). The time is written as a
// date, not epoch milliseconds: 13 bare digits read as a card number to the canary's scan.
func authzDueIndex(id string, deadline time.Time) (pk, sk string) {
	return authzDueBucket(activityShard(id)), indexTime(deadline) + "#" + id
}

// indexTime writes t for an index's sort key so that the strings sort as the times do.
func indexTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// authzDueBucket is one shard's partition of the authorization due index.
func authzDueBucket(shard int) string { return fmt.Sprintf("AUTHZDUE#%02d", shard) }

// idvStateKey is an account's identity-verification record: its pending case and when its recent
// cases were opened (IDV_MAX_ATTEMPTS per 30 days), written conditionally on its version.
func idvStateKey(accountID string) key { return key{accountPrefix + accountID, "IDVSTATE"} }

// idvCaseKey is one identity-verification case, in its account's partition; its ULID sorts the
// account's cases by time (idvCasePrefix), after the devices, so accountWith never reads them.
func idvCaseKey(accountID, caseID string) key {
	return key{accountPrefix + accountID, idvCasePrefix + caseID}
}

// idvCasePrefix is the sort-key prefix of an account's identity-verification cases.
const idvCasePrefix = "IDV#"

// idvCaseKeyOf is the key of a case by its full id (account.JoinChangeID's form).
func idvCaseKeyOf(id string) (key, bool) {
	accountID, own, ok := account.SplitChangeID(id)
	if !ok {
		return key{}, false
	}
	return idvCaseKey(accountID, own), true
}

// idvSignatureKey records an identity-verification callback received, by the SHA-256 of its
// MAC, until its TTL (idv.ReplayTTL): the same delivery again is a replay.
func idvSignatureKey(hash []byte) key { return key{"IDVSIG#" + hex.EncodeToString(hash), "IDVSIG"} }
