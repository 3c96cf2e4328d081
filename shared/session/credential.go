package session

import (
	"io"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/token"
)

// Credentials prove devices. A device that signs up or completes a step-up is enrolled: it gets
// a device secret (256 random bits, shown once) and the device item keeps only a keyed hash of it
// bound to the account and the device id. A sign-in from the device sends the id and the secret;
// each successful use rotates it. The hashes it replaced are kept for a while: one of those
// presented again means the secret was copied (or the device's previous answer was lost), and
// the device is revoked. A device id without its secret proves nothing.
type Credentials struct {
	keys secret.Keyring
	rand io.Reader
}

// NewCredentials returns Credentials keyed by the pepper keyring.
func NewCredentials(keys secret.Keyring, rand io.Reader) Credentials {
	return Credentials{keys: keys, rand: rand}
}

// DeviceProof is what a presented device secret proves.
type DeviceProof int

const (
	Unproven DeviceProof = iota // no device, no secret, or a secret that is not the device's
	Proven                      // the device's current secret
	Reused                      // a secret the device had and was rotated away from
	Raced                       // the secret the device's last sign-in replaced, moments ago: see ReplaceGrace
)

// ReplaceGrace is how long after a sign-in the secret it replaced is answered as a lost race
// rather than as theft: two sign-ins sent at once from one device (a double tap, a retry) carry
// the same secret, and only the first can rotate it.
const ReplaceGrace = 30 * time.Second

// maxRetired is how many replaced secrets a device remembers for reuse detection.
const maxRetired = 4

const deviceSecretDomain = "device-secret"

// Check tells what presented proves at now about d (the device as read; nil when the account
// never saw it).
func (c Credentials) Check(accountID string, d *account.Device, presented string, now time.Time) DeviceProof {
	if d == nil || presented == "" {
		return Unproven
	}
	if ok, _ := c.keys.Match(d.SecretHash, deviceSecretDomain, accountID, d.ID, presented); ok {
		return Proven
	}
	for i, h := range d.RetiredSecrets {
		if ok, _ := c.keys.Match(h, deviceSecretDomain, accountID, d.ID, presented); ok {
			if i == 0 && now.Sub(d.LastSeen) < ReplaceGrace {
				return Raced
			}
			return Reused
		}
	}
	return Unproven
}

// Enrol gives d a new secret and returns it; d's current secret, if any, joins the retired ones
// (so the holder of a replaced secret is caught when it comes back).
func (c Credentials) Enrol(accountID string, d *account.Device) (string, error) {
	s, _, err := token.New(c.rand)
	if err != nil {
		return "", err
	}
	if len(d.SecretHash) > 0 {
		d.RetiredSecrets = append([][]byte{d.SecretHash}, d.RetiredSecrets...)
		d.RetiredSecrets = d.RetiredSecrets[:min(len(d.RetiredSecrets), maxRetired)]
	}
	d.SecretHash = c.keys.Fingerprint(deviceSecretDomain, accountID, d.ID, s)
	return s, nil
}
