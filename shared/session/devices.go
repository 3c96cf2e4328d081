package session

import (
	"context"
	"fmt"

	"github.com/wallet-accounts/wallet/shared/account"
)

// DeviceView is one device as the device list shows it.
type DeviceView struct {
	account.Device
	Current bool `json:"current"` // the device the request comes from
}

// Account returns the principal's account (one read after the session's).
func (s *Service) Account(ctx context.Context, p account.Principal) (account.Account, error) {
	a, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return account.Account{}, fmt.Errorf("read account: %w", err)
	}
	if a == nil {
		return account.Account{}, unauthenticated()
	}
	return *a, nil
}

// Devices lists the principal's devices (one query after the session's read).
func (s *Service) Devices(ctx context.Context, p account.Principal) ([]DeviceView, error) {
	devs, err := s.store.Devices(ctx, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	out := make([]DeviceView, len(devs))
	for i, d := range devs {
		out[i] = DeviceView{Device: d, Current: d.ID == p.DeviceID}
	}
	return out, nil
}

// RemoveDevice deletes one of the principal's devices and ends its session in the same
// transaction, so the removed device's next request is refused. Removing the current device
// signs it out.
func (s *Service) RemoveDevice(ctx context.Context, p account.Principal, deviceID string) error {
	if !ValidDeviceID(deviceID) {
		return account.FieldError(account.CodeInvalidField, "deviceId", "deviceId is 8 to 64 printable ASCII characters")
	}
	found, err := s.store.RemoveDevice(ctx, p.AccountID, deviceID)
	if err != nil {
		return fmt.Errorf("remove device: %w", err)
	}
	if !found {
		return account.Errorf(account.CodeNotFound, "no such device")
	}
	s.log.InfoContext(ctx, "device removed", "account", p.AccountID, "device", deviceID)
	return nil
}
