package account

import "testing"

func TestPhoneFromE164Masks(t *testing.T) {
	for e164, want := range map[string]string{
		"+8613800138000": "+86 138****8000",
		"+447911123456":  "+44 791***3456",
		"+12015550123":   "+1 201***0123",
		"+79121234567":   "+7 912***4567",
		"not a phone":    "",
	} {
		if got := PhoneFromE164(e164).Mask(); got != want {
			t.Errorf("%s: %q, want %q", e164, got, want)
		}
	}
	if p := PhoneFromE164("+85291234567"); p.CountryCode != 852 || p.National != "91234567" {
		t.Errorf("three-digit code: %+v", p)
	}
}
