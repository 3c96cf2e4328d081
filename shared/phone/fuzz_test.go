package phone

import (
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

// FuzzParse checks that Parse never panics, refuses only with invalid_phone, and that every
// accepted number parses again, from its E.164 form, to the same Number.
func FuzzParse(f *testing.F) {
	for _, s := range []struct{ input, region string }{
		{"+86 138 0013 8000", ""},
		{"138 0013 8000", "CN"},
		{"+44 (0)7400 123456", ""},
		{"+49 0151 23456789", ""},
		{"8 (912) 345-67-89", "ru"},
		{"0086 138 0013 8000", "GB"},
		{"＋８６ １３８ ００１３ ８０００", ""},
		{"+1 800 FLOWERS", "US"},
		{"", ""},
	} {
		f.Add(s.input, s.region)
	}
	f.Fuzz(func(t *testing.T, input, region string) {
		n, err := Parse(input, region)
		if err != nil {
			if e, ok := account.As(err); !ok || e.Code != account.CodeInvalidPhone || e.Field != "phone" {
				t.Fatalf("Parse(%q, %q): %v; want an invalid_phone *account.Error", input, region, err)
			}
			return
		}
		again, err := Parse(n.E164, "")
		if err != nil {
			t.Fatalf("Parse(%q, %q) = %s, which does not parse again: %v", input, region, n.E164, err)
		}
		if again != n {
			t.Fatalf("Parse(%q, %q) = %q %q %d %q; parsing its E164 gives %q %q %d %q", input, region,
				n.E164, n.Region, n.CountryCode, n.National, again.E164, again.Region, again.CountryCode, again.National)
		}
		if m := n.Mask(); strings.Contains(m, n.National) || m == n.E164 {
			t.Fatalf("Mask(%s) = %q shows the whole number", n.E164, m)
		}
	})
}
