package otp

import (
	"crypto/subtle"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/token"
)

// CheckProof reports whether ch, read by the id the token names, is a live proof of possession
// of phone for purpose that the token is the key to. Every refusal is the same error, so a caller
// learns nothing about which part was wrong. phone may be "" when the flow learns the phone from
// the proof (signup).
func CheckProof(ch *Challenge, tok string, purpose account.Purpose, phone string, now time.Time) error {
	ok := ch != nil && ch.State == StateVerified && now.Before(ch.ExpiresAt) && ch.Purpose == purpose &&
		(phone == "" || ch.Phone == phone) &&
		subtle.ConstantTimeCompare(ch.ProofHash, token.Hash(tok)) == 1
	if !ok {
		return account.ErrInvalidToken
	}
	return nil
}
