package stacktest

import (
	"context"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/wallet-accounts/wallet/local/internal/moto"
	"github.com/wallet-accounts/wallet/local/stack"
)

// Email is one email sent through the stack's SES (moto).
type Email struct {
	MessageID string
	From      string
	To        string // lower case as sent
	Subject   string
	Body      string
}

// SentEmail returns every email moto has recorded since the stack started, oldest first. Tests
// share moto: filter by address (see WaitEmail).
func SentEmail(t testing.TB) []Email {
	t.Helper()
	s := Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all, err := moto.SentEmail(ctx, http.DefaultClient, s.SNS)
	if err != nil {
		t.Fatalf("sent email: %v", err)
	}
	out := make([]Email, len(all))
	for i, m := range all {
		out[i] = Email{MessageID: m.MessageID, From: m.From, To: m.To(), Subject: m.Subject, Body: m.Body}
	}
	return out
}

// EmailTo returns the email sent to the address to, oldest first.
func EmailTo(t testing.TB, to string) []Email {
	t.Helper()
	var out []Email
	for _, m := range SentEmail(t) {
		if strings.EqualFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// WaitEmail waits up to timeout for the email to the address to that follows the first after
// ones sent to it, and returns it; it fails the test on timeout.
func WaitEmail(t testing.TB, to string, after int, timeout time.Duration) Email {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := EmailTo(t, to)
		if len(got) > after {
			return got[after]
		}
		if time.Now().After(deadline) {
			var subjects []string
			for _, m := range got {
				subjects = append(subjects, strconv.Quote(m.Subject))
			}
			t.Fatalf("no email #%d to %s within %v (%d sent to it: %s)", after+1, to, timeout, len(got), strings.Join(subjects, " | "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var emailCode = regexp.MustCompile(`\b\d{6}\b`)

// Code returns the 6-digit code in an email's body, or fails the test.
func (m Email) Code(t testing.TB) string {
	t.Helper()
	c := emailCode.FindString(m.Body)
	if c == "" {
		t.Fatalf("no code in the email to %s: %q", m.To, m.Body)
	}
	return c
}

// SESClient returns an SES v2 client of the stack's moto, for integration tests (the sender
// the stack verified at start, or from VerifySender, may send).
func SESClient(t testing.TB, opts ...func(*sesv2.Options)) *sesv2.Client {
	t.Helper()
	return stack.SES(Config(t).SNS, opts...)
}

var verified sync.Map

// VerifySender verifies from's address in the stack's moto SES, once per process: a test that
// sends with its own configuration's EMAIL_FROM needs it verified, as the stack does for the
// functions' sender.
func VerifySender(t testing.TB, from string) {
	t.Helper()
	a, err := mail.ParseAddress(from)
	if err != nil {
		t.Fatalf("sender %q: %v", from, err)
	}
	if _, done := verified.Load(a.Address); done {
		return
	}
	_, err = SESClient(t).CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(a.Address)})
	if err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		t.Fatalf("verify sender %s: %v", a.Address, err)
	}
	verified.Store(a.Address, true)
}
