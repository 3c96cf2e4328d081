package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// alertWait is how soon after the change its alert must be in moto (issue 6: within 5 s).
const alertWait = 5 * time.Second

// freezeLink finds the one-tap freeze link of an alert and its token (the local stack's links
// lead to its own API).
var freezeLink = regexp.MustCompile(`https?://[^\s/]+/f/([0-9A-Za-z]{22})\b`)

// waitAlert waits for an SMS to phone, after the first seen ones, whose text contains want, and
// returns it; the deadline counts from the call, which the test makes right after the change.
// Every freeze token it carries joins the secrets the final scans look for.
func waitAlert(t *testing.T, phone string, seen int, want string) string {
	t.Helper()
	for deadline := time.Now().Add(alertWait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range stacktest.SMSTo(t, phone)[seen:] {
			if strings.Contains(m.Text, want) {
				if l := freezeLink.FindStringSubmatch(m.Text); l != nil {
					remember(l[1])
				}
				return m.Text
			}
		}
	}
	t.Fatalf("no alert %q reached %s within %v: %s", want, phone, alertWait, smsTexts(stacktest.SMSTo(t, phone)[seen:]))
	return ""
}

// onlyOnce checks, a moment later (a redelivery would have come by then), that exactly one SMS
// to phone after the first seen ones contains want.
func onlyOnce(t *testing.T, phone string, seen int, want string) {
	t.Helper()
	time.Sleep(time.Second)
	n := 0
	for _, m := range stacktest.SMSTo(t, phone)[seen:] {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d alerts %q to %s, want exactly 1", n, want, phone)
	}
}

func smsTexts(ms []stacktest.SMS) string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%q", m.Text))
	}
	return strings.Join(out, " | ")
}

func TestNewDeviceLoginAlertAndItsFreezeLinkEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	seen := len(stacktest.SMSTo(t, u.phone))
	tablet := signInOn(t, c, u.phone, u.password, otherDevice())
	text := waitAlert(t, u.phone, seen, "signed in on a new device (iOS)")
	l := freezeLink.FindStringSubmatch(text)
	if l == nil || strings.Contains(text, u.phone[3:]) {
		t.Fatalf("alert %q: a freeze link and no number expected", text)
	}
	onlyOnce(t, u.phone, seen, "signed in on a new device")

	// The link works from any device, without a session, once.
	stranger := newClient(t)
	seen = len(stacktest.SMSTo(t, u.phone))
	res := stranger.do("POST", "/v1/account/freeze", map[string]string{"freezeToken": l[1]})
	if res.Status != 200 || res.Body["status"] != "frozen" {
		t.Fatalf("freeze by link: %d %s", res.Status, res.raw)
	}
	frozen := waitAlert(t, u.phone, seen, "was frozen")
	if freezeLink.MatchString(frozen) {
		t.Fatalf("the account_frozen alert carries no link: %q", frozen)
	}
	for _, session := range []string{u.session, tablet} {
		if res := c.do("GET", "/v1/account", nil, bearer(session)...); res.Status != 401 {
			t.Fatalf("every session ends: %d", res.Status)
		}
	}
	if res := stranger.do("POST", "/v1/account/freeze", map[string]string{"freezeToken": l[1]}); res.Status != 400 || res.Body["code"] != "invalid_freeze_token" {
		t.Fatalf("the token is spent: %d %s", res.Status, res.raw)
	}
	if res := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device}); res.Status != 403 || res.Body["code"] != "account_frozen" {
		t.Fatalf("sign-in on a frozen account: %d %s", res.Status, res.raw)
	}
	onlyOnce(t, u.phone, seen, "was frozen")
}

func TestResetAlertsEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)

	seen := len(stacktest.SMSTo(t, u.phone))
	res := c.do("POST", "/v1/password-resets/payment", map[string]string{"verificationToken": tokenFor(t, c, u.phone, "reset_payment", nil),
		"newPaymentPassword": "481937"}, bearer(u.session)...)
	if res.Status != 204 {
		t.Fatalf("payment reset: %d %s", res.Status, res.raw)
	}
	remember("481937")
	if text := waitAlert(t, u.phone, seen, "payment password was reset"); !freezeLink.MatchString(text) {
		t.Fatalf("no freeze link: %q", text)
	}

	seen2 := len(stacktest.SMSTo(t, u.phone))
	res = c.do("POST", "/v1/password-resets/login", map[string]any{"verificationToken": tokenFor(t, c, u.phone, "reset_login", nil),
		"newPassword": e2eNewPassword, "device": u.device})
	if res.Status != 204 {
		t.Fatalf("login reset: %d %s", res.Status, res.raw)
	}
	remember(e2eNewPassword)
	if text := waitAlert(t, u.phone, seen2, "login password was reset"); !freezeLink.MatchString(text) {
		t.Fatalf("no freeze link: %q", text)
	}
	onlyOnce(t, u.phone, seen, "payment password was reset")
	onlyOnce(t, u.phone, seen2, "login password was reset")
}

// TestPhoneChangeAlertsEndToEnd: a completed change tells both numbers; an identity-path change
// tells the old number when its hold starts, and again when it is cancelled.
func TestPhoneChangeAlertsEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	newNumber, _ := newPhone()
	id := startChange(t, c, u, false)
	seenOld := len(stacktest.SMSTo(t, u.phone))
	if res := confirmNew(t, c, u, id, newNumber); res.Status != 200 || res.Body["status"] != "completed" {
		t.Fatalf("confirm: %d %s", res.Status, res.raw)
	}
	masked := "****" + newNumber[len(newNumber)-4:]
	if text := waitAlert(t, u.phone, seenOld, "left this number for"); !strings.Contains(text, masked) || !freezeLink.MatchString(text) {
		t.Fatalf("to the old number: %q", text)
	}
	if text := waitAlert(t, newNumber, 0, "this number replaced"); !strings.Contains(text, "****"+u.phone[len(u.phone)-4:]) ||
		!freezeLink.MatchString(text) || strings.Contains(text, u.phone[3:]) {
		t.Fatalf("to the new number: %q", text)
	}
	onlyOnce(t, u.phone, seenOld, "left this number for")
	onlyOnce(t, newNumber, 0, "this number replaced")

	v := signUpWith(t, c, map[string]any{"idType": "national_id", "idNumber": e2eIDNumber})
	remember(e2eIDNumber)
	id = startChange(t, c, v, true)
	seen := len(stacktest.SMSTo(t, v.phone))
	if res := confirmNew(t, c, v, id, func() string { p, _ := newPhone(); return p }()); res.Status != 200 || res.Body["status"] != "pending" {
		t.Fatalf("identity confirm: %d %s", res.Status, res.raw)
	}
	if text := waitAlert(t, v.phone, seen, "your account moves to"); !strings.Contains(text, "unless cancelled") || !freezeLink.MatchString(text) {
		t.Fatalf("hold notice: %q", text)
	}
	seenCancel := len(stacktest.SMSTo(t, v.phone))
	if res := c.do("POST", "/v1/phone-changes/"+id+"/cancel", nil, bearer(v.session)...); res.Status != 204 {
		t.Fatalf("cancel: %d %s", res.Status, res.raw)
	}
	waitAlert(t, v.phone, seenCancel, "was cancelled")
	onlyOnce(t, v.phone, seen, "your account moves to")
	onlyOnce(t, v.phone, seenCancel, "was cancelled")
}

func TestAlertSettingsEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	res := c.do("GET", "/v1/alert-settings", nil, bearer(u.session)...)
	night, _ := res.Body["nighttime"].(map[string]any)
	if res.Status != 200 || res.Body["largeTransaction"] != nil || night["enabled"] != false || night["start"] != "23:00" ||
		night["end"] != "07:00" || night["timezone"] != "Asia/Shanghai" {
		t.Fatalf("defaults: %d %s", res.Status, res.raw)
	}
	body := map[string]any{"largeTransaction": map[string]string{"amount": "5000.00", "currency": "CNY"},
		"nighttime": map[string]any{"enabled": true, "start": "22:30", "end": "06:00", "timezone": "America/New_York"}}
	if res := c.do("PUT", "/v1/alert-settings", body, bearer(u.session)...); res.Status != 200 {
		t.Fatalf("put: %d %s", res.Status, res.raw)
	}
	res = c.do("GET", "/v1/alert-settings", nil, bearer(u.session)...)
	if want, _ := json.Marshal(body); res.Status != 200 || !sameJSON(t, res.raw, want) {
		t.Fatalf("read back: %d %s", res.Status, res.raw)
	}
	for _, tc := range []struct {
		night  map[string]any
		amount string
		code   string
	}{
		{map[string]any{"enabled": true, "start": "24:00", "end": "06:00", "timezone": "UTC"}, "1", "invalid_time"},
		{map[string]any{"enabled": true, "start": "7pm", "end": "06:00", "timezone": "UTC"}, "1", "invalid_time"},
		{map[string]any{"enabled": true, "start": "06:00", "end": "06:00", "timezone": "UTC"}, "1", "invalid_time"},
		{map[string]any{"enabled": true, "start": "23:00", "end": "06:00", "timezone": "Mars/Olympus"}, "1", "invalid_time_zone"},
		{map[string]any{"enabled": true, "start": "23:00", "end": "06:00", "timezone": "GMT+8"}, "1", "invalid_time_zone"},
		{map[string]any{"enabled": true, "start": "23:00", "end": "06:00", "timezone": "UTC"}, "-1", "invalid_amount"},
		{map[string]any{"enabled": true, "start": "23:00", "end": "06:00"}, "1", "missing_field"},
	} {
		res := c.do("PUT", "/v1/alert-settings", map[string]any{"nighttime": tc.night,
			"largeTransaction": map[string]string{"amount": tc.amount, "currency": "CNY"}}, bearer(u.session)...)
		if res.Status != 400 || res.Body["code"] != tc.code {
			t.Errorf("%v %s: %d %s, want 400 %s", tc.night, tc.amount, res.Status, res.raw, tc.code)
		}
	}
	if res := c.do("PUT", "/v1/alert-settings", map[string]any{"nighttime": body["nighttime"], "extra": 1}, bearer(u.session)...); res.Status != 400 || res.Body["code"] != "unknown_field" {
		t.Errorf("unknown field: %d %s", res.Status, res.raw)
	}
	if res := c.do("GET", "/v1/alert-settings", nil); res.Status != 401 {
		t.Errorf("without a session: %d", res.Status)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// TestNighttimeProtectionEndToEnd: inside the window even the known device needs a code to sign
// in; with protection off it does not.
func TestNighttimeProtectionEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	now := time.Now().UTC()
	window := map[string]any{"enabled": true, "start": now.Add(-time.Hour).Format("15:04"), "end": now.Add(time.Hour).Format("15:04"), "timezone": "UTC"}
	if res := c.do("PUT", "/v1/alert-settings", map[string]any{"nighttime": window}, bearer(u.session)...); res.Status != 200 {
		t.Fatalf("put: %d %s", res.Status, res.raw)
	}
	signIn := map[string]any{"phone": u.phone, "password": u.password, "device": u.device}
	res := c.do("POST", "/v1/sessions", signIn)
	if res.Status != 403 || res.Body["code"] != "step_up_required" || res.Body["purpose"] != "login_step_up" {
		t.Fatalf("known device inside the window: %d %s", res.Status, res.raw)
	}
	session := signInOn(t, c, u.phone, u.password, u.device) // through the code; it ends the device's old session
	window["enabled"] = false
	if res := c.do("PUT", "/v1/alert-settings", map[string]any{"nighttime": window}, bearer(session)...); res.Status != 200 {
		t.Fatalf("put: %d %s", res.Status, res.raw)
	}
	if res := c.do("POST", "/v1/sessions", signIn); res.Status != 201 {
		t.Fatalf("protection off: %d %s", res.Status, res.raw)
	} else {
		remember(res.Body["sessionToken"].(string))
	}
}

// TestLargeTransactionAlertsEndToEnd publishes transaction messages to the transactions topic in
// moto, as the payments system would: below the threshold nothing, at and above it one SMS each
// (a duplicate message none more), another currency nothing, a malformed message is dropped.
func TestLargeTransactionAlertsEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	body := map[string]any{"largeTransaction": map[string]string{"amount": "1000.00", "currency": "CNY"},
		"nighttime": map[string]any{"enabled": false, "start": "23:00", "end": "07:00", "timezone": "Asia/Shanghai"}}
	if res := c.do("PUT", "/v1/alert-settings", body, bearer(u.session)...); res.Status != 200 {
		t.Fatalf("put: %d %s", res.Status, res.raw)
	}
	res := c.do("GET", "/v1/account", nil, bearer(u.session)...)
	accountID, _ := res.Body["accountId"].(string)
	client := stacktest.SNSClient(t)
	topic := transactionsTopic(t, client)
	publish := func(id, amount, currency string) {
		t.Helper()
		msg := fmt.Sprintf(`{"eventId":%q,"accountId":%q,"amount":%q,"currency":%q,"merchant":"Harbour Electronics","occurredAt":"2026-11-21T10:00:00Z"}`,
			id, accountID, amount, currency)
		publishRaw(t, client, topic, msg)
	}
	// In hex, so that no run id reads as a card number to the canary scan (a 19-digit decimal
	// one is Luhn-valid one time in ten).
	run := strconv.FormatInt(time.Now().UnixNano(), 16)
	seen := len(stacktest.SMSTo(t, u.phone))
	publishRaw(t, client, topic, `{"eventId": 42}`)
	publish(run+"-below", "999.99", "CNY")
	publish(run+"-usd", "250000.00", "USD")
	publish(run+"-equal", "1000.00", "CNY")
	waitAlert(t, u.phone, seen, "a payment of 1,000.00 CNY to Harbour Electronics")
	publish(run+"-above", "12000.50", "CNY")
	publish(run+"-above", "12000.50", "CNY")
	text := waitAlert(t, u.phone, seen, "a payment of 12,000.50 CNY")
	if !strings.Contains(text, "2026-11-21 18:00 UTC+08:00") || !freezeLink.MatchString(text) {
		t.Fatalf("alert %q", text)
	}
	onlyOnce(t, u.phone, seen, "a payment of 12,000.50 CNY")
	var alerts []string
	for _, m := range stacktest.SMSTo(t, u.phone)[seen:] {
		if strings.Contains(m.Text, "a payment of") {
			alerts = append(alerts, m.Text)
		}
	}
	if len(alerts) != 2 {
		t.Fatalf("want the equal and the above alerts only: %q", alerts)
	}
}

// transactionsTopic finds the template's TransactionEventsTopic in moto.
func transactionsTopic(t *testing.T, client *sns.Client) string {
	t.Helper()
	out, err := client.ListTopics(context.Background(), &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range out.Topics {
		if strings.HasSuffix(aws.ToString(tp.TopicArn), "-TransactionEventsTopic") {
			return aws.ToString(tp.TopicArn)
		}
	}
	t.Fatal("no TransactionEventsTopic in moto: the local stack creates the template's topics")
	return ""
}

func publishRaw(t *testing.T, client *sns.Client, topic, msg string) {
	t.Helper()
	if _, err := client.Publish(context.Background(), &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(msg)}); err != nil {
		t.Fatalf("publish: %v", err)
	}
}
