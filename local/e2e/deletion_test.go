package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/closuretest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/closure"
)

// TestDeletionEndToEnd: a deletion is refused while a card is linked, a phone change is under
// way or a flag is set, each with its code; accepted, it texts the holder and blocks a phone
// change; cancelled, it texts again; accepted again, the closure job's sweep (run here over the
// stack's table, as ClosureFunction runs it, at the end of the 7-day hold) closes the account:
// its sessions end and its number is released.
func TestDeletionEndToEnd(t *testing.T) {
	c := newClient(t)
	u := signUpWith(t, c, nil)
	request := func() response {
		return c.do("POST", "/v1/account/deletion", map[string]string{"paymentPassword": e2ePaymentPassword}, bearer(u.session)...)
	}
	refused := func(what string, code string) {
		t.Helper()
		if res := request(); res.Status != 409 || res.Body["code"] != code {
			t.Fatalf("%s: %d %s, want 409 %s", what, res.Status, res.raw, code)
		}
	}
	res := expect(t, "link card", c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": e2eCard, "paymentPassword": e2ePaymentPassword},
		bearer(u.session)...), 201)
	remember(e2eCard)
	refused("a card linked", "cards_linked")
	expect(t, "unlink", c.do("DELETE", "/v1/bank-cards/"+res.Body["cardId"].(string), nil, bearer(u.session)...), 204)

	change := startChange(t, c, u, false)
	refused("a phone change under way", "phone_change_pending")
	expect(t, "cancel the change", c.do("POST", "/v1/phone-changes/"+change+"/cancel", nil, bearer(u.session)...), 204)

	db, table := stacktest.StackDynamo(t), stacktest.Config(t).Table
	id := str(stacktest.GetItem(t, db, table, "PHONE#"+u.phone, "PHONE")["accountId"])
	stacktest.UpdateItem(t, db, table, "ACCOUNT#"+id, "ACCOUNT", "SET blocks = :b", map[string]any{":b": []string{"dispute"}})
	if res := request(); res.Status != 409 || res.Body["code"] != "account_flagged" || len(res.Body["flags"].([]any)) != 1 {
		t.Fatalf("flagged: %d %s", res.Status, res.raw)
	}
	stacktest.UpdateItem(t, db, table, "ACCOUNT#"+id, "ACCOUNT", "REMOVE blocks", nil)

	seen := len(stacktest.SMSTo(t, u.phone))
	expect(t, "request", request(), 202)
	waitAlert(t, u.phone, seen, "you asked to delete your account")
	refused("again", "deletion_pending")
	look := expect(t, "customer service's look-up", newAgent(t).do("GET", "/internal/v1/accounts/"+id, nil), 200)
	if holds, _ := look.Body["holds"].(map[string]any); holds["deletion"] == nil {
		t.Fatalf("the look-up shows no pending deletion: %s", look.raw)
	}
	expect(t, "still works", c.do("GET", "/v1/account", nil, bearer(u.session)...), 200)
	seen = len(stacktest.SMSTo(t, u.phone))
	expect(t, "cancel", c.do("DELETE", "/v1/account/deletion", nil, bearer(u.session)...), 204)
	waitAlert(t, u.phone, seen, "deletion cancelled")
	expect(t, "cancel again", c.do("DELETE", "/v1/account/deletion", nil, bearer(u.session)...), 404)

	res = expect(t, "request again", request(), 202)
	due, err := time.Parse(time.RFC3339, res.Body["effectiveAt"].(string))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(due) + time.Second) // the test stack's DELETION_HOLD is 3 s
	seen = len(stacktest.SMSTo(t, u.phone))
	stacktest.RunSchedules(t) // ClosureFunction, as its schedule runs it
	waitAlert(t, u.phone, seen, "was closed at")
	expect(t, "the session after the deletion", c.do("GET", "/v1/account", nil, bearer(u.session)...), 401)
	if res := c.do("POST", "/v1/sessions", map[string]any{"phone": u.phone, "password": u.password, "device": u.device}); res.Status == 201 {
		t.Fatalf("sign-in after the deletion: %s", res.raw)
	}
	// The number is free: its claim is gone.
	if claim := stacktest.GetItem(t, db, table, "PHONE#"+u.phone, "PHONE"); claim != nil {
		t.Fatalf("the phone claim stayed: %v", claim)
	}
	deletedNumber = u.phone   // signs up again in TestZYADeletedNumberSignsUpAgain
	stacktest.RunSchedules(t) // a second run publishes nothing again
	var closed []closure.ClosedMessage
	for _, m := range ledgerMessages(t) {
		var msg closure.ClosedMessage
		if json.Unmarshal([]byte(m.Body), &msg) == nil && msg.AccountID == id {
			closed = append(closed, msg)
		}
	}
	if len(closed) != 1 || closed[0].Reason != "deletion" {
		t.Fatalf("account.closed for the account: %+v", closed)
	}
}

// ledgerMessages are the messages published to every topic of the stack (the account-events topic
// among them).
func ledgerMessages(t *testing.T) []closuretest.Message {
	t.Helper()
	out, err := stacktest.SNSClient(t).ListTopics(context.Background(), &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []closuretest.Message
	for _, topic := range out.Topics {
		msgs = append(msgs, closuretest.TopicMessages(t, aws.ToString(topic.TopicArn))...)
	}
	return msgs
}
