package template

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func loadRepoTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestTracingIsOffUnlessAsked: with no tracing SDK linked, Active tracing would only pay for what
// the REPORT lines already say; the Tracing parameter turns it on.
func TestTracingIsOffUnlessAsked(t *testing.T) {
	tpl := loadRepoTemplate(t)
	p, ok := tpl.Parameters["Tracing"]
	if !ok || p.Default != "PassThrough" || !slices.Equal(p.AllowedValues, []string{"PassThrough", "Active"}) {
		t.Fatalf("parameter Tracing = %+v, want default PassThrough, allowed PassThrough and Active", p)
	}
	if ref, _ := tpl.FunctionGlobals["Tracing"].(map[string]any); ref["Ref"] != "Tracing" {
		t.Fatalf("Globals.Function.Tracing = %v, want !Ref Tracing", tpl.FunctionGlobals["Tracing"])
	}
}

func TestRepoTemplateOtpFunction(t *testing.T) {
	tpl := loadRepoTemplate(t)
	fn, ok := tpl.Function("OtpFunction")
	if !ok {
		t.Fatal("no OtpFunction")
	}
	if fn.Dir != "functions/otp" {
		t.Errorf("Dir = %q, want functions/otp", fn.Dir)
	}
	if fn.MemoryMB != 256 || fn.Timeout != 10*time.Second || fn.Handler != "bootstrap" {
		t.Errorf("MemoryMB %d Timeout %v Handler %q, want 256 10s bootstrap", fn.MemoryMB, fn.Timeout, fn.Handler)
	}
	if fn.LogFormat != "JSON" || fn.ApplicationLogLevel != "INFO" {
		t.Errorf("logging = %q %q, want JSON INFO", fn.LogFormat, fn.ApplicationLogLevel)
	}
	var routes []string
	for _, r := range fn.Routes {
		routes = append(routes, r.Key())
	}
	for _, ev := range fn.Events {
		if ev.HTTP == nil || ev.HTTP.API.LogicalID != "HttpApi" {
			t.Errorf("event %s = %+v, want an HttpApi event on HttpApi", ev.Name, ev.HTTP)
		}
	}
	slices.Sort(routes)
	if want := []string{"POST /v1/otp", "POST /v1/otp/verify"}; !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want %v", routes, want)
	}
	env, err := fn.Environment(Context{Refs: map[string]string{"Table": "wallet-test"}})
	if err != nil {
		t.Fatal(err)
	}
	if env["TABLE_NAME"] != "wallet-test" {
		t.Errorf("TABLE_NAME = %q, want wallet-test", env["TABLE_NAME"])
	}
	if env["SMS_DAILY_BUDGET"] != "10000" || !strings.HasPrefix(env["ALLOWED_REGIONS"], "CN,HK,") {
		t.Errorf("parameter defaults not applied: %v", env)
	}
	if _, ok := env["SMS_SENDER_ID"]; ok {
		t.Errorf("SMS_SENDER_ID = %q, want absent (AWS::NoValue when SmsSenderId is empty)", env["SMS_SENDER_ID"])
	}
	if !IsDynamicReference(env["PEPPER"]) || !strings.Contains(env["PEPPER"], "wallet-accounts/pepper") {
		t.Errorf("PEPPER = %q, want the secretsmanager dynamic reference", env["PEPPER"])
	}
}

func TestRepoTemplateParameterOverride(t *testing.T) {
	fn, _ := loadRepoTemplate(t).Function("OtpFunction")
	env, err := fn.Environment(Context{
		Refs:       map[string]string{"Table": "x"},
		Parameters: map[string]string{"SmsSenderId": "Wallet"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if env["SMS_SENDER_ID"] != "Wallet" {
		t.Errorf("SMS_SENDER_ID = %q, want Wallet (!If HasSenderId)", env["SMS_SENDER_ID"])
	}
}

func TestRepoTemplateUnresolvedTableRef(t *testing.T) {
	fn, _ := loadRepoTemplate(t).Function("OtpFunction")
	_, err := fn.Environment(Context{})
	if err == nil || !strings.Contains(err.Error(), "Ref Table") {
		t.Fatalf("err = %v, want one naming Ref Table", err)
	}
}

func TestRepoTemplateTable(t *testing.T) {
	tb, err := loadRepoTemplate(t).Table()
	if err != nil {
		t.Fatal(err)
	}
	if tb.LogicalID != "Table" || tb.TTLAttribute != "expiresAt" || tb.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("table = %+v", tb)
	}
	in := tb.CreateTableInput("t1")
	if aws.ToString(in.TableName) != "t1" || in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("name %q billing %q", aws.ToString(in.TableName), in.BillingMode)
	}
	if got := keys(in.KeySchema); got != "PK:HASH,SK:RANGE" {
		t.Errorf("keys = %s", got)
	}
	if len(in.AttributeDefinitions) != 4 {
		t.Errorf("attribute definitions = %d, want 4", len(in.AttributeDefinitions))
	}
	if len(in.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("GSIs = %d, want 1", len(in.GlobalSecondaryIndexes))
	}
	g := in.GlobalSecondaryIndexes[0]
	if aws.ToString(g.IndexName) != "GSI1" || keys(g.KeySchema) != "GSI1PK:HASH,GSI1SK:RANGE" ||
		g.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
		t.Errorf("GSI1 = %s %s %s", aws.ToString(g.IndexName), keys(g.KeySchema), g.Projection.ProjectionType)
	}
	if s := in.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || s.StreamViewType != types.StreamViewTypeNewAndOldImages {
		t.Errorf("stream = %+v", s)
	}
	if in2 := tb.CreateTableInput("t2"); &in2.KeySchema[0] == &in.KeySchema[0] {
		t.Error("CreateTableInput shares slices between calls")
	}
}

func keys(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	return strings.Join(parts, ",")
}

const eventsTemplate = `
Parameters:
  Rate: {Type: String, Default: "rate(1 day)"}
Conditions:
  No: !Not [!Equals [1, 1]]
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        G: global
        OVERRIDE: global
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
  Topic:
    Type: AWS::SNS::Topic
  AlertFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          OVERRIDE: local
          ARN: !GetAtt Table.Arn
          LONG: {"Fn::If": [No, {"Ref": "AWS::NoValue"}, "kept"]}
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 25
            MaximumRetryAttempts: 3
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"dynamodb":{"Keys":{"SK":{"S":[{"prefix":"EVENT#"}]}}}}'
                - Pattern: {eventName: [INSERT]}
        Payments:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            FilterPolicy: {type: [large]}
        Nightly:
          Type: Schedule
          Properties:
            Schedule: !Ref Rate
            Input: '{"dryRun":true}'
        Devices:
          Type: HttpApi
          Properties:
            Path: /v1/devices/{deviceId}
            Method: delete
        Fallback:
          Type: HttpApi
`

func TestEventsAndIntrinsics(t *testing.T) {
	tpl, err := Parse([]byte(eventsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	fns := tpl.Functions()
	if len(fns) != 1 {
		t.Fatalf("functions = %d, want 1", len(fns))
	}
	fn := fns[0]
	if fn.Dir != "functions/alert" || fn.Timeout != 5*time.Second {
		t.Errorf("Dir %q Timeout %v", fn.Dir, fn.Timeout)
	}
	env, err := fn.Environment(Context{
		Refs:  map[string]string{"Table": "tbl"},
		Attrs: map[string]string{"Table.Arn": "arn:tbl"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := map[string]string{
		"G": "global", "OVERRIDE": "local", "ARN": "arn:tbl", "LONG": "kept",
	}
	for k, v := range wantEnv {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	byName := map[string]Event{}
	for _, ev := range fn.Events {
		byName[ev.Name] = ev
	}
	s := byName["Stream"].Stream
	if s == nil || s.Stream != (Reference{LogicalID: "Table", Attribute: "StreamArn"}) || s.BatchSize != 25 ||
		s.MaximumRetryAttempts != 3 || !s.ReportsBatchItemFailures() || s.StartingPosition != "TRIM_HORIZON" {
		t.Errorf("stream event = %+v", s)
	}
	if s != nil && (len(s.FilterPatterns) != 2 || s.FilterPatterns[1] != `{"eventName":["INSERT"]}`) {
		t.Errorf("filter patterns = %q", s.FilterPatterns)
	}
	if n := byName["Payments"].SNS; n == nil || n.Topic.LogicalID != "Topic" || n.FilterPolicy != `{"type":["large"]}` {
		t.Errorf("sns event = %+v", n)
	}
	if sc := byName["Nightly"].Schedule; sc == nil || sc.Expression != "rate(1 day)" || sc.Input != `{"dryRun":true}` || !sc.Enabled {
		t.Errorf("schedule event = %+v", sc)
	}
	if h := byName["Devices"].HTTP; h == nil || h.Key() != "DELETE /v1/devices/{deviceId}" {
		t.Errorf("http event = %+v", h)
	}
	if h := byName["Fallback"].HTTP; h == nil || h.Key() != "$default" {
		t.Errorf("fallback event = %+v", h)
	}
}

func TestErrors(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unresolvable env": {`
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {X: !Ref Nowhere}}}}`, "Ref Nowhere"},
		"unknown tag": {`
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Timeout: !Nope 3}}`, "unknown tag !Nope"},
		"unsupported function": {`
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Timeout: {"Fn::ImportValue": x}}}`, "Fn::ImportValue is not supported"},
		"unknown condition": {`
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Timeout: !If [Missing, 1, 2]}}`, `no condition "Missing"`},
		"self-referring condition": {`
Conditions:
  C: !Not [!Equals [!If [C, 1, 2], 1]]
Resources:
  F: {Type: AWS::Serverless::Function, Properties: {Timeout: !If [C, 1, 2]}}`, "refers to itself"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tpl, err := Parse([]byte(c.yaml))
			if err == nil {
				_, err = tpl.Functions()[0].Environment(Context{})
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestFunctionDir(t *testing.T) {
	for id, want := range map[string]string{
		"OtpFunction": "functions/otp", "PhoneChangeFunction": "functions/phonechange", "Closure": "functions/closure",
	} {
		if got := FunctionDir(id); got != want {
			t.Errorf("FunctionDir(%s) = %s, want %s", id, got, want)
		}
	}
}

// TestRepoTemplateFreezeLinkBase: AlertFunction's freeze link base is a parameter, set per stage,
// whose default is the config's own.
func TestRepoTemplateFreezeLinkBase(t *testing.T) {
	fn, ok := loadRepoTemplate(t).Function("AlertFunction")
	if !ok {
		t.Fatal("no AlertFunction")
	}
	for param, want := range map[string]string{"": "https://wallet.example/f/", "https://pay.example.cn/freeze/": "https://pay.example.cn/freeze/"} {
		ctx := Context{Refs: map[string]string{"Table": "x"}}
		if param != "" {
			ctx.Parameters = map[string]string{"FreezeLinkBase": param}
		}
		env, err := fn.Environment(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if env["FREEZE_LINK_BASE"] != want {
			t.Errorf("FreezeLinkBase %q: FREEZE_LINK_BASE = %q, want %q", param, env["FREEZE_LINK_BASE"], want)
		}
	}
}
