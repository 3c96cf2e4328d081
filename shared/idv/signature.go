package idv

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// The webhook's signature, both ways (the case sent to the vendor, the decision it sends back):
// HeaderTimestamp is the sending time in Unix seconds, HeaderSignature is "v1=" and the hex
// HMAC-SHA256, under IDV_WEBHOOK_SECRET, of the timestamp, ".", and the body's exact bytes.
const (
	HeaderTimestamp = "X-Idv-Timestamp"
	HeaderSignature = "X-Idv-Signature"
	signaturePrefix = "v1="
)

// MaxSkew is how far a callback's timestamp may be from the clock, either way; ReplayTTL is how
// long a received signature is remembered, longer than the 2*MaxSkew it can be valid for.
const (
	MaxSkew   = 5 * time.Minute
	ReplayTTL = 10 * time.Minute
)

// Sign returns the timestamp and signature headers of body sent at t under key.
func Sign(key []byte, t time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(t.Unix(), 10)
	return timestamp, signaturePrefix + hex.EncodeToString(mac(key, timestamp, body))
}

func mac(key []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

var (
	errBadSignature = account.Errorf(account.CodeInvalidSignature, "sign the callback: "+HeaderTimestamp+" and "+HeaderSignature+" (v1=hex HMAC-SHA256 of timestamp.body)")
	errStale        = account.Errorf(account.CodeSignatureExpired, "the callback's timestamp is more than 5 minutes from the server's clock; sign it anew")
)

// Check verifies body's signature headers under key at now, in time that does not depend on
// where a wrong signature differs: no key, a missing or malformed header or a wrong MAC is
// invalid_signature; a right MAC over a timestamp more than MaxSkew from now is
// signature_expired. It returns the SHA-256 of the MAC, which names the delivery for replay.
func Check(key []byte, now time.Time, timestamp, signature string, body []byte) ([]byte, error) {
	got, err := hex.DecodeString(strings.TrimPrefix(signature, signaturePrefix))
	if len(key) == 0 || !strings.HasPrefix(signature, signaturePrefix) || err != nil || len(got) != sha256.Size {
		return nil, errBadSignature
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || secs <= 0 || timestamp != strconv.FormatInt(secs, 10) {
		return nil, errBadSignature
	}
	if !hmac.Equal(got, mac(key, timestamp, body)) {
		return nil, errBadSignature
	}
	if d := now.Sub(time.Unix(secs, 0)); d > MaxSkew || d < -MaxSkew {
		return nil, errStale
	}
	sum := sha256.Sum256(got)
	return sum[:], nil
}
