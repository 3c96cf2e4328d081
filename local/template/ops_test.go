package template

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/logging"
	"github.com/wallet-accounts/wallet/shared/metrics"
)

// problemCodes are the codes a request can be answered with that mean trouble for the operator,
// each with the error a handler returns to be answered with it, as the flows do.
var problemCodes = map[account.Code]error{
	account.CodeSMSUnavailable:       account.Errorf(account.CodeSMSUnavailable, "the code could not be sent"),
	account.CodeSMSBudgetExhausted:   account.Errorf(account.CodeSMSBudgetExhausted, "no more SMS today"),
	account.CodeEmailUnavailable:     account.Errorf(account.CodeEmailUnavailable, "the email could not be sent"),
	account.CodeEmailBudgetExhausted: account.Errorf(account.CodeEmailBudgetExhausted, "no more email today"),
	account.CodeUnavailable:          fmt.Errorf("read: %w", account.ErrUnavailable),
	account.CodeInternal:             errors.New("a bug"),
}

// resourcesOf returns the logical ids of tpl's resources of type typ, sorted.
func resourcesOf(tpl *Template, typ string) []string {
	var ids []string
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func ref(name string) map[string]any { return map[string]any{"Ref": name} }

func sub(s string) map[string]any { return map[string]any{"Fn::Sub": s} }

// TestEveryFunctionLogsToItsOwnGroupWithRetention: each function is named after the stack and
// logs to a log group the template creates first, /aws/lambda/<its name>, kept LogRetentionDays.
func TestEveryFunctionLogsToItsOwnGroupWithRetention(t *testing.T) {
	tpl := loadRepoTemplate(t)
	if p := tpl.Parameters["LogRetentionDays"]; p.Default != "30" {
		t.Fatalf("LogRetentionDays = %+v, want default 30", p)
	}
	for _, id := range resourcesOf(tpl, FunctionType) {
		props := tpl.Resources[id].Properties
		if !reflect.DeepEqual(props["FunctionName"], sub("${AWS::StackName}-"+id)) {
			t.Errorf("%s: FunctionName %v", id, props["FunctionName"])
		}
		if lg := mapAt(props, "LoggingConfig")["LogGroup"]; !reflect.DeepEqual(lg, ref(id+"LogGroup")) {
			t.Errorf("%s: LoggingConfig.LogGroup %v, want !Ref %sLogGroup", id, lg, id)
		}
		group, ok := tpl.Resources[id+"LogGroup"]
		if !ok || group.Type != "AWS::Logs::LogGroup" ||
			!reflect.DeepEqual(group.Properties["LogGroupName"], sub("/aws/lambda/${AWS::StackName}-"+id)) ||
			!reflect.DeepEqual(group.Properties["RetentionInDays"], ref("LogRetentionDays")) {
			t.Errorf("%sLogGroup: %+v", id, group)
		}
	}
}

// TestAccessLogsKeepNoSecret: both APIs log one JSON line a request, to a group with retention,
// with the route key and never the path (GET /f/{freezeToken}), a query string, a header or an
// authorizer's token.
func TestAccessLogsKeepNoSecret(t *testing.T) {
	tpl := loadRepoTemplate(t)
	apis := resourcesOf(tpl, HTTPAPIType)
	if len(apis) != 2 {
		t.Fatalf("HTTP APIs %v", apis)
	}
	for _, id := range apis {
		s := mapAt(tpl.Resources[id].Properties, "AccessLogSettings")
		if !reflect.DeepEqual(s["DestinationArn"], map[string]any{"Fn::GetAtt": []any{id + "AccessLogs", "Arn"}}) {
			t.Errorf("%s: DestinationArn %v", id, s["DestinationArn"])
		}
		if g := tpl.Resources[id+"AccessLogs"]; !reflect.DeepEqual(g.Properties["RetentionInDays"], ref("LogRetentionDays")) {
			t.Errorf("%sAccessLogs: %+v", id, g)
		}
		format, _ := s["Format"].(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil {
			t.Fatalf("%s: the access log format is not a JSON object of strings: %v: %s", id, err, format)
		}
		if fields["routeKey"] != "$context.routeKey" || fields["status"] != "$context.status" || fields["requestId"] != "$context.requestId" {
			t.Errorf("%s: format lacks the request id, route key or status: %s", id, format)
		}
		for _, v := range fields {
			for _, banned := range []string{"$context.path", "$request.", "header", "querystring", "authorizer", "$context.authorizer"} {
				if strings.Contains(strings.ToLower(v), strings.ToLower(banned)) {
					t.Errorf("%s: access log field %q may hold a secret", id, v)
				}
			}
		}
	}
}

// TestAlarmsNotifyTheAlarmTopic lists the alarms: every function's errors and throttles, each
// problem code, the alert failures queue and the closure job; each notifies AlarmTopicArn when
// one is given.
func TestAlarmsNotifyTheAlarmTopic(t *testing.T) {
	tpl := loadRepoTemplate(t)
	want := map[string][2]string{ // alarm -> namespace, metric
		"AlertFailuresAlarm":     {"AWS/SQS", "ApproximateNumberOfMessagesVisible"},
		"ClosureJobStalledAlarm": {metrics.Namespace, metrics.ClosureRuns},
	}
	for _, fn := range resourcesOf(tpl, FunctionType) {
		want[fn+"ErrorsAlarm"] = [2]string{"AWS/Lambda", "Errors"}
		want[fn+"ThrottlesAlarm"] = [2]string{"AWS/Lambda", "Throttles"}
	}
	for code := range problemCodes {
		want[alarmOf(code)] = [2]string{metrics.Namespace, "ProblemCodes"}
	}
	got := resourcesOf(tpl, "AWS::CloudWatch::Alarm")
	var wantIDs []string
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	slices.Sort(wantIDs)
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("alarms\n%v\nwant\n%v", got, wantIDs)
	}
	actions := map[string]any{"Fn::If": []any{"HasAlarmTopic", []any{ref("AlarmTopicArn")}, ref("AWS::NoValue")}}
	for _, id := range got {
		p := tpl.Resources[id].Properties
		if p["Namespace"] != want[id][0] || p["MetricName"] != want[id][1] {
			t.Errorf("%s watches %v %v, want %v", id, p["Namespace"], p["MetricName"], want[id])
		}
		if !reflect.DeepEqual(p["AlarmActions"], actions) {
			t.Errorf("%s: AlarmActions %v", id, p["AlarmActions"])
		}
		if fn, ok := strings.CutSuffix(id, "ErrorsAlarm"); ok {
			checkDimension(t, id, p, "FunctionName", ref(fn))
		}
		if fn, ok := strings.CutSuffix(id, "ThrottlesAlarm"); ok {
			checkDimension(t, id, p, "FunctionName", ref(fn))
		}
	}
	cond := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{ref("AlarmTopicArn"), ""}}}}
	if !reflect.DeepEqual(tpl.Conditions["HasAlarmTopic"], cond) || tpl.Parameters["AlarmTopicArn"].Default != "" {
		t.Fatalf("HasAlarmTopic %v, AlarmTopicArn %+v", tpl.Conditions["HasAlarmTopic"], tpl.Parameters["AlarmTopicArn"])
	}
	if p := tpl.Resources["ClosureJobStalledAlarm"].Properties; p["Period"] != 3600 || p["EvaluationPeriods"] != 26 ||
		p["DatapointsToAlarm"] != 26 || p["TreatMissingData"] != "breaching" || p["ComparisonOperator"] != "LessThanThreshold" {
		t.Errorf("ClosureJobStalledAlarm does not cover 26 hours with missing data breaching: %v", p)
	}
}

// alarmOf is the alarm of a problem code: sms_unavailable -> SmsUnavailableAlarm.
func alarmOf(code account.Code) string {
	var b strings.Builder
	for _, w := range strings.Split(string(code), "_") {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String() + "Alarm"
}

func checkDimension(t *testing.T, alarm string, props map[string]any, name string, value any) {
	t.Helper()
	want := []any{map[string]any{"Name": name, "Value": value}}
	if !reflect.DeepEqual(props["Dimensions"], want) {
		t.Errorf("%s: Dimensions %v, want %v", alarm, props["Dimensions"], want)
	}
}

// requestLines serves one request whose handler returns err through the router every API
// function uses, logged as awsenv.Boot's logger logs, and returns the lines written.
func requestLines(t *testing.T, err error) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	r := apigw.NewRouter(logging.New(&buf, slog.LevelInfo), map[string]apigw.HandlerFunc{
		"POST /v1/otp": func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			if err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			return events.APIGatewayV2HTTPResponse{StatusCode: 202}, nil
		}})
	req := events.APIGatewayV2HTTPRequest{RouteKey: "POST /v1/otp", RawPath: "/v1/otp",
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "r1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/v1/otp"}}}
	if _, err := r.Handle(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
}

// TestMetricFiltersMatchTheLinesFunctionsWrite: each function's ProblemCodes filter counts the
// request line of every problem code once, with the code as its dimension, and nothing else:
// not the ERROR line logged beside it, not a client's own error, not a success. Every problem
// code alarm watches a code the filters count.
func TestMetricFiltersMatchTheLinesFunctionsWrite(t *testing.T) {
	tpl := loadRepoTemplate(t)
	filters := resourcesOf(tpl, "AWS::Logs::MetricFilter")
	for _, fn := range resourcesOf(tpl, FunctionType) {
		if fn != "ClosureFunction" && !slices.Contains(filters, fn+"ProblemCodes") { // the closure job serves no request
			t.Errorf("%s has no ProblemCodes filter", fn)
		}
	}
	for _, id := range filters {
		p := tpl.Resources[id].Properties
		pattern, _ := p["FilterPattern"].(string)
		if _, err := parseFilter(pattern); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		mt, _ := p["MetricTransformations"].([]any)
		if len(mt) != 1 {
			t.Fatalf("%s: %d transformations", id, len(mt))
		}
		tr, _ := mt[0].(map[string]any)
		dim := []any{map[string]any{"Key": "code", "Value": "$.code"}}
		if tr["MetricNamespace"] != metrics.Namespace || tr["MetricName"] != "ProblemCodes" || tr["MetricValue"] != "1" ||
			!reflect.DeepEqual(tr["Dimensions"], dim) {
			t.Fatalf("%s: transformation %v", id, tr)
		}
		for code, err := range problemCodes {
			counted := countedCodes(t, pattern, requestLines(t, err))
			if !slices.Equal(counted, []string{string(code)}) {
				t.Errorf("%s: a request answered %s is counted as %v", id, code, counted)
			}
			a := tpl.Resources[alarmOf(code)].Properties
			checkDimension(t, alarmOf(code), a, "code", string(code))
		}
		for _, err := range []error{nil, account.Errorf(account.CodeInvalidCode, "wrong code"), account.Errorf(account.CodeLocked, "locked")} {
			if counted := countedCodes(t, pattern, requestLines(t, err)); len(counted) != 0 {
				t.Errorf("%s: a request answered %v is counted as %v", id, err, counted)
			}
		}
	}
}

// countedCodes is the code dimension of each line pattern matches.
func countedCodes(t *testing.T, pattern string, lines [][]byte) []string {
	t.Helper()
	var codes []string
	for _, line := range lines {
		ok, err := matchFilter(pattern, line)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			var doc map[string]any
			_ = json.Unmarshal(line, &doc)
			code, _ := doc["code"].(string)
			codes = append(codes, code)
		}
	}
	return codes
}

// TestClosureAlarmWatchesTheMetricTheJobWrites: the closure alarm's metric and dimension are
// those of the EMF line the job writes when a run is complete.
func TestClosureAlarmWatchesTheMetricTheJobWrites(t *testing.T) {
	tpl := loadRepoTemplate(t)
	var buf bytes.Buffer
	metrics.ClosureRun(context.Background(), logging.New(&buf, slog.LevelInfo), metrics.RunComplete, 0, 0)
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name string }
			}
		} `json:"_aws"`
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || len(line.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	d := line.AWS.CloudWatchMetrics[0]
	a := tpl.Resources["ClosureJobStalledAlarm"].Properties
	if a["Namespace"] != d.Namespace || !slices.ContainsFunc(d.Metrics, func(m struct{ Name string }) bool { return m.Name == a["MetricName"] }) ||
		!reflect.DeepEqual(d.Dimensions, [][]string{{metrics.DimOutcome}}) {
		t.Fatalf("alarm %v %v; the job writes %+v", a["Namespace"], a["MetricName"], d)
	}
	checkDimension(t, "ClosureJobStalledAlarm", a, metrics.DimOutcome, line.Outcome)
}
