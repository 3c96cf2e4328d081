package phone_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/phone"
)

// TestREADMEExampleNumbersWork: every phone number the README shows, international or national
// with its region, parses to a number of a region the default ALLOWED_REGIONS admits, so a
// newcomer who copies one is not told unsupported_region.
func TestREADMEExampleNumbersWork(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "PEPPER" {
			return "1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	type example struct{ input, region string }
	var examples []example
	for _, m := range regexp.MustCompile("`(\\+[0-9][0-9 ()\n]*[0-9])`").FindAllStringSubmatch(string(readme), -1) {
		examples = append(examples, example{m[1], ""})
	}
	for _, m := range regexp.MustCompile(`"phone":\s*"([^"]+)",\s*"region":\s*"([A-Z]{2})"`).FindAllStringSubmatch(string(readme), -1) {
		examples = append(examples, example{m[1], m[2]})
	}
	if len(examples) < 3 {
		t.Fatalf("found %d example numbers in README: did they move?", len(examples))
	}
	for _, e := range examples {
		n, err := phone.Parse(e.input, e.region)
		if err != nil || !slices.Contains(cfg.AllowedRegions, n.Region) {
			t.Errorf("README's %q (region %q): %+v %v, want a number of an allowed region", e.input, e.region, n, err)
		}
	}
}
