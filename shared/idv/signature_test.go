package idv

import (
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// TestCheckSignature: a right signature within the skew passes and names the delivery; a wrong
// key, body, timestamp or format is invalid_signature, a right one from over 5 minutes away
// either way is signature_expired, and no key refuses everything.
func TestCheckSignature(t *testing.T) {
	key, body := []byte(strings.Repeat("k", 32)), []byte(`{"verificationId":"a.b","decision":"approved"}`)
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	ts, sig := Sign(key, now, body)
	h, err := Check(key, now.Add(MaxSkew), ts, sig, body)
	if err != nil || len(h) != 32 {
		t.Fatalf("right signature: %v", err)
	}
	if h2, _ := Check(key, now, ts, sig, body); string(h2) != string(h) {
		t.Fatal("one delivery must name one replay hash")
	}
	staleTS, staleSig := Sign(key, now.Add(-MaxSkew-time.Second), body)
	futureTS, futureSig := Sign(key, now.Add(MaxSkew+time.Second), body)
	for _, c := range []struct {
		name          string
		key           []byte
		ts, sig, body string
		code          account.Code
	}{
		{"other key", []byte(strings.Repeat("x", 32)), ts, sig, string(body), account.CodeInvalidSignature},
		{"other body", key, ts, sig, string(body) + " ", account.CodeInvalidSignature},
		{"other timestamp", key, "1795255201", sig, string(body), account.CodeInvalidSignature},
		{"padded timestamp", key, "0" + ts, sig, string(body), account.CodeInvalidSignature},
		{"no prefix", key, ts, strings.TrimPrefix(sig, "v1="), string(body), account.CodeInvalidSignature},
		{"not hex", key, ts, "v1=" + strings.Repeat("z", 64), string(body), account.CodeInvalidSignature},
		{"missing", key, "", "", string(body), account.CodeInvalidSignature},
		{"no key", nil, ts, sig, string(body), account.CodeInvalidSignature},
		{"stale", key, staleTS, staleSig, string(body), account.CodeSignatureExpired},
		{"future", key, futureTS, futureSig, string(body), account.CodeSignatureExpired},
	} {
		if _, err := Check(c.key, now, c.ts, c.sig, []byte(c.body)); !account.Is(err, c.code) {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
}

// TestAttempts: the window slides; the fourth case in 30 days waits for the oldest to leave it.
func TestAttempts(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	old := []time.Time{now.Add(-Window), now.Add(-20 * 24 * time.Hour), now.Add(-time.Hour), now.Add(-10 * 24 * time.Hour)}
	in := recent(old, now)
	if len(in) != 3 || !in[0].Equal(now.Add(-20*24*time.Hour)) {
		t.Fatalf("recent: %v", in)
	}
	err := checkAttempts(in, now, 3)
	e, ok := account.As(err)
	if !ok || e.Code != account.CodeTooManyVerifications || e.RetryAfter != 10*24*time.Hour {
		t.Fatalf("4th: %+v", err)
	}
	if checkAttempts(in[1:], now, 3) != nil {
		t.Fatal("a third case must be allowed")
	}
}

// TestLevelsNeverFall: an approval raises, never lowers.
func TestLevelsNeverFall(t *testing.T) {
	for _, c := range []struct{ cur, to, want account.Level }{
		{"", account.LevelRealName, account.LevelRealName},
		{account.LevelRealName, account.LevelVerified, account.LevelVerified},
		{account.LevelVerified, account.LevelRealName, account.LevelVerified},
	} {
		if got := atLeast(c.cur, c.to); got != c.want {
			t.Errorf("%q to %q: %q", c.cur, c.to, got)
		}
	}
}

// TestRequestCheck names the field at fault.
func TestRequestCheck(t *testing.T) {
	ok := Request{DocumentType: "passport", DocumentNumber: "e 1234 5678", Name: " Li Wei ", Nationality: "cn"}
	in, err := ok.check()
	if err != nil || in.number != "E12345678" || in.name != "Li Wei" || in.nationality != "CN" {
		t.Fatalf("%+v %v", in, err)
	}
	for field, r := range map[string]Request{
		"documentType":   {DocumentType: "library_card", DocumentNumber: "E12345678", Name: "n", Nationality: "CN"},
		"documentNumber": {DocumentType: "passport", DocumentNumber: strings.Repeat("9", 40), Name: "n", Nationality: "CN"},
		"name":           {DocumentType: "passport", DocumentNumber: "E12345678", Name: "Li\x00", Nationality: "CN"},
		"nationality":    {DocumentType: "passport", DocumentNumber: "E12345678", Name: "n", Nationality: "CHN"},
	} {
		if _, err := r.check(); err == nil {
			t.Errorf("%s: accepted", field)
		} else if e, _ := account.As(err); e.Field != field {
			t.Errorf("%s: field %q (%v)", field, e.Field, err)
		}
	}
	if _, err := (Request{DocumentType: "passport"}).check(); !account.Is(err, account.CodeMissingField) {
		t.Errorf("missing: %v", err)
	}
}
