// Package ratelimit is the vocabulary of the service's limits: fixed-window counters that the
// adapter charges in the same DynamoDB transaction as the write they guard (so concurrent
// requests cannot pass a limit), the windows they count in, and the daily SMS budget that OTP
// codes and alerts share, sharded so that no one item takes every send's write.
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
	// Keep, when set, is when the counter may expire instead of Ends: a counter that is read
	// after its window (a prefix's hours in the pumping window) must outlive it.
	Keep time.Time
	// Sent says the charge also counts an SMS that went out, on the same item (a prefix's codes
	// sent, beside its requests, for the pumping defence), so one write keeps both.
	Sent bool
}

// Expires is when the counter's item may be deleted.
func (c Counter) Expires() time.Time {
	if c.Keep.After(c.Ends) {
		return c.Keep
	}
	return c.Ends
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

// SMSBudgetShards is the most counter items the daily SMS budget is spread over. Every code sent
// and every alert charges the budget in a transaction, and one item takes about 1,000 write units
// a second (a transactional write costs 2), so one counter would cap the whole service near 500
// SMS a second; 16 shards spread the charges over 16 items.
const SMSBudgetShards = 16

// smsShardFloor is the least share of the budget a shard gets: a budget is spread over as many
// shards as give each at least this many SMS, up to SMSBudgetShards, so a small budget (a test's,
// a new deployment's) stays one exact counter and only a budget that can drive a hot item is split.
const smsShardFloor = 100

// SMSShards is how many shards a daily budget of budget SMS is spread over.
func SMSShards(budget int) int { return min(max(budget/smsShardFloor, 1), SMSBudgetShards) }

// SMSBudget is one shard of the service-wide count of SMS sent on the day of now, against budget
// (SMS_DAILY_BUDGET): codes for existing accounts and alerts may use all of it. draw (any
// non-negative number, random or hashed) picks the shard; the shards' shares add up to the
// budget, so the day never sends more than budget. The price is that a send whose shard is full
// is refused although other shards may still have room: that can only happen once a shard has
// counted its whole share, which random draws make happen only near the end of a day that spends
// nearly all the budget (README, Limits).
func SMSBudget(now time.Time, budget, draw int) Counter {
	n := SMSShards(budget)
	shard := draw % n
	return Day(now).Counter("sms_budget", "sms-budget#"+strconv.Itoa(shard), share(budget, n, shard), account.CodeSMSBudgetExhausted)
}

// SignupSMSBudget is the same shard as SMSBudget, of which signup codes may use 80%: each
// shard keeps a fifth of its share for existing accounts, so the whole budget does too.
func SignupSMSBudget(now time.Time, budget, draw int) Counter {
	c := SMSBudget(now, budget, draw)
	c.Max = int(math.Floor(float64(c.Max) * signupShare))
	return c
}

// share is shard's part of budget spread over n shards: the parts add up to budget.
func share(budget, n, shard int) int {
	s := budget / n
	if shard < budget%n {
		s++
	}
	return s
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
