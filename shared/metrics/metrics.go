// Package metrics writes the service's business metrics as CloudWatch Embedded Metric Format
// (EMF) log lines: one JSON line per event, through the function's own logger, which CloudWatch
// Logs turns into metrics in the WalletAccounts namespace. No PutMetricData call, no agent, no
// dependency: the line is the metric.
//
// Each event has its helper here, so this file is the list of every metric the functions emit
// and of their dimensions. Dimensions are few and of low cardinality (a purpose, an ISO region, an
// outcome): every distinct combination is a metric CloudWatch bills for. Never a number, an
// account id or any other per-user value as a dimension.
//
// The lines are INFO records: Lambda's log-level filter drops them, like every INFO line, when
// a function's ApplicationLogLevel is raised above INFO.
package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "WalletAccounts"

// Message is the msg of every metric line.
const Message = "metric"

// The metric names.
const (
	CodesSent             = "CodesSent"             // one-time codes sent by SMS, by purpose and region
	CodesVerified         = "CodesVerified"         // codes verified, by purpose and region
	SignIns               = "SignIns"               // password sign-ins, by outcome
	Locks                 = "Locks"                 // locks started, by kind (login, payment, recovery)
	AlertsSent            = "AlertsSent"            // security alerts sent, by channel (sms, email)
	ClosureRuns           = "ClosureRuns"           // closure job invocations, by outcome (complete, partial, dry_run)
	AccountsWarned        = "AccountsWarned"        // inactivity warnings written, by outcome of the run
	AccountsClosed        = "AccountsClosed"        // accounts closed by the job, by outcome of the run
	PaymentAuthorizations = "PaymentAuthorizations" // authorization decisions, by decision
)

// The dimension names.
const (
	DimPurpose  = "purpose"
	DimRegion   = "region"
	DimOutcome  = "outcome"
	DimKind     = "kind"
	DimChannel  = "channel"
	DimDecision = "decision"
)

// SignIns outcomes.
const (
	SignInSuccess       = "success"
	SignInWrongPassword = "wrong_password" // also a number without an account: answered alike
	SignInLocked        = "locked"
	SignInStepUp        = "step_up" // a code was asked for
	SignInRefused       = "refused" // any other answer the client can act on (invalid request, frozen, conflict)
	SignInFailed        = "failed"  // not the client's doing: storage, a dependency
)

// Locks kinds.
const (
	LockLogin    = "login"
	LockPayment  = "payment"
	LockRecovery = "recovery"
)

// AlertsSent channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// ClosureRuns outcomes.
const (
	RunComplete = "complete"
	RunPartial  = "partial"
	RunDryRun   = "dry_run"
)

// The limits of one EMF directive, by the specification, and what a missing value becomes.
const (
	maxDimensions = 30  // names in one dimension set
	maxMetrics    = 100 // metrics in one directive
	unitCount     = "Count"
	unknownValue  = "unknown"
)

// Dim is one dimension of an event: its name and value.
type Dim struct{ Name, Value string }

// Value is one metric of an event: its name and the count.
type Value struct {
	Name string
	N    int
}

// CodeSent counts a code sent to a phone of region (ISO 3166, "CN") for purpose.
func CodeSent(ctx context.Context, log *slog.Logger, purpose account.Purpose, region string) {
	Emit(ctx, log, []Dim{{DimPurpose, string(purpose)}, {DimRegion, region}}, Value{CodesSent, 1})
}

// CodeVerified counts a right code for purpose, sent to a phone of region.
func CodeVerified(ctx context.Context, log *slog.Logger, purpose account.Purpose, region string) {
	Emit(ctx, log, []Dim{{DimPurpose, string(purpose)}, {DimRegion, region}}, Value{CodesVerified, 1})
}

// SignIn counts a password sign-in by its outcome (SignInSuccess, …).
func SignIn(ctx context.Context, log *slog.Logger, outcome string) {
	Emit(ctx, log, []Dim{{DimOutcome, outcome}}, Value{SignIns, 1})
}

// Locked counts a lock that just started: LockLogin, LockPayment or LockRecovery.
func Locked(ctx context.Context, log *slog.Logger, kind string) {
	Emit(ctx, log, []Dim{{DimKind, kind}}, Value{Locks, 1})
}

// AlertSent counts an alert sent on channel (ChannelSMS, ChannelEmail). An SMS counts once
// here whatever its parts; what parts cost is the courier's to say.
func AlertSent(ctx context.Context, log *slog.Logger, channel string) {
	Emit(ctx, log, []Dim{{DimChannel, channel}}, Value{AlertsSent, 1})
}

// ClosureRun counts one invocation of the closure job by the run's outcome (RunComplete: today's
// run has read everything, RunPartial: the next invocation continues it, RunDryRun), with the
// accounts this invocation warned and closed.
func ClosureRun(ctx context.Context, log *slog.Logger, outcome string, warned, closed int) {
	Emit(ctx, log, []Dim{{DimOutcome, outcome}},
		Value{ClosureRuns, 1}, Value{AccountsWarned, warned}, Value{AccountsClosed, closed})
}

// PaymentAuthorization counts a payment authorization's decision (approved, denied, …).
func PaymentAuthorization(ctx context.Context, log *slog.Logger, decision string) {
	Emit(ctx, log, []Dim{{DimDecision, decision}}, Value{PaymentAuthorizations, 1})
}

// Emit logs one EMF line: values as Count metrics in Namespace, with dims as their one dimension
// set. A nil log emits nothing. The line carries the request id like every line logged with the
// request's context, which CloudWatch keeps as a property of the event, not as a dimension.
func Emit(ctx context.Context, log *slog.Logger, dims []Dim, values ...Value) {
	if log == nil || len(values) == 0 {
		return
	}
	names := make([]string, 0, min(len(dims), maxDimensions))
	attrs := make([]slog.Attr, 0, 1+len(dims)+len(values))
	for _, d := range dims[:min(len(dims), maxDimensions)] {
		names = append(names, d.Name)
		v := d.Value
		if v == "" { // CloudWatch refuses an empty dimension value: the whole line would be lost
			v = unknownValue
		}
		attrs = append(attrs, slog.String(d.Name, v))
	}
	ms := make([]metricDef, 0, min(len(values), maxMetrics))
	for _, v := range values[:min(len(values), maxMetrics)] {
		ms = append(ms, metricDef{Name: v.Name, Unit: unitCount})
		attrs = append(attrs, slog.Int(v.Name, v.N))
	}
	meta := metadata{Timestamp: time.Now().UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{names}, Metrics: ms}}}
	log.LogAttrs(ctx, slog.LevelInfo, Message, append([]slog.Attr{slog.Any("_aws", meta)}, attrs...)...)
}

// metadata is the EMF "_aws" member. Timestamp is the event's time in epoch milliseconds, the
// wall clock's as the logger's own "time" is: an injected test clock would put metrics where
// CloudWatch refuses them (more than two weeks in the past).
type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// directive is one EMF MetricDirective.
type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

// metricDef is one EMF MetricDefinition.
type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}
