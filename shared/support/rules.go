package support

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Limits of a case.
const (
	MaxReason = 500 // characters (code points)
	MaxCaseID = 64
)

// CheckCase refuses a case without a reason or a case id (missing_field), or with one too long,
// with a control character, or a case id of other than letters, digits and - _ . : / #
// (invalid_field).
func CheckCase(c Case) error {
	if err := account.Required("reason", strings.TrimSpace(c.Reason), "caseId", c.CaseID); err != nil {
		return err
	}
	switch {
	case utf8.RuneCountInString(c.Reason) > MaxReason:
		return account.FieldError(account.CodeInvalidField, "reason", "reason is at most 500 characters")
	case strings.ContainsFunc(c.Reason, unicode.IsControl):
		return account.FieldError(account.CodeInvalidField, "reason", "reason has a control character")
	case len(c.CaseID) > MaxCaseID || strings.ContainsFunc(c.CaseID, notCaseChar):
		return account.FieldError(account.CodeInvalidField, "caseId", "caseId is at most 64 letters, digits and - _ . : / #")
	}
	return nil
}

func notCaseChar(r rune) bool {
	return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.:/#", r)))
}

// FlagChange is a request to set and clear flags.
type FlagChange struct {
	Set, Clear []string
}

// apply returns the flags after fc, sorted: those not in account.Flags that other systems set
// are kept. A flag not in account.Flags, or one both set and cleared, is refused.
func (fc FlagChange) apply(flags []string) ([]string, error) {
	if len(fc.Set) == 0 && len(fc.Clear) == 0 {
		return nil, account.FieldError(account.CodeMissingField, "set", "name a flag to set or to clear")
	}
	for _, f := range append(slices.Clone(fc.Set), fc.Clear...) {
		if !slices.Contains(account.Flags, f) {
			return nil, account.FieldError(account.CodeInvalidField, "set", "a flag is one of balance, dispute, debt, investigation")
		}
		if slices.Contains(fc.Set, f) && slices.Contains(fc.Clear, f) {
			return nil, account.FieldError(account.CodeInvalidField, "clear", "a flag cannot be set and cleared at once")
		}
	}
	out := slices.DeleteFunc(slices.Clone(flags), func(f string) bool { return slices.Contains(fc.Clear, f) })
	for _, f := range fc.Set {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out, nil
}

// statusCheck refuses an action the account's status does not allow.
func statusCheck(action string, st account.Status) error {
	switch {
	case st == account.StatusClosed:
		return account.Errorf(account.CodeAccountClosed, "this account is closed")
	case action == ActionFreeze && st == account.StatusFrozen:
		return account.Errorf(account.CodeAlreadyFrozen, "this account is frozen already")
	case action == ActionUnfreeze && st != account.StatusFrozen:
		return account.Errorf(account.CodeNotFrozen, "this account is not frozen")
	}
	return nil
}

// after is the status an action leaves.
func after(action string, st account.Status) account.Status {
	switch action {
	case ActionFreeze:
		return account.StatusFrozen
	case ActionUnfreeze:
		return account.StatusActive
	case ActionClose:
		return account.StatusClosed
	}
	return st
}

// MaskEmail shows an address as its first character, *** and its domain.
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}
