package main

import (
	"context"
	"net/http"
)

// selfService is what a signed-in holder does to their own account: profile, activity, changes
// of secrets, and the lost-phone lock. Each route is at most 3 round trips plus the session read
// (the lock has no session: 3).
func selfService() []scenario {
	return []scenario{
		{Name: "profile", Route: "GET /v1/account/profile", Setup: sharedAccounts, Request: authed("/v1/account/profile"),
			Want: 200, Requests: 100, Ops: []op{getItem(), getItem()}, DynamoDB: exactly(2)},
		{Name: "profile edit", Route: "PATCH /v1/account/profile", Setup: signedUp, Request: editProfileRequest,
			Want: 200, Requests: 20, Ops: []op{getItem(), getItem(), updateItem()}, DynamoDB: atMost(4)},
		{Name: "activity", Route: "GET /v1/account/activity", Setup: sharedAccounts, Request: authed("/v1/account/activity"),
			Want: 200, Requests: 100, Ops: []op{getItem(), query(1), query(1)}, DynamoDB: atMost(4)},
		{Name: "activity report", Route: "POST /v1/account/activity/{eventId}/report", Setup: withEvent, Request: reportRequest,
			Want: 200, Requests: 20, Ops: []op{getItem(), query(1), transactWrite(5)}, DynamoDB: atMost(4)},
		{Name: "login-password change", Route: "PUT /v1/account/login-password", Setup: signedUp, Request: changeLoginRequest,
			Want: 204, Requests: 20, Ops: []op{getItem(), query(1), transactWrite(3)}, Argon2: 2, DynamoDB: atMost(4)},
		{Name: "payment-password change", Route: "PUT /v1/account/payment-password", Setup: signedUp, Request: changePaymentRequest,
			Want: 204, Requests: 20, Ops: []op{getItem(), query(1), transactWrite(2)}, Argon2: 2, DynamoDB: atMost(4)},
		{Name: "lost-phone lock", Route: "POST /v1/account/lock", Setup: signedUp, Request: lockRequest,
			Want: 200, Requests: 20, Ops: []op{getItem(), query(1), transactWrite(3)}, Argon2: 2, DynamoDB: atMost(3)},
	}
}

func editProfileRequest(_ *bench, f fixture) call {
	return call{Method: "PATCH", Path: "/v1/account/profile", Header: bearer(f.Session),
		Body: map[string]string{"realName": "Bench Holder", "occupation": "tester"}}
}

func reportRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/account/activity/" + f.Event + "/report", Header: bearer(f.Session)}
}

func changeLoginRequest(_ *bench, f fixture) call {
	return call{Method: "PUT", Path: "/v1/account/login-password", Header: bearer(f.Session),
		Body: map[string]string{"currentPassword": "violet-harbor-seventy-2", "newPassword": "amber-lantern-forty-7"}}
}

func changePaymentRequest(_ *bench, f fixture) call {
	return call{Method: "PUT", Path: "/v1/account/payment-password", Header: bearer(f.Session),
		Body: map[string]string{"currentPaymentPassword": benchPIN, "newPaymentPassword": benchNewPIN}}
}

func lockRequest(_ *bench, f fixture) call {
	return call{Method: "POST", Path: "/v1/account/lock", Body: map[string]any{"phone": f.Phone, "loginPassword": "violet-harbor-seventy-2",
		"securityAnswer": map[string]string{"questionId": "first_pet", "answer": "Mochi"}}}
}

// withEvent is signedUp with the id of an event item each account has: identity_details_set,
// the newest entry once the citizenship is set (account_created, whose id is the account's, has
// no item, and reporting it checks none).
func withEvent(ctx context.Context, b *bench, n int) ([]fixture, error) {
	fs, err := signedUp(ctx, b, n)
	if err != nil {
		return nil, err
	}
	return fs, b.each(ctx, fs, func(ctx context.Context, f *fixture, c *client) error {
		var out struct {
			Entries []struct {
				EventID string `json:"eventId"`
			} `json:"entries"`
		}
		set := call{Method: "PATCH", Path: "/v1/account/profile", Header: bearer(f.Session), Body: map[string]string{"citizenship": "CN"}}
		if err := c.expect(ctx, set, http.StatusOK, "setup: citizenship", &struct{}{}); err != nil {
			return err
		}
		err := c.expect(ctx, authed("/v1/account/activity?limit=1")(b, *f), http.StatusOK, "setup: activity", &out)
		if err == nil && len(out.Entries) > 0 {
			f.Event = out.Entries[0].EventID
		}
		return err
	})
}
