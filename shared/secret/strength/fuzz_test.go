package strength

import (
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// FuzzCheckLoginPassword: any input gets nil or a loginPassword *account.Error, never a panic
// (zxcvbn-go mixes byte and rune indexes). The messages are constants, so they cannot echo it.
func FuzzCheckLoginPassword(f *testing.F) {
	for _, s := range []string{"password123", "月光洒在旧书桌上", symbolHeavy, "\xff\xfe\x00abcdefgh", "ａｂｃｄｅｆｇｈ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		err := CheckLoginPassword(pw, person)
		if err == nil {
			return
		}
		e, ok := account.As(err)
		if !ok || e.Field != "loginPassword" {
			t.Fatalf("error %v", err)
		}
	})
}
