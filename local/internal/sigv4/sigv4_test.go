package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var (
	local   = aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}
	now     = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	checker = Verifier{Credentials: local, Region: "us-east-1", AccountID: "123456789012", Now: func() time.Time { return now }}
)

// signed is a request signed by creds at at, as an SDK client signs it, with its body.
func signed(t *testing.T, creds aws.Credentials, region, service string, at time.Time, body string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:3001/internal/v1/accounts/01K0000000000000000000000A/freeze?x=a%40b", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	return r, []byte(body)
}

func TestASignedRequestIsItsSigners(t *testing.T) {
	r, body := signed(t, local, "us-east-1", Service, now.Add(-time.Minute), `{"reason":"r","caseId":"c"}`)
	iam, err := checker.Verify(r, body)
	if err != nil {
		t.Fatal(err)
	}
	if iam.UserARN != "arn:aws:iam::123456789012:user/local" || iam.AccessKey != "local" || iam.AccountID != "123456789012" || iam.UserID == "" {
		t.Fatalf("principal %+v", iam)
	}
}

func TestWhatIsRefused(t *testing.T) {
	other := aws.Credentials{AccessKeyID: "AKIAOTHER", SecretAccessKey: "other"}
	wrongSecret := aws.Credentials{AccessKeyID: "local", SecretAccessKey: "not-local"}
	cases := map[string]func() (*http.Request, []byte){
		"unsigned": func() (*http.Request, []byte) {
			r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:3001/internal/v1/accounts", nil)
			return r, nil
		},
		"other credentials": func() (*http.Request, []byte) { return signed(t, other, "us-east-1", Service, now, "{}") },
		"wrong secret":      func() (*http.Request, []byte) { return signed(t, wrongSecret, "us-east-1", Service, now, "{}") },
		"stale": func() (*http.Request, []byte) {
			return signed(t, local, "us-east-1", Service, now.Add(-6*time.Minute), "{}")
		},
		"from the future": func() (*http.Request, []byte) {
			return signed(t, local, "us-east-1", Service, now.Add(6*time.Minute), "{}")
		},
		"other region":  func() (*http.Request, []byte) { return signed(t, local, "eu-west-1", Service, now, "{}") },
		"other service": func() (*http.Request, []byte) { return signed(t, local, "us-east-1", "s3", now, "{}") },
		"body changed": func() (*http.Request, []byte) {
			r, _ := signed(t, local, "us-east-1", Service, now, `{"reason":"a"}`)
			return r, []byte(`{"reason":"b"}`)
		},
		"path changed": func() (*http.Request, []byte) {
			r, b := signed(t, local, "us-east-1", Service, now, "{}")
			r.URL.Path = strings.Replace(r.URL.Path, "freeze", "close", 1)
			return r, b
		},
		"signature tampered": func() (*http.Request, []byte) {
			r, b := signed(t, local, "us-east-1", Service, now, "{}")
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-1]+map[bool]string{true: "1", false: "0"}[h[len(h)-1] == '0'])
			return r, b
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			r, body := mk()
			if _, err := checker.Verify(r, body); !errors.Is(err, ErrRefused) {
				t.Fatalf("got %v, want refused", err)
			}
		})
	}
}
