package support

import (
	"slices"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/shared/account"
)

func TestCheckCase(t *testing.T) {
	for _, c := range []struct {
		in   Case
		code account.Code
	}{
		{Case{Reason: "holder called", CaseID: "CS-2026/0042#a"}, ""},
		{Case{Reason: "  ", CaseID: "CS-1"}, account.CodeMissingField},
		{Case{Reason: "r"}, account.CodeMissingField},
		{Case{Reason: "line\nbreak", CaseID: "CS-1"}, account.CodeInvalidField},
		{Case{Reason: strings.Repeat("字", MaxReason+1), CaseID: "CS-1"}, account.CodeInvalidField},
		{Case{Reason: strings.Repeat("字", MaxReason), CaseID: "CS-1"}, ""},
		{Case{Reason: "r", CaseID: "CS 1"}, account.CodeInvalidField},
		{Case{Reason: "r", CaseID: "案件1"}, account.CodeInvalidField},
		{Case{Reason: "r", CaseID: strings.Repeat("a", MaxCaseID+1)}, account.CodeInvalidField},
	} {
		err := CheckCase(c.in)
		if (c.code == "" && err != nil) || (c.code != "" && !account.Is(err, c.code)) {
			t.Errorf("%+.40v: %v, want %q", c.in, err, c.code)
		}
	}
}

func TestFlagChange(t *testing.T) {
	got, err := FlagChange{Set: []string{"debt", "dispute"}, Clear: []string{"balance"}}.apply([]string{"balance", "ledger_hold"})
	if err != nil || !slices.Equal(got, []string{"debt", "dispute", "ledger_hold"}) {
		t.Fatalf("apply: %v %v (another system's block must stay)", got, err)
	}
	for _, bad := range []FlagChange{{}, {Set: []string{"vip"}}, {Set: []string{"debt"}, Clear: []string{"debt"}}} {
		if _, err := bad.apply(nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestStatusCheck(t *testing.T) {
	for _, c := range []struct {
		action string
		st     account.Status
		code   account.Code
	}{
		{ActionFreeze, account.StatusActive, ""}, {ActionFreeze, account.StatusFrozen, account.CodeAlreadyFrozen},
		{ActionUnfreeze, account.StatusActive, account.CodeNotFrozen}, {ActionUnfreeze, account.StatusFrozen, ""},
		{ActionClose, account.StatusFrozen, ""}, {ActionSignOut, account.StatusClosed, account.CodeAccountClosed},
	} {
		if err := statusCheck(c.action, c.st); (c.code == "") != (err == nil) || (err != nil && !account.Is(err, c.code)) {
			t.Errorf("%s on %s: %v, want %q", c.action, c.st, err, c.code)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	if got := MaskEmail("lin.mei@example.com"); got != "l***@example.com" {
		t.Fatal(got)
	}
	if MaskEmail("") != "" || MaskEmail("nope") != "" {
		t.Fatal("a non-address must mask to nothing")
	}
}
