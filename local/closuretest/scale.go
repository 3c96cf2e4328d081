package closuretest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/closure"
	"github.com/wallet-accounts/wallet/shared/config"
	"github.com/wallet-accounts/wallet/shared/dynamo"
	"github.com/wallet-accounts/wallet/shared/sms"
)

// MaxReadRatio is the budget of the job's reads: items read per due account, at most.
const MaxReadRatio = 1.2

// ScaleResult is what Scale measured.
type ScaleResult struct {
	Accounts, Due int
	Seed          time.Duration
	Warn, Close   Pass // the run that warns the due accounts, and the one that closes them
}

// Pass is one run of the job.
type Pass struct {
	Summary  closure.Summary
	Duration time.Duration
	Reads    Reads  // as the SDK middleware counted them
	Calls    string // operations by name
}

// Config returns a configuration with a fresh pepper and the defaults, edited by edit.
func Config(t testing.TB, edit func(*config.Config)) config.Config { return flowtest.Config(t, edit) }

// Logger returns a logger that writes to the test's log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewJSONHandler(testWriter{t}, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Scale seeds n accounts into a fresh table, 1% of them idle 12 to 13 months and the rest active
// within the last 10 months, and runs the job twice with the default settings: at T, which warns
// the due accounts, and CLOSURE_MIN_NOTICE and a day later, which closes them and publishes
// account.closed for each. It fails t unless each run acts on exactly the due accounts, reads
// at most MaxReadRatio index items per due account (and, closing, as many account reads), and
// never scans; it logs the timings.
func Scale(t testing.TB, n int) ScaleResult {
	t.Helper()
	calls, meter := &stacktest.Calls{}, &ReadMeter{}
	db, table := stacktest.NewTable(t, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, calls.Middleware, meter.Middleware)
	})
	T := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	res := ScaleResult{Accounts: n, Due: n / 100}
	due, rest := scaleAccounts(T, n)
	start := time.Now()
	Seed(t, db, table, due, true, 32)
	Seed(t, db, table, rest, false, 32)
	res.Seed = time.Since(start)
	t.Logf("seeded %d accounts (%d due) in %v", n, len(due), res.Seed.Round(time.Millisecond))

	cfg := Config(t, nil)
	clock := &account.FixedClock{T: T}
	store := dynamo.New(db, table).WithEventTTL(cfg.EventTTL).ForClosure()
	topic := sms.NewTopic(stacktest.SNSClient(t), NewTopic(t))
	svc := closure.NewService(store, topic, closure.NoPhoneChanges{}, clock, rand.Reader, cfg, slog.New(slog.DiscardHandler))
	run := func(name string) Pass {
		calls.Reset()
		meter.Reset()
		start := time.Now()
		sum, err := svc.Run(context.Background(), closure.Request{})
		p := Pass{Summary: sum, Duration: time.Since(start), Reads: meter.Reads(), Calls: calls.String()}
		if err != nil || !sum.Complete {
			t.Fatalf("%s run: complete %v, err %v", name, sum.Complete, err)
		}
		t.Logf("%s run over %d accounts: %v; index items read %d, account items read %d (%d due: %.2f and %.2f per due account), "+
			"%.1f read units, %d scans; calls %s", name, n, p.Duration.Round(time.Millisecond), p.Reads.IndexItems, p.Reads.TableItems,
			res.Due, ratio(p.Reads.IndexItems, res.Due), ratio(p.Reads.TableItems, res.Due), sum.Invocation.ReadUnits, p.Reads.Scans, p.Calls)
		return p
	}
	res.Warn = run("warn")
	clock.Advance(cfg.ClosureMinNotice + 24*time.Hour)
	res.Close = run("close")

	check := func(name string, p Pass, acted int, accountReads int) {
		c := p.Summary.Invocation
		if acted != res.Due || c.Examined != res.Due || c.SkippedTotal() != 0 || c.Failed != 0 {
			t.Errorf("%s run acted on %d, examined %d, skipped %d, failed %d; want %d due", name, acted, c.Examined, c.SkippedTotal(), c.Failed, res.Due)
		}
		if ratio(p.Reads.IndexItems, res.Due) > MaxReadRatio || ratio(p.Reads.TableItems, res.Due) > MaxReadRatio*float64(accountReads) {
			t.Errorf("%s run read %d index and %d account items for %d due accounts", name, p.Reads.IndexItems, p.Reads.TableItems, res.Due)
		}
		if p.Reads.Scans != 0 || calls.Count("DynamoDB.Scan") != 0 {
			t.Errorf("%s run scanned", name)
		}
	}
	check("warn", res.Warn, res.Warn.Summary.Invocation.Warned, 0)
	check("close", res.Close, res.Close.Summary.Invocation.Closed, 1)
	if c := res.Close.Summary.Invocation; c.Notified != res.Due {
		t.Errorf("close run published %d account.closed, want %d", c.Notified, res.Due)
	}
	return res
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// scaleAccounts returns n accounts at T: the 1% due, idle 12 to 13 months, and the rest, last
// active within the last 300 days.
func scaleAccounts(T time.Time, n int) (due, rest []account.Account) {
	for i := range n {
		last := T.AddDate(0, 0, -(i % 300)).Add(-time.Duration(i%86400) * time.Second)
		if i < n/100 {
			last = T.AddDate(0, -12, -(i % 30)).Add(-time.Hour)
		}
		a := account.Account{ID: fmt.Sprintf("SCALE%021d", i), Status: account.StatusActive, Phone: fmt.Sprintf("+86139%08d", i),
			Lang: "en", LoginHash: "x", PaymentHash: "x", AgreementVersion: "2026-11", AgreedAt: last, CreatedAt: last,
			LastActiveAt: last, Version: 1}
		if i < n/100 {
			due = append(due, a)
		} else {
			rest = append(rest, a)
		}
	}
	return due, rest
}
