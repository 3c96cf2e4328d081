package config

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var pepper = "1:" + base64.StdEncoding.EncodeToString(make([]byte, 32))

func TestDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"PEPPER": pepper}))
	if err != nil {
		t.Fatal(err)
	}
	if c.OTPLength != 6 || c.OTPTTL != 5*time.Minute || c.OTPMaxAttempts != 5 || c.OTPResendAfter != time.Minute ||
		c.OTPPhoneHourly != 5 || c.OTPPhoneDaily != 10 || c.OTPIPHourly != 20 || c.OTPPhoneFailures != 20 ||
		c.ProofTTL != 10*time.Minute || len(c.AllowedRegions) == 0 {
		t.Fatalf("defaults differ from the documented ones: %+v", c)
	}
}

func TestOverridesAndErrors(t *testing.T) {
	c, err := Load(env(map[string]string{"PEPPER": pepper, "OTP_TTL": "2m", "ALLOWED_REGIONS": " CN, GB ,"}))
	if err != nil || c.OTPTTL != 2*time.Minute || strings.Join(c.AllowedRegions, "|") != "CN|GB" {
		t.Fatalf("%+v %v", c, err)
	}
	for name, m := range map[string]map[string]string{
		"no pepper":       {},
		"short pepper":    {"PEPPER": "1:" + base64.StdEncoding.EncodeToString(make([]byte, 16))},
		"no key id":       {"PEPPER": base64.StdEncoding.EncodeToString(make([]byte, 32))},
		"bad duration":    {"PEPPER": pepper, "OTP_TTL": "five"},
		"bad int":         {"PEPPER": pepper, "OTP_LENGTH": "6x"},
		"zero limit":      {"PEPPER": pepper, "OTP_PHONE_HOURLY": "0"},
		"bad language":    {"PEPPER": pepper, "DEFAULT_LANGUAGE": "fr"},
		"bad provider":    {"PEPPER": pepper, "IDV_PROVIDER": "email"},
		"webhook, no URL": {"PEPPER": pepper, "IDV_PROVIDER": "webhook", "IDV_WEBHOOK_SECRET": strings.Repeat("s", 32)},
		"webhook, short secret": {"PEPPER": pepper, "IDV_PROVIDER": "webhook", "IDV_WEBHOOK_URL": "https://idv.example/cases",
			"IDV_WEBHOOK_SECRET": "short"},
		"no attempts": {"PEPPER": pepper, "IDV_MAX_ATTEMPTS": "0"},
	} {
		if _, err := Load(env(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestWebhookSecretNeverPrints: the identity-verification webhook's key is a Secret.
func TestWebhookSecretNeverPrints(t *testing.T) {
	key := "idv-webhook-key-idv-webhook-key-0123"
	c, err := Load(env(map[string]string{"PEPPER": pepper, "IDV_PROVIDER": "webhook", "IDV_WEBHOOK_URL": "https://idv.example/cases",
		"IDV_WEBHOOK_SECRET": key}))
	if err != nil || string(c.IDVWebhookSecret) != key {
		t.Fatalf("Load: %v", err)
	}
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(out, key) {
			t.Fatal("webhook secret printed")
		}
	}
}

func TestPepperNeverPrints(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("hunter2hunter2hunter2hunter2hunter2"))
	c, err := Load(env(map[string]string{"PEPPER": "2:" + secret + ",1:" + pepper[2:]}))
	if err != nil || c.Pepper.Current().ID != "2" || len(c.Pepper.Keys()) != 2 {
		t.Fatalf("Load = %v, %v", c.Pepper, err)
	}
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(out, secret) || strings.Contains(out, "hunter2") {
			t.Fatal("pepper printed")
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table in step with the struct.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		row := "| `" + s.Env + "` | "
		if s.Default != "" {
			row += "`" + s.Default + "` |"
		}
		if !strings.Contains(string(readme), row) {
			t.Errorf("README configuration table lacks %s with default %q", s.Env, s.Default)
		}
	}
}
