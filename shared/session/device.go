package session

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/token"
)

// DeviceInput describes the device a request comes from, as the client tells it. Only Secret
// proves anything: it is the device secret the device was last given ("" when it has none).
type DeviceInput struct {
	ID       string
	Name     string
	Platform string
	Secret   string
}

var platforms = map[string]bool{"ios": true, "android": true, "web": true, "harmonyos": true, "other": true}

// Check refuses a device description that is malformed. A nil device is allowed where the
// device is optional (signup); callers that need one check for nil first.
func (d *DeviceInput) Check() error {
	if d == nil {
		return nil
	}
	switch {
	case !ValidDeviceID(d.ID):
		return account.FieldError(account.CodeInvalidField, "device.id", "device.id is 8 to 64 printable ASCII characters")
	case d.Name == "" || utf8.RuneCountInString(d.Name) > 64 || strings.ContainsFunc(d.Name, func(r rune) bool { return r < 0x20 }):
		return account.FieldError(account.CodeInvalidField, "device.name", "device.name is 1 to 64 characters")
	case !platforms[d.Platform]:
		return account.FieldError(account.CodeInvalidField, "device.platform", "device.platform is ios, android, harmonyos, web or other")
	case d.Secret != "" && !token.WellFormed(d.Secret):
		return account.FieldError(account.CodeInvalidField, "device.secret", "device.secret is the deviceSecret the last sign-in gave this device")
	}
	return nil
}

// ValidDeviceID reports whether id is a well-formed device id: 8 to 64 printable ASCII characters.
func ValidDeviceID(id string) bool {
	return len(id) >= 8 && len(id) <= 64 && !strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e })
}

// Device returns the device record for a first sign-in at now. A client that names no device
// (only possible at signup) gets a placeholder the account can remove later.
func (d *DeviceInput) Device(now time.Time) account.Device {
	dev := account.Device{ID: "signup-device", Name: "Signup device", Platform: "other", FirstSeen: now, LastSeen: now}
	if d != nil {
		dev.ID, dev.Name, dev.Platform = d.ID, d.Name, d.Platform
	}
	return dev
}
