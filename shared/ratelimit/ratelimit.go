// Package ratelimit is the vocabulary of the service's limits: fixed-window counters that the
// adapter charges in the same DynamoDB transaction as the write they guard (so concurrent
// requests cannot pass a limit), the windows they count in, and the daily SMS budget that OTP
// codes and alerts share.
package ratelimit

import (
	"math"
	"strconv"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Counter is one rate-limit counter: a key, a fixed window, and the most it may count.
type Counter struct {
	Name   string // for logs and errors: phone_hourly, ip_hourly, ...
	Key    string // what is counted: "otp-phone#+8613800138000"
	Window string // the window's label: "H2026112121"
	Max    int
	Ends   time.Time    // end of the window: the retry time, and the counter's expiry
	Code   account.Code // the error a full counter answers with
}

// LimitError says which counter was full.
type LimitError struct{ Counter Counter }

func (e *LimitError) Error() string { return "limit reached: " + e.Counter.Name }

// Window is one fixed window: its label (part of the counter's key) and its end.
type Window struct {
	Label string
	Ends  time.Time
}

// Hour is the clock hour (UTC) of t.
func Hour(t time.Time) Window {
	start := t.UTC().Truncate(time.Hour)
	return Window{"H" + start.Format("2006010215"), start.Add(time.Hour)}
}

// Day is the day (UTC) of t.
func Day(t time.Time) Window {
	y, m, d := t.UTC().Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Window{"D" + start.Format("20060102"), start.AddDate(0, 0, 1)}
}

// Counter is the counter named name of key in this window.
func (w Window) Counter(name, key string, max int, code account.Code) Counter {
	return Counter{Name: name, Key: key, Window: w.Label, Max: max, Ends: w.Ends, Code: code}
}

// signupShare is the part of the daily SMS budget that signup codes may use, so that a signup
// flood stops before it starves the codes and alerts of existing accounts.
const signupShare = 0.8

// SMSBudget is the service-wide count of SMS sent on the day of now, against budget
// (SMS_DAILY_BUDGET): codes for existing accounts and alerts may use all of it.
func SMSBudget(now time.Time, budget int) Counter {
	return Day(now).Counter("sms_budget", "sms-budget", budget, account.CodeSMSBudgetExhausted)
}

// SignupSMSBudget is the same counter as SMSBudget, of which signup codes may use 80%.
func SignupSMSBudget(now time.Time, budget int) Counter {
	return SMSBudget(now, int(math.Floor(float64(budget)*signupShare)))
}

// EmailBudgetShards is how many counter items the daily email budget is spread over, so that no
// one partition takes every email's charge (DynamoDB gives one item about 1,000 write units a
// second, and a transactional write costs 2). Each shard may count its share of the budget; a
// send charges one shard drawn at random, so the shards fill evenly and the day's total never
// passes the budget. A full shard refuses although others have room only in the last few emails
// of a day that spends nearly all of it.
const EmailBudgetShards = 4

// EmailBudget is shard (0 to EmailBudgetShards-1) of the service-wide count of emails sent on
// the day of now (codes and notices), against budget (EMAIL_DAILY_BUDGET).
func EmailBudget(now time.Time, budget, shard int) Counter {
	share := max(budget/EmailBudgetShards, 1)
	if shard < budget%EmailBudgetShards {
		share++ // the shares add up to the budget
	}
	return Day(now).Counter("email_budget", "email-budget#"+strconv.Itoa(shard%EmailBudgetShards), share, account.CodeEmailBudgetExhausted)
}
