package idv

import (
	"slices"
	"strings"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/profile"
	"github.com/wallet-accounts/wallet/shared/secret"
	"github.com/wallet-accounts/wallet/shared/support"
)

// Request is what the holder sends to open a case.
type Request struct {
	DocumentType   string
	DocumentNumber string
	Name           string
	Nationality    string
}

// checked is a Request checked and normalised.
type checked struct {
	docType, number, name, nationality string
}

// check refuses a field missing (missing_field) or malformed (invalid_field), naming it.
func (r Request) check() (checked, error) {
	if err := account.Required("documentType", r.DocumentType, "documentNumber", strings.TrimSpace(r.DocumentNumber),
		"name", strings.TrimSpace(r.Name), "nationality", r.Nationality); err != nil {
		return checked{}, err
	}
	number, err := profile.IDDocument("", r.DocumentType, r.DocumentNumber)
	if e, ok := account.As(err); ok { // the profile's names for the same fields
		rename := strings.NewReplacer("idType", "documentType", "idNumber", "documentNumber")
		return checked{}, account.FieldError(e.Code, rename.Replace(e.Field), rename.Replace(e.Message))
	}
	name, err := profile.Text("name", r.Name, profile.MaxRealName)
	if err != nil {
		return checked{}, err
	}
	nationality, err := profile.Citizenship("nationality", r.Nationality)
	if err != nil {
		return checked{}, err
	}
	return checked{docType: r.DocumentType, number: number, name: name, nationality: nationality}, nil
}

// recent returns the openings within Window before now, oldest first.
func recent(openings []time.Time, now time.Time) []time.Time {
	out := slices.DeleteFunc(slices.Clone(openings), func(t time.Time) bool { return !t.After(now.Add(-Window)) })
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// checkAttempts refuses a case beyond max within Window: 429, retrying when the oldest counted
// one leaves the window.
func checkAttempts(openings []time.Time, now time.Time, max int) error {
	if len(openings) < max {
		return nil
	}
	return account.Limited(account.CodeTooManyVerifications, openings[len(openings)-max].Add(Window).Sub(now),
		"an account may start identity verification at most IDV_MAX_ATTEMPTS times in 30 days")
}

// rank orders the levels.
func rank(l account.Level) int {
	return slices.Index([]account.Level{account.LevelPhone, account.LevelRealName, account.LevelVerified}, l.Or())
}

// atLeast returns the higher of cur and to: an approval never lowers a level.
func atLeast(cur, to account.Level) account.Level {
	if rank(to) > rank(cur) {
		return to
	}
	return cur.Or()
}

// documentClash reports whether p holds another ID document or citizenship than c: the set-once
// fields an approval would otherwise replace. The number is compared by its fingerprint under
// the key the profile's was made with (the case keeps one under every key of its time).
func documentClash(p account.Profile, c Case) bool {
	if p.Citizenship != "" && p.Citizenship != c.Nationality {
		return true
	}
	if !p.RealNameVerified() {
		return false
	}
	same := p.IDType == c.DocumentType && slices.ContainsFunc(c.IDHashes, func(h []byte) bool { return secret.Equal(h, p.IDHash) })
	return !same
}

// fixDocument returns p with c's ID document and nationality in the set-once fields left empty,
// or nil when they hold them already.
func fixDocument(p account.Profile, c Case) *account.Profile {
	if p.RealNameVerified() && p.Citizenship != "" {
		return nil
	}
	next := p
	if !p.RealNameVerified() {
		next.IDType, next.IDHash, next.IDLast4 = c.DocumentType, c.IDHashes[0], c.IDLast4
	}
	if p.Citizenship == "" {
		next.Citizenship = c.Nationality
	}
	return &next
}

// Manual decisions (customer service): approve or reject, with a case and reason of the agent's.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// ManualDecision is customer service's decision of a case.
type ManualDecision struct {
	Decision   string
	ReasonCode string        // reject: required
	Level      account.Level // approve: real_name (the default) or verified (a second channel checked)
	Case       support.Case
}

// outcome is a decision as applied: what was asked, the reason of a rejection, the level an
// approval gives, and who decided.
type outcome struct {
	asked  Status
	reason string
	level  account.Level
	by     string
	audit  *support.Case // customer service's case, audited
}

func (d ManualDecision) outcome(caller support.Caller) (outcome, error) {
	if err := support.CheckCase(d.Case); err != nil {
		return outcome{}, err
	}
	c := d.Case
	switch d.Decision {
	case DecisionApprove:
		if d.ReasonCode != "" {
			return outcome{}, account.FieldError(account.CodeInvalidField, "reasonCode", "an approval takes no reasonCode")
		}
		level := d.Level
		if level == "" {
			level = account.LevelRealName
		}
		if level != account.LevelRealName && level != account.LevelVerified {
			return outcome{}, account.FieldError(account.CodeInvalidField, "level", "level is real_name or verified")
		}
		return outcome{asked: StatusApproved, level: level, by: caller.ARN, audit: &c}, nil
	case DecisionReject:
		if d.Level != "" {
			return outcome{}, account.FieldError(account.CodeInvalidField, "level", "a rejection takes no level")
		}
		if err := checkReason(d.ReasonCode); err != nil {
			return outcome{}, err
		}
		return outcome{asked: StatusRejected, reason: d.ReasonCode, by: caller.ARN, audit: &c}, nil
	case "":
		return outcome{}, account.FieldError(account.CodeMissingField, "decision", "decision is required")
	}
	return outcome{}, account.FieldError(account.CodeInvalidField, "decision", "decision is approve or reject")
}

// VendorDecision is the webhook vendor's decision, as its callback sends it.
type VendorDecision struct {
	CaseID     string
	Decision   string // approved or rejected
	ReasonCode string // rejected: required
	FaceMatch  bool   // approved: a face check matched the document (the second channel: verified)
}

func (d VendorDecision) outcome() (outcome, error) {
	if err := account.Required("verificationId", d.CaseID, "decision", d.Decision); err != nil {
		return outcome{}, err
	}
	switch Status(d.Decision) {
	case StatusApproved:
		level := account.LevelRealName
		if d.FaceMatch {
			level = account.LevelVerified
		}
		return outcome{asked: StatusApproved, level: level, by: DecidedByVendor}, nil
	case StatusRejected:
		if err := checkReason(d.ReasonCode); err != nil {
			return outcome{}, err
		}
		return outcome{asked: StatusRejected, reason: d.ReasonCode, by: DecidedByVendor}, nil
	}
	return outcome{}, account.FieldError(account.CodeInvalidField, "decision", "decision is approved or rejected")
}

// checkReason accepts a reason code: 1 to 40 lower-case letters, digits and _, a letter first.
func checkReason(code string) error {
	if code == "" {
		return account.FieldError(account.CodeMissingField, "reasonCode", "a rejection needs a reasonCode")
	}
	ok := len(code) <= 40 && code[0] >= 'a' && code[0] <= 'z' && !strings.ContainsFunc(code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
	if !ok {
		return account.FieldError(account.CodeInvalidField, "reasonCode", "reasonCode is snake_case, at most 40 characters")
	}
	return nil
}
