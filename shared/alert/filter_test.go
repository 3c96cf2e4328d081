package alert

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/config"
)

// eventTypes reads every event type shared/account declares (Event… = "…").
func eventTypes(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("../account/*.go")
	re := regexp.MustCompile(`(?m)^\s*Event[A-Za-z]+\s*=\s*"([a-z_]+)"`)
	var out []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			out = append(out, m[1])
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d event types in shared/account", len(out))
	}
	return out
}

// streamTypes reads the event types the template's stream filter lets reach AlertFunction.
func streamTypes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Pattern: '(\{"eventName": \["INSERT"\].*"itemType".*)'`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no security-event filter pattern in template.yaml")
	}
	var p struct {
		DynamoDB struct {
			NewImage struct {
				Type struct{ S []string } `json:"type"`
			}
		} `json:"dynamodb"`
	}
	if err := json.Unmarshal(m[1], &p); err != nil {
		t.Fatal(err)
	}
	return p.DynamoDB.NewImage.Type.S
}

// TestTheStreamFilterPassesExactlyWhatSends: AlertFunction is invoked for the security events
// that send something and for no other (every signup's account_created used to invoke it for
// nothing): the template's filter lists exactly the types the plan texts.
func TestTheStreamFilterPassesExactlyWhatSends(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		if k == "PEPPER" {
			return "1:" + "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(nil, nil, account.SystemClock{}, nil, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a := account.Account{ID: "01K0000000000000000000000A", Status: account.StatusActive, Phone: "+8613800138000", Lang: "en"}
	nums := &Numbers{OldPhone: "+8613800138000", NewPhone: "+8613900139000"}
	passes := streamTypes(t)
	for _, typ := range eventTypes(t) {
		// Details an event of the type may carry that make it send (a phone change cancelled
		// during its hold tells the old number; one never on hold tells nobody).
		ev := account.Event{ID: "01K0000000000000000000000B", Type: typ, At: time.Now(),
			Details: map[string]string{account.DetailEffectiveAt: "2026-12-01T00:00:00Z"}}
		sends := len(s.plan(a, ev, nums)) > 0
		if sends != slices.Contains(passes, typ) {
			t.Errorf("%s: the plan sends %v, the stream filter passes %v", typ, sends, !sends)
		}
	}
}
