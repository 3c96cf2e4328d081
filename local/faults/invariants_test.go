package faults

import (
	"maps"
	"strings"
	"testing"
)

// consistent is a table with one account as signup leaves it.
func consistent() Table {
	return Table{
		"ACCOUNT#a1|ACCOUNT":         {"PK": "ACCOUNT#a1", "SK": "ACCOUNT", "status": "active", "phone": "+8613700000001", "loginHash": "h1", "version": 1.0},
		"PHONE#+8613700000001|PHONE": {"PK": "PHONE#+8613700000001", "SK": "PHONE", "accountId": "a1"},
		"ACCOUNT#a1|DEVICE#d1":       {"PK": "ACCOUNT#a1", "SK": "DEVICE#d1", "sessionHash": []byte{0xab}},
		"SESSION#ab|SESSION":         {"PK": "SESSION#ab", "SK": "SESSION", "accountId": "a1", "deviceId": "d1"},
	}
}

func with(tb Table, edit func(Table)) Table {
	out := Table{}
	for k, v := range tb {
		out[k] = maps.Clone(v)
	}
	edit(out)
	return out
}

func TestCheckTable(t *testing.T) {
	if bad := CheckTable(consistent()); len(bad) != 0 {
		t.Fatalf("a consistent table: %v", bad)
	}
	for name, tc := range map[string]struct {
		edit func(Table)
		want string
	}{
		"claim of another number": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["phone"] = "+8613700000002" }, "not claimed by its phone"},
		"closed account keeps its claim": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["status"] = "closed"; delete(tb, "SESSION#ab|SESSION") },
			"missing, closed"},
		"account_created item": {func(tb Table) {
			tb["ACCOUNT#a1|EVENT#e1"] = Item{"PK": "ACCOUNT#a1", "SK": "EVENT#e1", "type": "account_created"}
		}, "1 account_created event items"},
		"orphan device":               {func(tb Table) { tb["ACCOUNT#a2|DEVICE#d9"] = Item{"PK": "ACCOUNT#a2", "SK": "DEVICE#d9"} }, "belongs to no account"},
		"session of a frozen account": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["status"] = "frozen" }, "outlives"},
		"session the device does not hold": {func(tb Table) { tb["ACCOUNT#a1|DEVICE#d1"]["sessionHash"] = []byte{1} },
			"not the one its device"},
	} {
		if bad := CheckTable(with(consistent(), tc.edit)); !containsText(bad, tc.want) {
			t.Errorf("%s: %v, want %q", name, bad, tc.want)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	before := with(consistent(), func(tb Table) {
		tb["OTP#c1|OTP"] = Item{"PK": "OTP#c1", "SK": "OTP", "state": "verified", "purpose": "reset_login", "accountId": "a1"}
		tb["RATE#otp-ip#192.0.2.1|H1"] = Item{"n": 1.0}
		tb["PHONE#+8613700000001|OTP"] = Item{"n#H1": 1.0, "sentAt#signup": 0.0}
	})
	reset := with(before, func(tb Table) {
		delete(tb, "OTP#c1|OTP")
		tb["ACCOUNT#a1|ACCOUNT"]["loginHash"] = "h2"
		tb["ACCOUNT#a1|ACCOUNT"]["passwordResetAt"] = 1795000000000.0
		tb["ACCOUNT#a1|EVENT#e2"] = Item{"PK": "ACCOUNT#a1", "SK": "EVENT#e2", "type": "password_reset"}
	})
	if bad := CheckRequest(NewDiff(before, reset), false); len(bad) != 0 {
		t.Fatalf("a whole reset: %v", bad)
	}
	for name, tc := range map[string]struct {
		after  Table
		failed bool
		want   string
	}{
		"a failed request that wrote": {reset, true, "a failed request wrote account"},
		"event without change": {with(before, func(tb Table) {
			tb["ACCOUNT#a1|EVENT#e2"] = Item{"type": "password_reset"}
		}), false, "without its change"},
		"change without event": {with(before, func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["loginHash"] = "h2" }), false, "change without its password_changed"},
		"reset without event": {with(before, func(tb Table) {
			tb["ACCOUNT#a1|ACCOUNT"]["loginHash"], tb["ACCOUNT#a1|ACCOUNT"]["passwordResetAt"] = "h2", 1795000000000.0
		}), false, "change without its password_reset"},
		"proof spent for nothing": {with(before, func(tb Table) { delete(tb, "OTP#c1|OTP") }), false, "spent without its effect"},
		"proof spent for a record": {with(before, func(tb Table) { tb["OTP#c1|OTP"] = Item{"state": "spent", "idemId": "k"} }), false,
			"spent without its effect"},
		"a failed request spent a proof": {with(before, func(tb Table) { tb["OTP#c1|OTP"] = Item{"state": "spent"} }), true,
			"usable or spent it"},
		"unknown event":       {with(before, func(tb Table) { tb["ACCOUNT#a1|EVENT#e3"] = Item{"type": "mystery"} }), false, "no faults.Rule"},
		"failed send charged": {with(before, func(tb Table) { tb["RATE#otp-ip#192.0.2.1|H1"]["n"] = 2.0 }), true, "charged the OTP limit"},
		"failed send charged the phone": {with(before, func(tb Table) { tb["PHONE#+8613700000001|OTP"]["n#H1"] = 2.0 }), true,
			"charged the OTP limit n#H1"},
		"failed send left a code": {with(before, func(tb Table) {
			tb["OTP#c2|OTP"] = Item{"state": "pending", "codeHash": []byte{1}, "superseded": false}
		}), true, "usable"},
	} {
		if bad := CheckRequest(NewDiff(before, tc.after), tc.failed); !containsText(bad, tc.want) {
			t.Errorf("%s: %v, want %q", name, bad, tc.want)
		}
	}
	// A failed send whose challenge was retracted and whose charges were given back is fine.
	retracted := with(before, func(tb Table) {
		tb["OTP#c2|OTP"] = Item{"state": "pending", "superseded": true}
		tb["PHONE#+8613700000001|OTP"] = Item{"n#H1": 1.0, "sentAt#signup": 0.0}
	})
	if bad := CheckRequest(NewDiff(before, retracted), true); len(bad) != 0 {
		t.Errorf("a retracted send: %v", bad)
	}
}

// TestProtectionRules: protection_weakened goes with a weakening of the stored alert settings
// (alert.Weakenings) and not with a strengthening; bank_card_unlinked with a card's removal.
func TestProtectionRules(t *testing.T) {
	night := func(on bool, start string) map[string]any {
		return map[string]any{"night": on, "nightStart": start, "nightEnd": "07:00", "timeZone": "Asia/Shanghai"}
	}
	before := with(consistent(), func(tb Table) {
		tb["ACCOUNT#a1|ACCOUNT"]["alerts"] = night(true, "23:00")
		tb["ACCOUNT#a1|CARD#c1"] = Item{"PK": "ACCOUNT#a1", "SK": "CARD#c1", "last4": "1111"}
	})
	weakened := func(tb Table) { tb["ACCOUNT#a1|EVENT#e2"] = Item{"type": "protection_weakened"} }
	unlinked := func(tb Table) { tb["ACCOUNT#a1|EVENT#e2"] = Item{"type": "bank_card_unlinked"} }
	for name, tc := range map[string]struct {
		edit func(Table)
		want string // "" for a consistent request
	}{
		"turned off, with its event": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["alerts"] = night(false, "23:00"); weakened(tb) }, ""},
		"narrowed, without its event": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["alerts"] = night(true, "23:30") },
			"change without its protection_weakened"},
		"widened, with an event": {func(tb Table) { tb["ACCOUNT#a1|ACCOUNT"]["alerts"] = night(true, "22:00"); weakened(tb) },
			"protection_weakened written without its change"},
		"defaults restored, with its event": {func(tb Table) { delete(tb["ACCOUNT#a1|ACCOUNT"], "alerts"); weakened(tb) }, ""},
		"card unlinked, with its event":     {func(tb Table) { delete(tb, "ACCOUNT#a1|CARD#c1"); unlinked(tb) }, ""},
		"card unlinked, without":            {func(tb Table) { delete(tb, "ACCOUNT#a1|CARD#c1") }, "change without its bank_card_unlinked"},
		"card event, the card kept":         {unlinked, "bank_card_unlinked written without its change"},
	} {
		bad := CheckRequest(NewDiff(before, with(before, tc.edit)), false)
		if tc.want == "" && len(bad) != 0 || tc.want != "" && !containsText(bad, tc.want) {
			t.Errorf("%s: %v, want %q", name, bad, tc.want)
		}
	}
}

func TestCardNumbers(t *testing.T) {
	for text, want := range map[string]int{
		"card 4111111111111111 here": 1, "4111 1111 1111 1111": 1, "4111-1111-1111-1112": 0,
		"SESSION#ab4111111111111111cd": 0, "ts 1795295071123": 0, "01J4111111111111111X": 0, "PHONE#+8613917364269": 0,
		"RequestId: 45399756-4534-4172-8276-1a5790246813\t": 0, `"request_id":"0f3c9a1b-4e2d-4b7a-8288-135790246813"`: 0,
		`{"msg":"metric","_aws":{"Timestamp":1796444572939,"CloudWatchMetrics":[]}}`: 0, `{"msg":"x","Timestamp":1796444572939}`: 1,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"card":"4111111111111111"}`: 1,
	} {
		if got := len(CardNumbers(text)); got != want {
			t.Errorf("CardNumbers(%q) = %d, want %d", text, got, want)
		}
	}
	tb := Table{"A|1": {"n": 1795295071123.0, "last4": "1111"}, "A|2": {"nested": map[string]any{"x": "4111111111111111"}},
		"A|3": {"n": 4111111111111111.0}}
	if bad := CheckNoCardNumbers(tb); len(bad) != 2 || !strings.Contains(bad[0], "A|2") {
		t.Errorf("CheckNoCardNumbers = %v", bad)
	}
}

func containsText(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
