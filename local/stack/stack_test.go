package stack

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/secret"
)

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+8613812348000": "+86 138****8000",
		"+447911123456":  "+44 791***3456",
		"+12":            "+**",
		"+999123456789":  "+********6789", // no such country: only the last 4 digits show
	} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestFunctionEnvIsClean(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	t.Setenv("AWS_PROFILE", "developer")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Function("OtpFunction")
	if !ok {
		t.Fatal("no OtpFunction in template.yaml")
	}
	home := t.TempDir()
	env, err := Environment{Template: tpl, Table: "wallet-accounts", StreamARN: "arn:stream", DynamoDB: "http://127.0.0.1:1",
		SNS: "http://127.0.0.1:2", Pepper: "cGVwcGVy", Home: home, Log: slog.New(slog.DiscardHandler)}.For(fn)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TABLE_NAME": "wallet-accounts", "PEPPER": "cGVwcGVy", "DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
		"SNS_ENDPOINT": "http://127.0.0.1:2", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "HOME": home, "TZ": ":UTC",
		"PATH": os.Getenv("PATH"), "SMS_DAILY_BUDGET": "10000", "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_SESSION_TOKEN", "SMS_SENDER_ID"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s = %q reaches the function", k, v)
		}
	}
}

// TestFunctionEnvNamesTheLocalRelyingParty: the functions' passkeys are bound to localhost and
// accept ceremonies from http://localhost:<the API's port>, not the template's deployed values;
// -env still overrides them, and without an API the configuration's defaults apply.
func TestFunctionEnvNamesTheLocalRelyingParty(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := tpl.Function("AccountFunction")
	base := Environment{Template: tpl, Table: "wallet-accounts", Home: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		origin    string
		overrides map[string]string
		id, want  string
	}{
		{"http://localhost:3000", nil, "localhost", "http://localhost:3000"},
		{"http://localhost:41234", map[string]string{"RP_ORIGINS": "http://localhost:5173"}, "localhost", "http://localhost:5173"},
		{"", nil, "localhost", ""},
	} {
		e := base
		e.RPOrigin, e.Overrides = tc.origin, tc.overrides
		env, err := e.For(fn)
		if err != nil {
			t.Fatal(err)
		}
		if got, set := env["RP_ORIGINS"]; env["RP_ID"] != tc.id || got != tc.want || set != (tc.want != "") {
			t.Errorf("origin %q: RP_ID %q, RP_ORIGINS %q", tc.origin, env["RP_ID"], got)
		}
	}
}

// TestRotatePepper: a persistent stack's pepper gains a new current key and keeps the old one.
func TestRotatePepper(t *testing.T) {
	dir := t.TempDir()
	first, err := loadPepper(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := loadPepper(dir); again != first {
		t.Fatal("a persistent stack must keep its pepper")
	}
	id, err := RotatePepper(dir)
	if err != nil || id != "2" {
		t.Fatalf("RotatePepper = %q, %v", id, err)
	}
	setting, err := loadPepper(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.ParseKeyring(setting)
	if err != nil || keys.Current().ID != "2" || len(keys.Keys()) != 2 || !strings.HasSuffix(setting, ","+first) {
		t.Fatalf("after a rotation: %v, %v", keys, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pepper"), []byte("cGVwcGVycGVwcGVycGVwcGVycGVwcGVycGVwcGVy\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadPepper(dir); err == nil {
		t.Fatal("a pepper kept before key ids must be refused, not used")
	}
}
