package faults

import (
	"encoding/hex"
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// Item is one table item as stacktest.Scan decodes it: numbers are float64, binary is []byte.
type Item map[string]any

// S returns the string attribute name, or "".
func (it Item) S(name string) string { s, _ := it[name].(string); return s }

// N returns the number attribute name, or 0.
func (it Item) N(name string) float64 { n, _ := it[name].(float64); return n }

// B returns the binary attribute name, or nil.
func (it Item) B(name string) []byte { b, _ := it[name].([]byte); return b }

// Table is every item of a table, by "PK|SK".
type Table map[string]Item

// Snapshot reads every item of the table (strongly consistent).
func Snapshot(t testing.TB, db *dynamodb.Client, table string) Table {
	t.Helper()
	out := Table{}
	for _, it := range stacktest.Scan(t, db, table) {
		item := Item(it)
		out[item.S("PK")+"|"+item.S("SK")] = item
	}
	return out
}

// Keys returns the table's keys in order.
func (tb Table) Keys() []string {
	keys := make([]string, 0, len(tb))
	for k := range tb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The kinds of item, by key (shared/dynamo/keys.go).
const (
	kindAccount     = "account"
	kindDevice      = "device"
	kindEvent       = "event"
	kindCard        = "card"
	kindPhoneChange = "phone change"
	kindPhoneClaim  = "phone claim"
	kindOTPSlot     = "otp slot"
	kindPhoneCodes  = "phone codes"
	kindChallenge   = "otp challenge"
	kindEmailClaim  = "email claim"
	kindEmailChange = "email change record"
	kindSession     = "session"
	kindCounter     = "rate counter"
	kindFreezeToken = "freeze token"
	kindJob         = "job checkpoint"
	kindPasskey     = "passkey"
	kindPasskeyIdx  = "passkey credential index"
	kindCeremony    = "passkey ceremony marker"
	kindAudit       = "audit item"
	kindAuthz       = "payment authorization"
	kindLimit       = "limit counter"
	kindPaySettings = "payment settings"
	kindAnswers     = "security answers"
	kindProfile     = "profile"
	kindOther       = "other"
)

// kindOf names what the item with key "PK|SK" is.
func kindOf(key string) string {
	pk, sk, _ := strings.Cut(key, "|")
	prefix, _, _ := strings.Cut(pk, "#")
	switch {
	case prefix == "ACCOUNT" && sk == "ACCOUNT":
		return kindAccount
	case prefix == "ACCOUNT":
		if p, _, ok := strings.Cut(sk, "#"); ok {
			switch p {
			case "DEVICE":
				return kindDevice
			case "EVENT":
				return kindEvent
			case "CARD":
				return kindCard
			case "PHONECHANGE":
				return kindPhoneChange
			case "CREDENTIAL":
				return kindPasskey
			case "EMAILCHANGE":
				return kindEmailChange
			case "AUDIT":
				return kindAudit
			}
		}
		switch sk {
		case "PAYSETTINGS":
			return kindPaySettings
		case "ANSWERS":
			return kindAnswers
		case "ACCOUNT#PROFILE":
			return kindProfile
		}
	case prefix == "PHONE" && sk == "PHONE":
		return kindPhoneClaim
	case prefix == "PHONE" && sk == "OTP":
		return kindPhoneCodes
	case prefix == "OTP":
		return kindChallenge
	case prefix == "EMAIL" && sk == "EMAIL":
		return kindEmailClaim
	case prefix == "EMAIL" && strings.HasPrefix(sk, "OTP#"):
		return kindOTPSlot
	case prefix == "SESSION":
		return kindSession
	case prefix == "RATE":
		return kindCounter
	case prefix == "FREEZE":
		return kindFreezeToken
	case prefix == "JOB":
		return kindJob
	case prefix == "PASSKEY":
		return kindPasskeyIdx
	case prefix == "CEREMONY":
		return kindCeremony
	case prefix == "AUTHZ":
		return kindAuthz
	case prefix == "LIMIT":
		return kindLimit
	}
	return kindOther
}

// accountOf returns the account id of an item in an account's partition, or "".
func accountOf(key string) string {
	pk, _, _ := strings.Cut(key, "|")
	id, ok := strings.CutPrefix(pk, "ACCOUNT#")
	if !ok {
		return ""
	}
	return id
}

// account returns the account item with id, or nil.
// account is the account item of id, nil when there is none; its profile, an item of its own
// (ACCOUNT#<id>|ACCOUNT#PROFILE), is under "profile", where the rules read it.
func (tb Table) account(id string) Item {
	a, p := tb["ACCOUNT#"+id+"|ACCOUNT"], tb["ACCOUNT#"+id+"|ACCOUNT#PROFILE"]
	if a == nil || p == nil {
		return a
	}
	a = maps.Clone(a)
	a["profile"] = map[string]any(p)
	return a
}

// events returns the types of the events of account id, in key (time) order.
func (tb Table) events(id string) []string {
	var out []string
	for _, k := range tb.Keys() {
		if kindOf(k) == kindEvent && accountOf(k) == id {
			out = append(out, tb[k].S("type"))
		}
	}
	return out
}

// sessionHashHex is the hex hash in a session's key.
func sessionHashHex(key string) string {
	pk, _, _ := strings.Cut(key, "|")
	return strings.TrimPrefix(pk, "SESSION#")
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
