package moto

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// sample is what moto_server 5.2.1 answers at /moto-api/data.json after two SMS.
const sample = `{"sns": {"PlatformApplication": [], "PlatformEndpoint": [], "SMS": [
  {"message": "Your code is 123456", "message_id": "f9b8", "phone_number": "+8613812348000"},
  {"message": "second", "message_id": "4769", "phone_number": "+14155550100"}],
  "Subscription": [], "Topic": []}}`

func TestSentSMS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/moto-api/data.json" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(sample))
	}))
	defer srv.Close()
	got, err := SentSMS(context.Background(), srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := []SMS{{"f9b8", "+8613812348000", "Your code is 123456"}, {"4769", "+14155550100", "second"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestSentSMSBeforeAnySNSCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{}`)) // moto lists only the backends that were used
	}))
	defer srv.Close()
	got, err := SentSMS(context.Background(), srv.Client(), srv.URL)
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want none", got, err)
	}
}

// sesSample is what moto_server 5.2.1 answers at /moto-api/data.json's "ses" after one email
// sent through SES v2 (identities trimmed).
const sesSample = `{"ses": {"EmailIdentity": [], "Message": [{"body": "123456 is your code",
  "destinations": {"ToAddresses": ["li@example.com"]}, "id": "nsth", "source": "Wallet <no-reply@wallet.example>",
  "subject": "Hi"}], "RawMessage": []}}`

func TestSentEmail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(sesSample))
	}))
	defer srv.Close()
	got, err := SentEmail(context.Background(), srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MessageID != "nsth" || got[0].To() != "li@example.com" || got[0].Subject != "Hi" ||
		got[0].Body != "123456 is your code" || got[0].From != "Wallet <no-reply@wallet.example>" {
		t.Errorf("got %+v", got)
	}
}
