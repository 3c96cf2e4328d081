package e2e

import (
	"fmt"
	"testing"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// TestProfileEndToEnd: editable fields change and clear; citizenship and the ID document are set
// once (409 immutable_field for another value, the same again is fine); the ID number given after
// signup then works for the no-SMS recovery.
func TestProfileEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	res := expect(t, "edit", c.do("PATCH", "/v1/account/profile", map[string]string{"realName": "Li Wei", "occupation": "engineer",
		"dateOfBirth": "1990-03-07"}, bearer(u.session)...), 200)
	if res.Body["realName"] != "Li Wei" || res.Body["occupation"] != "engineer" {
		t.Fatalf("edit: %s", res.raw)
	}
	res = expect(t, "clear", c.do("PATCH", "/v1/account/profile", map[string]string{"occupation": ""}, bearer(u.session)...), 200)
	if _, ok := res.Body["occupation"]; ok || res.Body["realName"] != "Li Wei" {
		t.Fatalf("clear: %s", res.raw)
	}
	if res := c.do("PATCH", "/v1/account/profile", map[string]string{"gender": "robot"}, bearer(u.session)...); res.Status != 400 || res.Body["field"] != "gender" {
		t.Fatalf("a bad gender: %d %s", res.Status, res.raw)
	}
	id := map[string]string{"citizenship": "CN", "idType": "national_id", "idNumber": e2eIDNumber}
	remember(e2eIDNumber, e2eCard)
	res = expect(t, "set the ID", c.do("PATCH", "/v1/account/profile", id, bearer(u.session)...), 200)
	if res.Body["idLast4"] != e2eIDNumber[len(e2eIDNumber)-4:] || res.Body["citizenship"] != "CN" {
		t.Fatalf("set the ID: %s", res.raw)
	}
	expect(t, "the same again", c.do("PATCH", "/v1/account/profile", id, bearer(u.session)...), 200)
	for field, patch := range map[string]map[string]string{
		"citizenship": {"citizenship": "HK"},
		"idNumber":    {"idType": "national_id", "idNumber": "110101199003074522"},
	} {
		res := c.do("PATCH", "/v1/account/profile", patch, bearer(u.session)...)
		if res.Status != 409 || res.Body["code"] != "immutable_field" || res.Body["field"] != field {
			t.Fatalf("change %s: %d %s", field, res.Status, res.raw)
		}
	}
	res = expect(t, "read", c.do("GET", "/v1/account/profile", nil, bearer(u.session)...), 200)
	if res.Body["citizenship"] != "CN" || res.Body["realName"] != "Li Wei" || fmt.Sprint(res.Body["idNumber"]) != "<nil>" {
		t.Fatalf("profile: %s", res.raw)
	}

	expect(t, "link card", c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword}, bearer(u.session)...), 201)
	var answers []map[string]string
	for q, a := range u.answers {
		answers = append(answers, map[string]string{"questionId": q, "answer": a})
	}
	expect(t, "reset without SMS, with the ID given after signup", c.do("POST", "/v1/password-resets/login/alternative",
		map[string]any{"phone": u.phone, "idNumber": e2eIDNumber, "securityAnswers": answers[:2], "bankCardNumber": e2eCard, "newPassword": e2eNewPassword}), 204)
	remember(e2eNewPassword)
}

// TestActivityEndToEnd: the activity list pages through the account's events newest first, each
// with the device and source IP of its request; "this wasn't me" on one freezes the account (every
// session ends, the freeze alert is texted) and records activity_reported.
func TestActivityEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	for _, name := range []string{"Li Wei", "Li Lei"} { // profile edits write no event; identity does
		expect(t, "edit", c.do("PATCH", "/v1/account/profile", map[string]string{"realName": name}, bearer(u.session)...), 200)
	}
	expect(t, "identity", c.do("PATCH", "/v1/account/profile", map[string]string{"citizenship": "CN"}, bearer(u.session)...), 200)
	tablet := signInOn(t, c, u.phone, u.password, otherDevice()) // new_device_login
	var entries []map[string]any
	for cursor, pages := "", 0; ; pages++ {
		path := "/v1/account/activity?limit=1"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := expect(t, "activity", c.do("GET", path, nil, bearer(tablet)...), 200)
		for _, e := range res.Body["entries"].([]any) {
			entries = append(entries, e.(map[string]any))
		}
		cursor, _ = res.Body["nextCursor"].(string)
		if cursor == "" || pages > 10 {
			break
		}
	}
	var types []string
	for _, e := range entries {
		types = append(types, e["type"].(string))
	}
	if fmt.Sprint(types) != "[new_device_login identity_details_set account_created]" {
		t.Fatalf("activity, newest first: %v", types)
	}
	login, created := entries[0], entries[2]
	if dev, _ := login["device"].(map[string]any); dev["id"] != otherDevice()["id"] || dev["name"] != otherDevice()["name"] || login["sourceIp"] != c.ip {
		t.Fatalf("the sign-in's origin: %v", login)
	}
	if dev, _ := created["device"].(map[string]any); dev["id"] != u.device["id"] {
		t.Fatalf("the signup's origin: %v", created)
	}
	if res := c.do("GET", "/v1/account/activity?limit=0", nil, bearer(tablet)...); res.Status != 400 || res.Body["field"] != "limit" {
		t.Fatalf("limit=0: %d %s", res.Status, res.raw)
	}

	seen := len(stacktest.SMSTo(t, u.phone))
	res := expect(t, "this wasn't me", c.do("POST", "/v1/account/activity/"+login["eventId"].(string)+"/report", nil, bearer(u.session)...), 200)
	if res.Body["status"] != "frozen" {
		t.Fatalf("report: %s", res.raw)
	}
	waitAlert(t, u.phone, seen, "was frozen")
	for _, s := range []string{u.session, tablet} {
		expect(t, "a session after the report", c.do("GET", "/v1/account", nil, bearer(s)...), 401)
	}
	if n := eventCount(t, u, "activity_reported"); n != 1 {
		t.Fatalf("%d activity_reported events", n)
	}
}
