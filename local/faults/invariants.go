package faults

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/otp"
)

// CheckTable returns every violation of the invariants that must hold over the whole table at
// any time, whatever failed before:
//
//   - every phone claim points at an account that is not closed and whose phone is that number,
//     and every account that is not closed is claimed by its phone; likewise verified e-mail
//     addresses and their claims (an unverified contact address is claimed by nobody);
//   - nothing in an account's partition (device, card, event, phone change) outlives or precedes
//     its account, and no account_created event item exists: the account's insert is its record
//     (the activity list builds its entry);
//   - every session belongs to an active account and is the one its device holds;
//   - every passkey has its credential index item pointing back at it, and every index item
//     points at a passkey: no credential is half-registered or half-removed;
//   - in every limit counter, what is used but not settled is exactly the sum of the live
//     (pending or approved) authorizations that reserved in it, and what is settled the sum of
//     the captured ones: no reservation leaked or doubled.
func CheckTable(tb Table) []string {
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	for _, k := range tb.Keys() {
		it := tb[k]
		switch kindOf(k) {
		case kindPhoneClaim:
			phone := strings.TrimPrefix(it.S("PK"), "PHONE#")
			a := tb.account(it.S("accountId"))
			if a == nil || a.S("status") == string(account.StatusClosed) || a.S("phone") != phone {
				add("phone claim %s points at account %q, which is missing, closed or has another phone", mask(phone), it.S("accountId"))
			}
		case kindEmailClaim:
			email := strings.TrimPrefix(it.S("PK"), "EMAIL#")
			a := tb.account(it.S("accountId"))
			if a == nil || a.S("status") == string(account.StatusClosed) || verifiedEmail(a) != email {
				add("email claim points at account %q, which is missing, closed or has another verified email", it.S("accountId"))
			}
		case kindAccount:
			bad = append(bad, checkAccount(tb, accountOf(k), it)...)
		case kindDevice, kindEvent, kindCard, kindPhoneChange, kindPasskey, kindEmailChange, kindAudit, kindPaySettings, kindAnswers, kindProfile:
			if tb.account(accountOf(k)) == nil {
				add("%s %s belongs to no account", kindOf(k), k)
			}
			bad = append(bad, checkPasskeyIndexed(tb, k, it)...)
		case kindPasskeyIdx:
			pk := tb["ACCOUNT#"+it.S("accountId")+"|CREDENTIAL#"+it.S("passkeyId")]
			if pk == nil {
				add("passkey index %s points at no passkey of account %q", k, it.S("accountId"))
			}
		case kindSession:
			bad = append(bad, checkSession(tb, k, it)...)
		}
	}
	return append(bad, checkReservations(tb)...)
}

// checkReservations holds every limit counter to the authorizations that reserved in it.
func checkReservations(tb Table) []string {
	type sums struct{ live, captured float64 }
	want := map[string]sums{}
	for _, k := range tb.Keys() {
		it := tb[k]
		if kindOf(k) != kindAuthz {
			continue
		}
		periods, _ := it["periods"].([]any)
		for _, p := range periods {
			pm, _ := p.(map[string]any)
			c := fmt.Sprintf("LIMIT#%s#%v|%v|%s", it.S("accountId"), pm["w"], pm["n"], it.S("currency"))
			s := want[c]
			switch it.S("status") {
			case "pending", "approved":
				s.live += it.N("amount")
			case "captured":
				s.captured += it.N("amount")
			}
			want[c] = s
		}
	}
	var bad []string
	seen := map[string]bool{}
	for _, k := range tb.Keys() {
		it := tb[k]
		if kindOf(k) != kindLimit || strings.Contains(k, "#nopw|") {
			continue
		}
		for name := range it {
			cur, ok := strings.CutPrefix(name, "u")
			if !ok || len(cur) != 3 {
				continue
			}
			c := k + "|" + cur
			seen[c] = true
			w := want[c]
			if reserved, settled := it.N(name)-it.N("s"+cur), it.N("s"+cur); reserved != w.live || settled != w.captured {
				bad = append(bad, fmt.Sprintf("limit counter %s: reserved %v and settled %v, but live authorizations hold %v and captured ones %v",
					c, reserved, settled, w.live, w.captured))
			}
		}
	}
	for c, w := range want {
		if !seen[c] && (w.live != 0 || w.captured != 0) {
			bad = append(bad, fmt.Sprintf("limit counter %s is missing, but authorizations hold %v", c, w.live+w.captured))
		}
	}
	return bad
}

// checkPasskeyIndexed checks that a passkey (any other kind passes) has its index item.
func checkPasskeyIndexed(tb Table, k string, it Item) []string {
	if kindOf(k) != kindPasskey {
		return nil
	}
	sum := sha256.Sum256(it.B("credentialId"))
	idx := tb["PASSKEY#"+hexOf(sum[:])+"|PASSKEY"]
	if _, id, _ := strings.Cut(k, "|CREDENTIAL#"); idx == nil || idx.S("accountId") != accountOf(k) || idx.S("passkeyId") != id {
		return []string{fmt.Sprintf("passkey %s has no credential index item pointing at it", k)}
	}
	return nil
}

func checkAccount(tb Table, id string, a Item) []string {
	var bad []string
	if a.S("status") != string(account.StatusClosed) {
		if c := tb["PHONE#"+a.S("phone")+"|PHONE"]; c == nil || c.S("accountId") != id {
			bad = append(bad, fmt.Sprintf("account %s is not claimed by its phone %s", id, mask(a.S("phone"))))
		}
		if e := verifiedEmail(a); e != "" {
			if c := tb["EMAIL#"+e+"|EMAIL"]; c == nil || c.S("accountId") != id {
				bad = append(bad, fmt.Sprintf("account %s is not claimed by its email", id))
			}
		}
	}
	if n := count(tb.events(id), account.EventAccountCreated); n != 0 {
		bad = append(bad, fmt.Sprintf("account %s has %d account_created event items; its insert is the record", id, n))
	}
	return bad
}

func checkSession(tb Table, key string, s Item) []string {
	id := s.S("accountId")
	a := tb.account(id)
	if a == nil || a.S("status") != string(account.StatusActive) {
		return []string{fmt.Sprintf("session of account %q outlives it or its being active", id)}
	}
	dev := tb["ACCOUNT#"+id+"|DEVICE#"+s.S("deviceId")]
	if dev == nil || hexOf(dev.B("sessionHash")) != sessionHashHex(key) {
		return []string{fmt.Sprintf("session of account %s is not the one its device %q holds", id, s.S("deviceId"))}
	}
	return nil
}

// profileEmail is the account's email, verified or not ("" for none).
func profileEmail(a Item) string {
	p, _ := a["profile"].(map[string]any)
	e, _ := p["email"].(string)
	return e
}

// verifiedEmail is the account's verified email ("" for none, or an unverified contact address
// given at signup, which nothing claims).
func verifiedEmail(a Item) string {
	p, _ := a["profile"].(map[string]any)
	if v, _ := p["emailVerified"].(bool); !v {
		return ""
	}
	return profileEmail(a)
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// mask shows only the last 4 digits of a number, so that a failure report is safe to print.
func mask(e164 string) string {
	if len(e164) <= 4 {
		return "****"
	}
	return "****" + e164[len(e164)-4:]
}

// Diff is what one request changed in a table.
type Diff struct {
	Before, After          Table
	Added, Removed, Change []string // keys
}

// NewDiff compares two snapshots of a table.
func NewDiff(before, after Table) Diff {
	d := Diff{Before: before, After: after}
	for _, k := range after.Keys() {
		old, ok := before[k]
		switch {
		case !ok:
			d.Added = append(d.Added, k)
		case !sameItem(old, after[k]):
			d.Change = append(d.Change, k)
		}
	}
	for _, k := range before.Keys() {
		if _, ok := after[k]; !ok {
			d.Removed = append(d.Removed, k)
		}
	}
	return d
}

func sameItem(a, b Item) bool { return fmt.Sprint(map[string]any(a)) == fmt.Sprint(map[string]any(b)) }

// Touched returns every key the request added, removed or changed.
func (d Diff) Touched() []string {
	return slices.Concat(d.Added, d.Removed, d.Change)
}

// CheckRequest returns every violation of what one request may write, given whether it failed
// (answered 5xx):
//
//   - a failed request writes nothing but failure counters and dead challenges: no event, no
//     account change other than its lockout counters, no claim, session, device, card, change or
//     idempotency record, no proof or freeze token spent, no OTP limit charged — and no challenge
//     it touched is still usable, so no OTP whose send failed can be used;
//   - every security event written belongs to the change it describes, written with it, and
//     every change that must be announced has its event (Rules);
//   - no verification token or freeze token is spent without its effect.
func CheckRequest(d Diff, failed bool) []string {
	var bad []string
	if failed {
		bad = append(bad, failedWrites(d)...)
	}
	bad = append(bad, checkEvents(d)...)
	bad = append(bad, checkAudits(d)...)
	return append(bad, checkSpent(d)...)
}

// lockoutAttrs are the account attributes a failed request may have changed: failure counts and
// locks, which are written on their own before the step that failed.
func lockoutAttrs() []string {
	return []string{"loginFailures", "loginLockedUntil", "loginLockLevel", "loginLastLockAt",
		"payFailures", "payWindowStart", "payLockedUntil", "recFailures", "recLockedUntil", "recLockLevel", "recLastLockAt"}
}

func failedWrites(d Diff) []string {
	var bad []string
	for _, k := range d.Touched() {
		switch kind := kindOf(k); kind {
		case kindCounter:
			if otpLimit(k) && d.After[k].N("n") > d.Before[k].N("n") {
				pk, _, _ := strings.Cut(k, "|")
				bad = append(bad, fmt.Sprintf("a failed request charged the OTP limit %s", strings.SplitN(pk, "#", 3)[1]))
			}
		case kindOTPSlot:
		case kindPhoneCodes:
			for name := range d.After[k] {
				if strings.HasPrefix(name, "n#") && d.After[k].N(name) > d.Before[k].N(name) {
					bad = append(bad, fmt.Sprintf("a failed request charged the OTP limit %s of %s", name, k))
				}
			}
		case kindChallenge:
			if usable(d.After[k]) && !usable(d.Before[k]) || d.Before[k] != nil && d.After[k] == nil || spent(d, k) {
				bad = append(bad, fmt.Sprintf("a failed request left challenge %s usable or spent it", k))
			}
		case kindAccount:
			if a, b := d.Before[k], d.After[k]; a == nil || b == nil || !sameExcept(a, b, lockoutAttrs()) {
				bad = append(bad, fmt.Sprintf("a failed request wrote account %s: %s", accountOf(k), changedAttrs(a, b, lockoutAttrs())))
			}
		default:
			bad = append(bad, fmt.Sprintf("a failed request wrote %s %s", kind, k))
		}
	}
	return bad
}

// otpLimit reports whether a counter key is one of the OTP send limits, which a failed send must
// give back (RATE#otp-phone#…, otp-prefix, otp-ip, sms-budget, otp-fail).
func otpLimit(key string) bool {
	return strings.HasPrefix(key, "RATE#otp-") || strings.HasPrefix(key, "RATE#sms-budget")
}

// spent reports whether the diff spent the verified proof at k: deleted it, or, for a signup with
// an Idempotency-Key, put the spent record with the response in its place.
func spent(d Diff, k string) bool {
	before, after := d.Before[k], d.After[k]
	return before.S("state") == string(otp.StateVerified) && (after == nil || after.S("state") == string(otp.StateSpent))
}

// usable reports whether a challenge can still be redeemed with its code.
func usable(ch Item) bool {
	return ch != nil && ch.S("state") == "pending" && len(ch.B("codeHash")) > 0 && ch["superseded"] != true
}

func sameExcept(a, b Item, except []string) bool {
	return changedAttrs(a, b, except) == ""
}

// changedAttrs names the attributes that differ between a and b, but for except.
func changedAttrs(a, b Item, except []string) string {
	var names []string
	for _, it := range []Item{a, b} {
		for name := range it {
			if !slices.Contains(except, name) && !slices.Contains(names, name) &&
				fmt.Sprint(a[name]) != fmt.Sprint(b[name]) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
