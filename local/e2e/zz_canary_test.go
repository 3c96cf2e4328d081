package e2e

// This file's name puts its tests last: Go runs a package's tests file by file in name order,
// and TestZZZNothingLeaks must scan after every other test has remembered its secrets.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wallet-accounts/wallet/local/faults"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/passkey/passkeytest"
	"github.com/wallet-accounts/wallet/shared/secret"
	tokens "github.com/wallet-accounts/wallet/shared/token"
)

// canary holds the values TestZZCanaryEveryFlow plants, by where they may appear.
var canary struct {
	mu     sync.Mutex
	never  []string          // in no item, no log line, no SMS
	codes  map[string]string // a code -> the number its SMS went to: in that SMS only
	phones []string          // full numbers: in no log line
	mail   map[string]string // an email code -> the address its email went to: in that email only
	emails []string          // full email addresses: in no log line
	// internal holds the internal API's answers about the canary's accounts: they may hold no
	// remembered secret, no full number and no hash or token the table stores.
	internal []string
}

// canaryEmailCode asks for a code to bind addr from the session and reads it from its email;
// the code may appear in that email only, and the address in no log line.
func canaryEmailCode(t *testing.T, c *client, session, addr string) (string, string) {
	t.Helper()
	id, code := emailCode(t, c, session, addr)
	canary.mu.Lock()
	if canary.mail == nil {
		canary.mail = map[string]string{}
	}
	canary.mail[code] = strings.ToLower(addr)
	canary.emails = append(canary.emails, strings.ToLower(addr))
	canary.mu.Unlock()
	return id, code
}

func plant(vs ...string) {
	canary.mu.Lock()
	defer canary.mu.Unlock()
	canary.never = append(canary.never, vs...)
	remember(vs...)
}

// planted is a unique value: prefix and n random letters (no digits, which the password policy
// might find in the phone number).
func planted(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return prefix + string(b)
}

// plantedDigits is a unique run of n random digits that passes check.
func plantedDigits(n int, check func(string) bool) string {
	for {
		v, _ := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil))
		if s := fmt.Sprintf("%0*d", n, v); check(s) {
			return s
		}
	}
}

// plantedCard is a unique Luhn-valid 16-digit card number.
func plantedCard() string {
	return plantedDigits(16, func(s string) bool { _, err := secret.CheckCardNumber("4" + s[1:]); return err == nil && s[0] == '4' })
}

// canaryToken asks for a code for phone and purpose, reads it from its SMS and verifies it; the
// code and the token are planted (the code may appear in its own SMS only).
func canaryToken(t *testing.T, c *client, phone, purpose string, body map[string]string, header ...string) string {
	t.Helper()
	code, token := codeAndToken(t, c, phone, purpose, body, header...)
	canary.mu.Lock()
	if canary.codes == nil {
		canary.codes = map[string]string{}
	}
	canary.codes[code] = phone
	canary.mu.Unlock()
	remember(code)
	plant(token)
	return token
}

// canaryAccount is an account signed up with planted secrets.
type canaryAccount struct {
	phone, login, pay, idNumber, session string
	answers                              map[string]string
	device                               map[string]string // the signup device with its current secret
}

// canarySignUp signs up a fresh number with a planted login and payment password, answers and,
// with id, a planted ID number and a profile.
func canarySignUp(t *testing.T, c *client, id bool) canaryAccount {
	t.Helper()
	phone, _ := newPhone()
	canary.mu.Lock()
	canary.phones = append(canary.phones, phone)
	canary.mu.Unlock()
	a := canaryAccount{phone: phone, login: planted("plant-login-", 16),
		pay: plantedDigits(6, func(s string) bool { return secret.CheckPaymentPassword(s, secret.Personal{Phone: phone}, "") == nil }),
		answers: map[string]string{"first_school": planted("canary school ", 10), "first_pet": planted("canary pet ", 10),
			"childhood_street": planted("canary street ", 10)}}
	plant(a.login, a.pay, a.answers["first_school"], a.answers["first_pet"], a.answers["childhood_street"])
	req := map[string]any{"verificationToken": canaryToken(t, c, phone, "signup", nil), "loginPassword": a.login,
		"paymentPassword": a.pay, "agreementVersion": "2026-11", "device": signupDevice(),
		"securityAnswers": []map[string]string{{"questionId": "first_school", "answer": a.answers["first_school"]},
			{"questionId": "first_pet", "answer": a.answers["first_pet"]}, {"questionId": "childhood_street", "answer": a.answers["childhood_street"]}}}
	if id {
		a.idNumber = plantedDigits(18, func(string) bool { return true })
		plant(a.idNumber)
		req["profile"] = map[string]any{"realName": "Lin Mei", "email": planted("canary.", 12) + "@example.com",
			"idType": "national_id", "idNumber": a.idNumber}
	}
	res := c.do("POST", "/v1/accounts", req)
	a.session, _ = res.Body["sessionToken"].(string)
	a.device = signupDevice()
	a.device["secret"], _ = res.Body["deviceSecret"].(string)
	if res.Status != 201 || a.session == "" || a.device["secret"] == "" {
		t.Fatalf("signup: %d %s", res.Status, res.raw)
	}
	plant(a.session, a.device["secret"])
	return a
}

func (a canaryAccount) twoAnswers() []map[string]string {
	return []map[string]string{{"questionId": "first_pet", "answer": a.answers["first_pet"]},
		{"questionId": "first_school", "answer": a.answers["first_school"]}}
}

// expect fails the test unless res has status.
func expect(t *testing.T, what string, res response, status int) response {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: %d %s, want %d", what, res.Status, res.raw, status)
	}
	return res
}

// TestZZCanaryEveryFlow runs every flow over HTTP with planted, unique values for every secret
// — login and payment passwords, answers, ID and card numbers, codes, verification, session and
// freeze tokens, a passkey ceremony's challenge and key material — for TestZZZNothingLeaks to
// look for.
func TestZZCanaryEveryFlow(t *testing.T) {
	c := newClient(t)
	a := canarySignUp(t, c, true)

	// Sign-in on a new device through step-up, the signed-in reads, a card, the payment password.
	res := expect(t, "step-up sign-in", c.do("POST", "/v1/sessions", map[string]any{"phone": a.phone, "password": a.login, "device": otherDevice(),
		"verificationToken": canaryToken(t, c, a.phone, "login_step_up", nil)}), 201)
	plant(res.Body["sessionToken"].(string), res.Body["deviceSecret"].(string))
	expect(t, "account", c.do("GET", "/v1/account", nil, bearer(a.session)...), 200)
	expect(t, "devices", c.do("GET", "/v1/devices", nil, bearer(a.session)...), 200)
	card := plantedCard()
	plant(card)
	expect(t, "link card", c.do("POST", "/v1/bank-cards", map[string]string{"cardNumber": card, "paymentPassword": a.pay}, bearer(a.session)...), 201)
	expect(t, "cards", c.do("GET", "/v1/bank-cards", nil, bearer(a.session)...), 200)
	expect(t, "payment verify", c.do("POST", "/v1/payment-password/verify", map[string]string{"paymentPassword": a.pay}, bearer(a.session)...), 204)

	// A passkey: its ceremony's challenge, the authenticator's answer and the public key it
	// carries are in no log line, item or SMS (the item keeps the key's raw bytes only).
	auth := passkeytest.New("localhost", localOrigin(t), virtualwebauthn.AuthenticatorOptions{})
	res = expect(t, "passkey options", c.do("POST", "/v1/passkeys/registrations", nil, bearer(a.session)...), 201)
	plant(passkeytest.Challenge(t, res.Body["publicKey"]), base64.StdEncoding.EncodeToString(auth.PublicKey()),
		base64.RawURLEncoding.EncodeToString(auth.PublicKey()))
	var answer struct {
		Response struct{ ClientDataJSON, AttestationObject string }
	}
	credential := auth.Register(t, res.Body["publicKey"])
	_ = json.Unmarshal(credential, &answer)
	plant(answer.Response.ClientDataJSON, answer.Response.AttestationObject)
	res = expect(t, "passkey", c.do("POST", "/v1/passkeys/registrations/"+res.Body["registrationId"].(string),
		map[string]any{"name": "Canary key", "credential": json.RawMessage(credential)}, bearer(a.session)...), 201)
	expect(t, "passkeys", c.do("GET", "/v1/passkeys", nil, bearer(a.session)...), 200)
	expect(t, "rename passkey", c.do("PATCH", "/v1/passkeys/"+res.Body["passkeyId"].(string), map[string]string{"name": "Canary"}, bearer(a.session)...), 204)

	// Payments: password-free settings, a payment confirmed with the passkey (its bound
	// challenge and the assertion are secrets too) and captured, one confirmed with the payment
	// password and voided.
	expect(t, "password-free on", c.do("PUT", "/v1/payment-settings", map[string]any{"passwordFree": true, "currency": "CNY",
		"perPayment": "50", "daily": "100", "paymentPassword": a.pay}, bearer(a.session)...), 200)
	expect(t, "payment settings", c.do("GET", "/v1/payment-settings", nil, bearer(a.session)...), 200)
	p := newPayer(t)
	accountID := accountIDOf(t, a.phone)
	pay := func(amount string) string { return str(p.reserved(accountID, amount, "CNY").Body["authorizationId"]) }
	shown := func(amount string) map[string]string {
		return map[string]string{"amount": amount, "currency": "CNY", "payeeId": "shop-7"}
	}
	authz := p.reserved(accountID, "120.00", "CNY")
	plant(passkeytest.Challenge(t, authz.Body["passkeyOptions"]))
	assertion := auth.Assert(t, authz.Body["passkeyOptions"])
	var signed struct {
		Response struct{ ClientDataJSON, AuthenticatorData, Signature string }
	}
	_ = json.Unmarshal(assertion, &signed)
	plant(signed.Response.ClientDataJSON, signed.Response.Signature)
	expect(t, "confirm with a passkey", c.do("POST", "/v1/payment-authorizations/"+str(authz.Body["authorizationId"])+"/confirm",
		map[string]any{"payment": shown("120.00"), "passkey": json.RawMessage(assertion)}, bearer(a.session)...), 200)
	expect(t, "capture", p.ag.do("POST", "/internal/v1/payment-authorizations/"+str(authz.Body["authorizationId"])+"/capture", nil), 200)
	second := pay("130.00")
	expect(t, "confirm with the payment password", c.do("POST", "/v1/payment-authorizations/"+second+"/confirm",
		map[string]any{"payment": shown("130.00"), "paymentPassword": a.pay}, bearer(a.session)...), 200)
	expect(t, "void", p.ag.do("POST", "/internal/v1/payment-authorizations/"+second+"/void", nil), 200)

	// Every reset.
	pay2 := plantedDigits(6, func(s string) bool { return secret.CheckPaymentPassword(s, secret.Personal{Phone: a.phone}, "") == nil })
	plant(pay2)
	expect(t, "payment reset", c.do("POST", "/v1/password-resets/payment", map[string]string{"verificationToken": canaryToken(t, c, a.phone, "reset_payment", nil),
		"idNumber": a.idNumber, "newPaymentPassword": pay2}, bearer(a.session)...), 204)
	login2, login3 := planted("plant-login-", 16), planted("plant-login-", 16)
	plant(login2, login3)
	expect(t, "login reset", c.do("POST", "/v1/password-resets/login", map[string]any{"verificationToken": canaryToken(t, c, a.phone, "reset_login", nil),
		"newPassword": login2, "device": a.device}), 204)
	expect(t, "reset without SMS", c.do("POST", "/v1/password-resets/login/alternative", map[string]any{"phone": a.phone, "idNumber": a.idNumber,
		"securityAnswers": a.twoAnswers(), "bankCardNumber": card, "newPassword": login3}), 204)
	res = expect(t, "sign-in", c.do("POST", "/v1/sessions", map[string]any{"phone": a.phone, "password": login3, "device": a.device}), 201)
	session := res.Body["sessionToken"].(string)
	plant(session, res.Body["deviceSecret"].(string))
	login4 := planted("plant-login-", 16)
	plant(login4)
	expect(t, "change the login password", c.do("PUT", "/v1/account/login-password", map[string]string{"currentPassword": login3,
		"newPassword": login4}, bearer(session)...), 204)
	pay3 := plantedDigits(6, func(s string) bool {
		return s != pay2 && secret.CheckPaymentPassword(s, secret.Personal{Phone: a.phone}, "") == nil
	})
	plant(pay3)
	expect(t, "change the payment password", c.do("PUT", "/v1/account/payment-password", map[string]string{"currentPaymentPassword": pay2,
		"newPaymentPassword": pay3}, bearer(session)...), 204)
	newAnswers := []map[string]string{{"questionId": "first_school", "answer": planted("canary school ", 10)},
		{"questionId": "first_pet", "answer": planted("canary pet ", 10)}, {"questionId": "childhood_street", "answer": planted("canary street ", 10)}}
	for _, ans := range newAnswers {
		plant(ans["answer"])
	}
	expect(t, "change the security answers", c.do("PUT", "/v1/account/security-answers", map[string]any{"paymentPassword": pay3,
		"securityAnswers": newAnswers}, bearer(session)...), 204)
	res = expect(t, "cards", c.do("GET", "/v1/bank-cards", nil, bearer(session)...), 200)
	cardID := res.Body["cards"].([]any)[0].(map[string]any)["cardId"].(string)
	expect(t, "unlink card", c.do("DELETE", "/v1/bank-cards/"+cardID, nil, bearer(session)...), 204)
	expect(t, "remove device", c.do("DELETE", "/v1/devices/"+otherDevice()["id"], nil, bearer(session)...), 204)
	settings := map[string]any{"largeTransaction": map[string]string{"amount": "5000.00", "currency": "CNY"},
		"nighttime": map[string]any{"enabled": false, "start": "23:00", "end": "07:00", "timezone": "Asia/Shanghai"}}
	expect(t, "save alert settings", c.do("PUT", "/v1/alert-settings", settings, bearer(session)...), 200)
	expect(t, "alert settings", c.do("GET", "/v1/alert-settings", nil, bearer(session)...), 200)

	// A phone change with the old number, then sign-out.
	res = expect(t, "change start", c.do("POST", "/v1/phone-changes", map[string]any{"loginPassword": login4,
		"oldPhoneVerificationToken": canaryToken(t, c, a.phone, "phone_change_old", nil)}, bearer(session)...), 201)
	id := res.Body["changeId"].(string)
	newNumber, _ := newPhone()
	canary.mu.Lock()
	canary.phones = append(canary.phones, newNumber)
	canary.mu.Unlock()
	token := canaryToken(t, c, newNumber, "phone_change_new", map[string]string{"changeId": id}, bearer(session)...)
	expect(t, "change confirm", c.do("POST", "/v1/phone-changes/"+id+"/confirm", map[string]string{"verificationToken": token}, bearer(session)...), 200)
	expect(t, "sign-out", c.do("DELETE", "/v1/sessions/current", nil, bearer(session)...), 204)

	// The identity path, cancelled from the old number; freezing with a freeze code.
	b := canarySignUp(t, c, true)
	res = expect(t, "identity start", c.do("POST", "/v1/phone-changes", map[string]any{"loginPassword": b.login,
		"identity": map[string]any{"idNumber": b.idNumber, "securityAnswers": b.twoAnswers(), "paymentPassword": b.pay}}, bearer(b.session)...), 201)
	id = res.Body["changeId"].(string)
	other, _ := newPhone()
	token = canaryToken(t, c, other, "phone_change_new", map[string]string{"changeId": id}, bearer(b.session)...)
	expect(t, "identity confirm", c.do("POST", "/v1/phone-changes/"+id+"/confirm", map[string]string{"verificationToken": token}, bearer(b.session)...), 200)
	expect(t, "cancel", newClient(t).do("POST", "/v1/phone-changes/"+id+"/cancel",
		map[string]string{"oldPhoneVerificationToken": canaryToken(t, c, b.phone, "phone_change_old", nil)}), 204)
	expect(t, "freeze by code", newClient(t).do("POST", "/v1/account/freeze",
		map[string]string{"verificationToken": canaryToken(t, c, b.phone, "freeze", nil)}), 200)

	// Freezing with an alert's freeze token (stored as AlertFunction stores one), and from a session.
	d := canarySignUp(t, c, false)
	freezeToken, hash, err := tokens.NewFreeze(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plant(freezeToken)
	st := stacktest.Config(t)
	res = expect(t, "account of d", c.do("GET", "/v1/account", nil, bearer(d.session)...), 200)
	if err := dynamo.New(stacktest.StackDynamo(t), st.Table).PutFreezeToken(context.Background(), res.Body["accountId"].(string), hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expect(t, "freeze by token", newClient(t).do("POST", "/v1/account/freeze", map[string]string{"freezeToken": freezeToken}), 200)
	// The freeze link's page, whose URL carries the token.
	g := canarySignUp(t, c, false)
	linkToken, hash, err := tokens.NewFreeze(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plant(linkToken)
	res = expect(t, "account of g", c.do("GET", "/v1/account", nil, bearer(g.session)...), 200)
	if err := dynamo.New(stacktest.StackDynamo(t), st.Table).PutFreezeToken(context.Background(), res.Body["accountId"].(string), hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	browser := newClient(t)
	expect(t, "the freeze link's page", browser.browse("GET", "/f/"+linkToken, ""), 200)
	expect(t, "its button", browser.browse("POST", "/f/"+linkToken, "freeze=yes"), 200)
	e := canarySignUp(t, c, false)
	expect(t, "freeze by session", c.do("POST", "/v1/account/freeze", nil, bearer(e.session)...), 200)

	// The profile's ID document set after signup, the activity list and a report from it.
	h := canarySignUp(t, c, false)
	laterID := plantedDigits(18, func(string) bool { return true })
	plant(laterID)
	expect(t, "set the ID document", c.do("PATCH", "/v1/account/profile", map[string]string{"realName": "Lin Mei", "citizenship": "CN",
		"idType": "national_id", "idNumber": laterID}, bearer(h.session)...), 200)
	expect(t, "profile", c.do("GET", "/v1/account/profile", nil, bearer(h.session)...), 200)
	res = expect(t, "activity", c.do("GET", "/v1/account/activity", nil, bearer(h.session)...), 200)
	entry := res.Body["entries"].([]any)[0].(map[string]any)["eventId"].(string)
	expect(t, "request deletion", c.do("POST", "/v1/account/deletion", map[string]string{"paymentPassword": h.pay}, bearer(h.session)...), 202)
	expect(t, "cancel deletion", c.do("DELETE", "/v1/account/deletion", nil, bearer(h.session)...), 204)
	expect(t, "report", c.do("POST", "/v1/account/activity/"+entry+"/report", nil, bearer(h.session)...), 200)

	// Customer service looks every one of them up, and acts on one; the answers join the scan.
	agent := newAgent(t)
	keep := func(res response) {
		canary.mu.Lock()
		canary.internal = append(canary.internal, string(res.raw))
		canary.mu.Unlock()
	}
	for _, phone := range []string{newNumber, b.phone, d.phone, e.phone, g.phone, h.phone} {
		res := expect(t, "find", agent.do("GET", "/internal/v1/accounts?phone=%2B"+strings.TrimPrefix(phone, "+"), nil), 200)
		keep(res)
		id := accountIDOf(t, phone)
		keep(expect(t, "look up", agent.do("GET", "/internal/v1/accounts/"+id, nil), 200))
	}
	gID := accountIDOf(t, g.phone)
	for _, step := range []string{"unfreeze", "sign-out", "flags", "freeze", "audit"} {
		switch step {
		case "audit":
			keep(expect(t, step, agent.do("GET", "/internal/v1/accounts/"+gID+"/audit", nil), 200))
		case "flags":
			keep(expect(t, step, agent.do("POST", "/internal/v1/accounts/"+gID+"/flags", merge(supportCase("canary"),
				map[string]any{"set": []string{"investigation"}})), 200))
		default:
			keep(expect(t, step, agent.do("POST", "/internal/v1/accounts/"+gID+"/"+step, supportCase("canary")), 200))
		}
	}
	canaryEmailFlows(t, c)
}

// storedHashes are the hashes and token digests the table holds, in the forms an answer could
// carry them: every string or binary value of an attribute named like a hash, and the digests in
// the keys of sessions, freeze tokens, passkey indexes and ceremony markers.
func storedHashes(table faults.Table) []string {
	var out []string
	var walk func(name string, v any)
	walk = func(name string, v any) {
		hashy := strings.Contains(strings.ToLower(name), "hash") || name == "h"
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(name, e)
			}
		case []byte:
			if hashy && len(x) >= 8 {
				out = append(out, base64.StdEncoding.EncodeToString(x), base64.RawURLEncoding.EncodeToString(x), fmt.Sprintf("%x", x))
			}
		case string:
			if hashy && len(x) >= 16 {
				out = append(out, x)
			}
		}
	}
	for _, k := range table.Keys() {
		walk("", map[string]any(table[k]))
		pk, _, _ := strings.Cut(k, "|")
		for _, p := range []string{"SESSION#", "FREEZE#", "PASSKEY#", "CEREMONY#"} {
			if d, ok := strings.CutPrefix(pk, p); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// canaryEmailFlows binds, changes and removes an email, signs in and locks by email, with
// planted addresses and codes.
func canaryEmailFlows(t *testing.T, c *client) {
	t.Helper()
	h := canarySignUp(t, c, false)
	first, second, third := planted("canary.first.", 12)+"@example.com", planted("canary.second.", 12)+"@example.com",
		planted("canary.third.", 12)+"@example.com"
	for _, addr := range []string{first, second} {
		id, code := canaryEmailCode(t, c, h.session, addr)
		expect(t, "verify email", c.do("POST", "/v1/account/email/verify", map[string]string{"challengeId": id, "code": code}, bearer(h.session)...), 200)
	}
	res := expect(t, "sign-in by email", c.do("POST", "/v1/sessions", map[string]any{"email": second, "password": h.login, "device": h.device}), 201)
	session := res.Body["sessionToken"].(string)
	h.device["secret"] = res.Body["deviceSecret"].(string)
	plant(session, h.device["secret"])
	expect(t, "remove email", c.do("DELETE", "/v1/account/email", nil, bearer(session)...), 204)
	id, code := canaryEmailCode(t, c, session, third)
	expect(t, "verify email again", c.do("POST", "/v1/account/email/verify", map[string]string{"challengeId": id, "code": code}, bearer(session)...), 200)
	expect(t, "lock by email", newClient(t).do("POST", "/v1/account/lock", map[string]any{"email": third, "loginPassword": h.login,
		"securityAnswer": map[string]string{"questionId": "first_pet", "answer": h.answers["first_pet"]}}), 200)
}

// TestZZZNothingLeaks scans, after every other test of the package, the whole stack table, every
// line the functions logged and every SMS and email the stack sent for every secret the tests
// remembered and TestZZCanaryEveryFlow planted: none may be in an item or a log line; none but a
// code may be in an SMS or an email, and a code only in the message to its own number or
// address (an email code in no SMS, an SMS code in no email); no log line holds a full address. No item and no log line may hold a
// Luhn-valid 13-19 digit number, and no log line a full phone number the tests used.
func TestZZZNothingLeaks(t *testing.T) {
	st := stacktest.Config(t)
	secrets.mu.Lock()
	values := append([]string(nil), secrets.values...)
	secrets.mu.Unlock()
	canary.mu.Lock()
	never, codes, phones := append([]string(nil), canary.never...), canary.codes, canary.phones
	canary.mu.Unlock()
	if len(never) == 0 || len(codes) == 0 {
		t.Fatal("nothing was planted; run the whole package")
	}
	table := faults.Snapshot(t, stacktest.StackDynamo(t), st.Table)
	for _, k := range table.Keys() {
		text := faults.Text(table[k])
		for i, v := range values {
			if stacktest.ContainsSecret(text, v) {
				t.Errorf("item %s stores remembered secret #%d", k, i)
			}
		}
	}
	for _, v := range faults.CheckNoCardNumbers(table) {
		t.Error(v)
	}
	logs := stacktest.FunctionLogs(t)
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("no function log captured (%d bytes)", len(logs))
	}
	for i, v := range values {
		if stacktest.ContainsSecret(logs, v) {
			t.Errorf("remembered secret #%d appears in the function logs", i)
		}
	}
	if n := len(faults.CardNumbers(logs)); n > 0 {
		t.Errorf("%d Luhn-valid 13-19 digit numbers in the function logs", n)
	}
	for _, p := range phones {
		if strings.Contains(logs, p) {
			t.Errorf("a full phone number (****%s) appears in the function logs", p[len(p)-4:])
		}
	}
	if regexp.MustCompile(`\+86139\d{8}`).MatchString(logs) {
		t.Errorf("a full phone number of the e2e tests appears in the function logs")
	}
	sms := stacktest.SentSMS(t)
	for _, m := range sms {
		for i, v := range never {
			if stacktest.ContainsSecret(m.Text, v) {
				t.Errorf("planted secret #%d appears in an SMS", i)
			}
		}
		for code, to := range codes {
			if to != m.To && stacktest.ContainsSecret(m.Text, code) {
				t.Errorf("a code appears in an SMS to another number")
			}
		}
	}
	canary.mu.Lock()
	mailCodes, emails := canary.mail, canary.emails
	canary.mu.Unlock()
	if len(mailCodes) == 0 {
		t.Fatal("no email code was planted; run the whole package")
	}
	for _, m := range sms {
		for code := range mailCodes {
			if stacktest.ContainsSecret(m.Text, code) {
				t.Errorf("an email code appears in an SMS")
			}
		}
	}
	for _, addr := range emails {
		if strings.Contains(strings.ToLower(logs), addr) {
			t.Errorf("a full email address (%s) appears in the function logs", addr[:1]+"***")
		}
	}
	mails := stacktest.SentEmail(t)
	for _, m := range mails {
		text := m.Subject + "\n" + m.Body
		for i, v := range never {
			if stacktest.ContainsSecret(text, v) {
				t.Errorf("planted secret #%d (%d characters, digits only: %v) appears in an email %q", i, len(v), strings.Trim(v, "0123456789") == "", m.Subject)
			}
		}
		for code, to := range codes {
			if stacktest.ContainsSecret(text, code) {
				t.Errorf("an SMS code (to ****%s) appears in an email", to[len(to)-4:])
			}
		}
		for code, to := range mailCodes {
			if !strings.EqualFold(to, m.To) && stacktest.ContainsSecret(text, code) {
				t.Errorf("an email code appears in an email to another address")
			}
		}
	}
	canary.mu.Lock()
	internal := append([]string(nil), canary.internal...)
	canary.mu.Unlock()
	if len(internal) == 0 {
		t.Fatal("the canary asked the internal API nothing; run the whole package")
	}
	hashes := storedHashes(table)
	for _, answer := range internal {
		for i, v := range values {
			if stacktest.ContainsSecret(answer, v) {
				t.Errorf("remembered secret #%d appears in an internal API answer", i)
			}
		}
		for _, h := range hashes {
			if strings.Contains(answer, h) {
				t.Errorf("a stored hash or token digest appears in an internal API answer")
			}
		}
		for _, p := range phones {
			if strings.Contains(answer, p) {
				t.Errorf("a full phone number (****%s) appears in an internal API answer", p[len(p)-4:])
			}
		}
	}
	t.Logf("scanned %d items, %d log bytes, %d SMS, %d emails and %d internal API answers (against %d stored hashes) for %d remembered and %d planted values",
		len(table), len(logs), len(sms), len(mails), len(internal), len(hashes), len(values), len(never))
}

// secretName matches the name of anything that must never travel in a URL.
var secretName = regexp.MustCompile(`(?i)token|password|passcode|secret|answer|code|pin|idnumber|cardnumber|session|phone`)

// smsLink is the one path allowed a secret in it, and only this parameter: an alert SMS can carry
// nothing but a URL, so its freeze link is FREEZE_LINK_BASE followed by the freeze token. The
// token works once and can only freeze; GET reads nothing, and the pages are never stored and
// never name their URL to another site (TestLandingPageHeaders). No other route may follow it.
const smsLink, smsLinkToken = "/f/{freezeToken}", "freezeToken"

// secretInURL reports whether the parameter param of path names a secret.
func secretInURL(path, param string) bool {
	return secretName.MatchString(param) && (path != smsLink || param != smsLinkToken)
}

// TestNoSecretInAnyURL: no route takes a secret in its path or query, but the freeze link
// (smsLink). Every other path and query parameter openapi.yaml and template.yaml declare is an
// opaque id (deviceId, cardId, changeId), and the only security scheme is an Authorization
// bearer header.
func TestNoSecretInAnyURL(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range append(item.Parameters, op.Parameters...) {
				if v := p.Value; v != nil && (v.In == "path" || v.In == "query") && secretInURL(path, v.Name) {
					t.Errorf("%s %s takes %q in its %s", method, path, v.Name, v.In)
				}
			}
		}
	}
	for name, s := range doc.Components.SecuritySchemes {
		if v := s.Value; v == nil || v.Type != "http" || v.Scheme != "bearer" {
			t.Errorf("security scheme %s is not an Authorization bearer header", name)
		}
	}
	params := regexp.MustCompile(`\{([^}]+)\}`)
	for _, route := range append(templateRoutes(t, false), templateRoutes(t, true)...) {
		_, path, _ := strings.Cut(route, " ")
		for _, m := range params.FindAllStringSubmatch(route, -1) {
			if secretInURL(path, m[1]) {
				t.Errorf("template route %s takes {%s} in its path", route, m[1])
			}
		}
	}
}
