package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/console"
	"github.com/wallet-accounts/wallet/local/internal/httpapi"
	"github.com/wallet-accounts/wallet/local/internal/runtimeapi"
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

// TestFreezeLinksLeadToTheLocalAPI: with an API, the functions' freeze links lead to its /f/,
// where AccountFunction serves the link's page; -env still overrides it; without an API the
// template's parameter stands.
func TestFreezeLinksLeadToTheLocalAPI(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Function("AlertFunction")
	if !ok {
		t.Fatal("no AlertFunction in template.yaml")
	}
	base := Environment{Template: tpl, Table: "wallet-accounts", StreamARN: "arn:stream", Home: t.TempDir()}
	for _, tc := range []struct {
		api       string
		overrides map[string]string
		want      string
	}{
		{"http://127.0.0.1:3000", nil, "http://127.0.0.1:3000/f/"},
		{"http://127.0.0.1:3000", map[string]string{"FREEZE_LINK_BASE": "https://pay.example.cn/f/"}, "https://pay.example.cn/f/"},
		{"", nil, "https://wallet.example/f/"},
	} {
		e := base
		e.API, e.Overrides = tc.api, tc.overrides
		env, err := e.For(fn)
		if err != nil {
			t.Fatal(err)
		}
		if env["FREEZE_LINK_BASE"] != tc.want {
			t.Errorf("API %q, overrides %v: FREEZE_LINK_BASE = %q, want %q", tc.api, tc.overrides, env["FREEZE_LINK_BASE"], tc.want)
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

// TestConsoleBesideTheAPI: the console answers on / and /console/ where no route of the API does;
// a route always wins, and every other path keeps the API's own 404.
func TestConsoleBesideTheAPI(t *testing.T) {
	invoke := func(_ context.Context, fn string, _ []byte) (*runtimeapi.Result, error) {
		return &runtimeapi.Result{Payload: []byte(`{"statusCode":200,"body":"` + fn + `"}`)}, nil
	}
	inbox := func(context.Context) ([]console.Message, error) { return nil, nil }
	for _, tc := range []struct {
		routes     []httpapi.Route
		method     string
		path, want string
	}{
		{nil, "GET", "/", "console"},
		{nil, "GET", "/console/inbox", "console"},
		{nil, "GET", "/console/nothing", "console 404"},
		{nil, "GET", "/v1/otp", "api 404"},
		{nil, "GET", "/f/token", "api 404"},
		{[]httpapi.Route{{Method: "POST", Path: "/", Function: "Root"}}, "GET", "/", "console"},
		{[]httpapi.Route{{Method: "GET", Path: "/", Function: "Root"}}, "GET", "/", "Root"},
		{[]httpapi.Route{{Method: "ANY", Path: "/console/{file}", Function: "Files"}}, "GET", "/console/inbox", "Files"},
		{[]httpapi.Route{{Function: "Default"}}, "GET", "/", "Default"}, // $default takes every path
	} {
		api, err := httpapi.New(tc.routes, invoke, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		withConsole(api, console.New(inbox, nil)).ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		var got string
		switch body := w.Body.String(); {
		case w.Code == 404 && body == `{"message":"Not Found"}`:
			got = "api 404"
		case w.Code == 404:
			got = "console 404"
		case w.Header().Get("Content-Security-Policy") != "":
			got = "console"
		default:
			got = body
		}
		if got != tc.want {
			t.Errorf("%v: %s %s went to %s (%d), want %s", tc.routes, tc.method, tc.path, got, w.Code, tc.want)
		}
	}
}

// TestInboxKeepsEverySMS: the console's inbox is every SMS moto recorded, oldest first, each
// once, masked and in full, with the time the stack first saw it; and each is printed once.
func TestInboxKeepsEverySMS(t *testing.T) {
	var sms []string
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"sns": {"SMS": [%s]}}`, strings.Join(sms, ","))
	}))
	defer moto.Close()
	var out strings.Builder
	p := newSMSPrinter(moto.URL, &out, slog.New(slog.DiscardHandler))
	sms = append(sms, `{"message_id": "a", "phone_number": "+8613812348000", "message": "first"}`)
	if err := p.poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	sms = append(sms, `{"message_id": "b", "phone_number": "+447911123456", "message": "second"}`)
	before := time.Now()
	got, err := p.messages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" || got[1].To != "+447911123456" ||
		got[1].ToMasked != "+44 791***3456" || got[1].Channel != "sms" || got[1].Text != "second" || got[1].At.Before(before.Add(-time.Second)) {
		t.Errorf("inbox %+v", got)
	}
	if want := "SMS to +86 138****8000: first\nSMS to +44 791***3456: second\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// TestConsoleRelaySignsAsThePaymentsSystem: the pay page's relay signs each request with the local
// credentials, so the internal API's own check (Verifier) admits it, body and all.
func TestConsoleRelaySignsAsThePaymentsSystem(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(strings.Builder)
		if _, err := io.Copy(body, r.Body); err != nil {
			t.Error(err)
		}
		if _, err := Verifier().Verify(r, []byte(body.String())); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		got = r.Method + " " + r.URL.Path + " " + body.String()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	in := &internalAPI{url: srv.URL}
	for _, body := range []string{`{"amount":"12.34"}`, ""} {
		res, err := in.relay(context.Background(), http.MethodPost, "/internal/v1/payment-authorizations", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || got != "POST /internal/v1/payment-authorizations "+body {
			t.Errorf("body %q: %d %s, the API saw %q", body, res.StatusCode, msg, got)
		}
	}
}

// TestAServiceThatExitsWhileStartingStartsAgain: a service whose free port another listener
// took before it bound it (moto here) is started again on another port.
func TestAServiceThatExitsWhileStartingStartsAgain(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	st := &Stack{cfg: Config{StateDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	s, err := startMoto(st.cfg.StateDir, port)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := st.waitService(ctx, &s, st.startMoto, "/moto-api/data.json", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	if s.url == "http://127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("moto answers on the taken port %d", port)
	}
}
