package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/logging"
)

// validEMF checks one log line against the Embedded Metric Format specification, as CloudWatch
// Logs reads it: the line is one JSON object; _aws.Timestamp is epoch milliseconds (a number,
// here within a minute of now); _aws.CloudWatchMetrics is an array of directives, each with a
// Namespace, Dimensions (an array of dimension sets of at most 30 names, each name a top-level
// string member) and Metrics (at most 100, each with a Name that is a top-level number member,
// and an optional Unit). It returns the metrics' values by name and the dimension values.
func validEMF(line []byte) (values map[string]float64, dims map[string]string, err error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, nil, fmt.Errorf("not one JSON object: %w", err)
	}
	var meta struct {
		Timestamp         *json.Number `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  *string    `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name *string `json:"Name"`
				Unit string  `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	dec := json.NewDecoder(bytes.NewReader(root["_aws"]))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil {
		return nil, nil, fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil {
		return nil, nil, fmt.Errorf("_aws.Timestamp missing")
	}
	ms, err := meta.Timestamp.Int64()
	if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		return nil, nil, fmt.Errorf("_aws.Timestamp %s is not now in epoch milliseconds", *meta.Timestamp)
	}
	if len(meta.CloudWatchMetrics) == 0 {
		return nil, nil, fmt.Errorf("_aws.CloudWatchMetrics is empty or missing")
	}
	values, dims = map[string]float64{}, map[string]string{}
	for _, d := range meta.CloudWatchMetrics {
		if d.Namespace == nil || *d.Namespace == "" {
			return nil, nil, fmt.Errorf("a directive without Namespace")
		}
		if d.Dimensions == nil || d.Metrics == nil {
			return nil, nil, fmt.Errorf("a directive without Dimensions or Metrics")
		}
		if len(d.Metrics) > 100 {
			return nil, nil, fmt.Errorf("%d metrics in a directive, at most 100", len(d.Metrics))
		}
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return nil, nil, fmt.Errorf("%d dimensions in a set, at most 30", len(set))
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil || v == "" {
					return nil, nil, fmt.Errorf("dimension %q is not a non-empty top-level string", name)
				}
				dims[name] = v
			}
		}
		for _, m := range d.Metrics {
			if m.Name == nil || *m.Name == "" {
				return nil, nil, fmt.Errorf("a metric without Name")
			}
			var v float64
			if err := json.Unmarshal(root[*m.Name], &v); err != nil {
				return nil, nil, fmt.Errorf("metric %q is not a top-level number", *m.Name)
			}
			values[*m.Name] = v
		}
	}
	return values, dims, nil
}

// capture returns a logger as awsenv.Boot builds it (logging.New, JSON) writing to a buffer.
func capture() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return logging.New(&buf, slog.LevelInfo), &buf
}

// TestEveryMetricLineIsEMF: each helper writes one line that CloudWatch would read as the
// metric it means, with the dimensions it means, through the same logger the functions use.
func TestEveryMetricLineIsEMF(t *testing.T) {
	cases := []struct {
		name   string
		emit   func(context.Context, *slog.Logger)
		values map[string]float64
		dims   map[string]string
	}{
		{"code sent", func(ctx context.Context, l *slog.Logger) { CodeSent(ctx, l, account.PurposeSignup, "CN") },
			map[string]float64{CodesSent: 1}, map[string]string{DimPurpose: "signup", DimRegion: "CN"}},
		{"code verified", func(ctx context.Context, l *slog.Logger) { CodeVerified(ctx, l, account.PurposeFreeze, "SG") },
			map[string]float64{CodesVerified: 1}, map[string]string{DimPurpose: "freeze", DimRegion: "SG"}},
		{"sign-in", func(ctx context.Context, l *slog.Logger) { SignIn(ctx, l, SignInStepUp) },
			map[string]float64{SignIns: 1}, map[string]string{DimOutcome: "step_up"}},
		{"lock", func(ctx context.Context, l *slog.Logger) { Locked(ctx, l, LockPayment) },
			map[string]float64{Locks: 1}, map[string]string{DimKind: "payment"}},
		{"alert", func(ctx context.Context, l *slog.Logger) { AlertSent(ctx, l, ChannelSMS) },
			map[string]float64{AlertsSent: 1}, map[string]string{DimChannel: "sms"}},
		{"closure run", func(ctx context.Context, l *slog.Logger) { ClosureRun(ctx, l, RunComplete, 3, 2) },
			map[string]float64{ClosureRuns: 1, AccountsWarned: 3, AccountsClosed: 2}, map[string]string{DimOutcome: "complete"}},
		{"payment", func(ctx context.Context, l *slog.Logger) { PaymentAuthorization(ctx, l, "confirmation_required") },
			map[string]float64{PaymentAuthorizations: 1}, map[string]string{DimDecision: "confirmation_required"}},
		{"missing region", func(ctx context.Context, l *slog.Logger) { CodeSent(ctx, l, account.PurposeSignup, "") },
			map[string]float64{CodesSent: 1}, map[string]string{DimPurpose: "signup", DimRegion: "unknown"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log, buf := capture()
			c.emit(logging.WithRequestID(context.Background(), "req-1"), log)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1: %s", len(lines), buf)
			}
			values, dims, err := validEMF([]byte(lines[0]))
			if err != nil {
				t.Fatalf("not EMF: %v\n%s", err, lines[0])
			}
			if fmt.Sprint(values) != fmt.Sprint(c.values) || fmt.Sprint(dims) != fmt.Sprint(c.dims) {
				t.Fatalf("values %v dims %v, want %v %v\n%s", values, dims, c.values, c.dims, lines[0])
			}
			var line map[string]any
			_ = json.Unmarshal([]byte(lines[0]), &line)
			if line["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Namespace"] != Namespace ||
				line["msg"] != Message || line["level"] != "INFO" || line[logging.RequestIDKey] != "req-1" {
				t.Fatalf("namespace, msg, level or request id wrong: %s", lines[0])
			}
		})
	}
}

// TestEMFCheckRefusesBrokenDocuments: the check above fails on each way a line can stop being
// EMF, so its passing means something.
func TestEMFCheckRefusesBrokenDocuments(t *testing.T) {
	now := time.Now().UnixMilli()
	ok := fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"d":"x","M":1}`, now)
	if _, _, err := validEMF([]byte(ok)); err != nil {
		t.Fatalf("a valid document refused: %v", err)
	}
	many := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	broken := map[string]string{
		"not JSON":            `metric CodesSent=1`,
		"no timestamp":        `{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":"x","M":1}`,
		"timestamp in s":      fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":"x","M":1}`, now/1000),
		"no directives":       fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[]},"M":1}`, now),
		"no namespace":        fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":"x","M":1}`, now),
		"metric not a number": fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":"x","M":"1"}`, now),
		"metric missing":      fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":"x"}`, now),
		"dimension missing":   fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"M":1}`, now),
		"dimension a number":  fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"M"}]}]},"d":2,"M":1}`, now),
		"31 dimensions": fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[%s]],"Metrics":[{"Name":"M"}]}]},%s,"M":1}`, now,
			many(31, func(i int) string { return fmt.Sprintf(`"d%d"`, i) }), many(31, func(i int) string { return fmt.Sprintf(`"d%d":"x"`, i) })),
		"101 metrics": fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[%s]}]},%s}`, now,
			many(101, func(i int) string { return fmt.Sprintf(`{"Name":"M%d"}`, i) }), many(101, func(i int) string { return fmt.Sprintf(`"M%d":1`, i) })),
	}
	for name, doc := range broken {
		if _, _, err := validEMF([]byte(doc)); err == nil {
			t.Errorf("%s: accepted: %s", name, doc)
		}
	}
}

// TestEmitKeepsWithinTheLimits: a caller's mistake (too many dimensions or metrics) cuts the
// line down to what CloudWatch accepts rather than losing it; a nil logger emits nothing.
func TestEmitKeepsWithinTheLimits(t *testing.T) {
	log, buf := capture()
	var dims []Dim
	for i := range 40 {
		dims = append(dims, Dim{fmt.Sprintf("d%d", i), "x"})
	}
	var values []Value
	for i := range 120 {
		values = append(values, Value{fmt.Sprintf("M%d", i), i})
	}
	Emit(context.Background(), log, dims, values...)
	got, gotDims, err := validEMF(bytes.TrimSpace(buf.Bytes()))
	if err != nil || len(got) != 100 || len(gotDims) != 30 {
		t.Fatalf("%d metrics, %d dimensions, %v", len(got), len(gotDims), err)
	}
	Emit(context.Background(), nil, dims, values...) // no panic
}
