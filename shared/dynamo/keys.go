package dynamo

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"
)

// Every key format of the single table (DESIGN §4), in one place.

const (
	attrPK = "PK"
	attrSK = "SK"
)

type key struct{ PK, SK string }

// phoneClaim holds which account a number belongs to; its existence is the number's uniqueness.
func phoneClaim(e164 string) key { return key{"PHONE#" + e164, "PHONE"} }

// otpSlot is the latest challenge for a phone and purpose, beside the phone's claim so both are
// read together.
func otpSlot(e164, purpose string) key { return key{"PHONE#" + e164, "OTP#" + purpose} }

// challenge is one code, and after the right code, the proof behind a verification token.
func challenge(id string) key { return key{"OTP#" + id, "OTP"} }

// counter is one rate-limit counter for one window.
func counter(name, window string) key { return key{"RATE#" + name, window} }

// emailClaim holds which account an email belongs to (lower case).
func emailClaim(lower string) key { return key{"EMAIL#" + lower, "EMAIL"} }

// accountKey is the account item.
func accountKey(id string) key { return key{"ACCOUNT#" + id, "ACCOUNT"} }

// deviceKey is one device of an account, beside the account in its partition.
func deviceKey(accountID, deviceID string) key {
	return key{"ACCOUNT#" + accountID, "DEVICE#" + deviceID}
}

// devicePrefix is the sort-key prefix of an account's devices.
const devicePrefix = "DEVICE#"

// sessionKey is one session, found by the SHA-256 of its token.
func sessionKey(hash []byte) key { return key{"SESSION#" + hex.EncodeToString(hash), "SESSION"} }

// eventKey is one security event of an account: the stream outbox.
func eventKey(accountID, eventID string) key { return key{"ACCOUNT#" + accountID, "EVENT#" + eventID} }

// idempotencyKey is one stored response.
func idempotencyKey(id string) key { return key{"IDEMPOTENCY#" + id, "IDEMPOTENCY"} }

// activityShards spreads the activity index's month partitions so that no one is hot.
const activityShards = 16

// activity is the sparse GSI1 key of an account by the month of its last activity.
func activity(accountID string, at time.Time) (pk, sk string) {
	h := fnv.New32a()
	h.Write([]byte(accountID))
	return fmt.Sprintf("ACTIVE#%s#%02d", at.UTC().Format("2006-01"), h.Sum32()%activityShards),
		at.UTC().Format("2006-01-02") + "#" + accountID
}
