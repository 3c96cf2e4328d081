package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/template"
)

// view is what one function is, as the local reader derives it and as the SAM transform's
// CloudFormation resources say it: the two must be equal.
type view struct {
	Runtime, Handler                               string
	Architectures                                  []string
	MemoryMB, TimeoutS                             int
	LogFormat, ApplicationLogLevel, SystemLogLevel string
	Env                                            map[string]string
	// Routes: "<api> <route key> payload=<version> iam=<bool>".
	Routes []string
	// Streams, Topics and Schedules: each event source as one line of its settings.
	Streams, Topics, Schedules []string
	Policies                   []template.Statement
}

// TestSAMTransformAgreesWithLocalReader runs the official SAM transform over template.yaml and
// compares, per function, what it deploys with what the local stack reads from the same file.
func TestSAMTransformAgreesWithLocalReader(t *testing.T) {
	local, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfn := samTransform(t, "../../template.yaml")
	ctx := symbolicContext(local)
	sam, err := samViews(cfn, ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fn := range local.Functions() {
		names = append(names, fn.LogicalID)
		want, ok := sam[fn.LogicalID]
		if !ok {
			t.Errorf("%s: the SAM transform gives no AWS::Lambda::Function of that name", fn.LogicalID)
			continue
		}
		got, err := localView(local, fn, ctx)
		if err != nil {
			t.Fatal(err)
		}
		compareViews(t, fn.LogicalID, got, want)
		t.Logf("%s: %d variables, %d routes, %d streams, %d topics, %d schedules, %d policy statements",
			fn.LogicalID, len(got.Env), len(got.Routes), len(got.Streams), len(got.Topics), len(got.Schedules), len(got.Policies))
	}
	for id := range sam {
		if !slices.Contains(names, id) {
			t.Errorf("%s: the SAM transform deploys it, the local reader does not read it", id)
		}
	}
}

// samTransform runs sam_translate.py and parses the CloudFormation it prints.
func samTransform(t *testing.T, path string) *template.Template {
	t.Helper()
	if err := exec.Command("python3", "-c", "import samtranslator").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 with samtranslator (installed with cfn-lint by make deps): %v", err)
		}
		t.Skipf("needs python3 with samtranslator (pip install cfn-lint): %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("python3", "sam_translate.py", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sam_translate.py: %v\n%s", err, stderr.String())
	}
	cfn, err := template.Parse(out)
	if err != nil {
		t.Fatalf("the transformed template: %v", err)
	}
	return cfn
}

// symbolicContext names every resource by itself ("ref:Table", "Table.Arn"), so both sides
// evaluate to the same strings without any stack.
func symbolicContext(tpl *template.Template) template.Context {
	ctx := template.Context{Refs: map[string]string{"AWS::AccountId": "123456789012", "AWS::StackName": "stack"},
		Attrs: map[string]string{}}
	for id := range tpl.Resources {
		ctx.Refs[id] = "ref:" + id
		for _, attr := range []string{"Arn", "StreamArn", "TopicArn", "QueueUrl"} {
			ctx.Attrs[id+"."+attr] = id + "." + attr
		}
	}
	return ctx
}

func localView(tpl *template.Template, fn template.Function, ctx template.Context) (view, error) {
	v := view{Runtime: fn.Runtime, Handler: fn.Handler, Architectures: fn.Architectures, MemoryMB: fn.MemoryMB,
		TimeoutS: int(fn.Timeout.Seconds()), LogFormat: fn.LogFormat, ApplicationLogLevel: fn.ApplicationLogLevel,
		SystemLogLevel: fn.SystemLogLevel}
	var err error
	if v.Env, err = fn.Environment(ctx); err != nil {
		return v, err
	}
	if v.Policies, err = fn.Policies(ctx); err != nil {
		return v, err
	}
	for _, ev := range fn.Events {
		switch {
		case ev.HTTP != nil:
			api := ev.HTTP.API.LogicalID
			if api == "" {
				api = "ServerlessHttpApi" // the implicit API's logical id
			}
			v.Routes = append(v.Routes, routeLine(api, ev.HTTP.Key(), ev.HTTP.PayloadFormatVersion, tpl.IAMAuthorized(api)))
		case ev.Stream != nil:
			s := ev.Stream
			v.Streams = append(v.Streams, streamLine(refName(s.Stream), s.StartingPosition, s.BatchSize,
				int(s.MaximumBatchingWindow.Seconds()), s.MaximumRetryAttempts, s.BisectBatchOnFunctionError,
				s.Enabled, s.FunctionResponseTypes, s.FilterPatterns))
		case ev.SNS != nil:
			v.Topics = append(v.Topics, topicLine(refName(ev.SNS.Topic), ev.SNS.FilterPolicy, ev.SNS.FilterPolicyScope))
		case ev.Schedule != nil:
			v.Schedules = append(v.Schedules, scheduleLine(ev.Schedule.Expression, ev.Schedule.Enabled, ev.Schedule.Input))
		default:
			return v, fmt.Errorf("%s: event %s of type %s: no comparison for it yet", fn.LogicalID, ev.Name, ev.Type)
		}
	}
	v.sort()
	return v, nil
}

func refName(r template.Reference) string {
	switch {
	case r.Attribute != "":
		return r.LogicalID + "." + r.Attribute
	case r.LogicalID != "":
		return r.LogicalID
	default:
		return r.Literal
	}
}

func routeLine(api, key, payload string, iam bool) string {
	return fmt.Sprintf("%s %s payload=%s iam=%v", api, key, payload, iam)
}

func streamLine(source, start string, batch, window, retries int, bisect, enabled bool, responses, filters []string) string {
	norm := make([]string, len(filters))
	for i, f := range filters {
		norm[i] = normalJSON(f)
	}
	return fmt.Sprintf("%s start=%s batch=%d window=%ds retries=%d bisect=%v enabled=%v responses=%v filters=%v",
		source, start, batch, window, retries, bisect, enabled, responses, norm)
}

func topicLine(topic, filter, scope string) string {
	return fmt.Sprintf("%s filter=%s scope=%s", topic, normalJSON(filter), scope)
}

func scheduleLine(expr string, enabled bool, input string) string {
	return fmt.Sprintf("%s enabled=%v input=%s", expr, enabled, normalJSON(input))
}

// normalJSON re-encodes a JSON document, so that spacing and key order do not count.
func normalJSON(s string) string {
	var v any
	if s == "" || json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (v *view) sort() {
	sort.Strings(v.Routes)
	sort.Strings(v.Streams)
	sort.Strings(v.Topics)
	sort.Strings(v.Schedules)
}

func compareViews(t *testing.T, id string, got, want view) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) && !(isEmpty(gv.Field(i)) && isEmpty(wv.Field(i))) {
			t.Errorf("%s %s:\n  local reader  %v\n  SAM transform %v", id, name, g, w)
		}
	}
}

func isEmpty(v reflect.Value) bool {
	return (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0
}

// samViews reads the transformed template: each AWS::Lambda::Function with its role's
// policies, and the event sources and routes that name it.
func samViews(cfn *template.Template, ctx template.Context) (map[string]view, error) {
	views := map[string]view{}
	for _, id := range cfn.ResourcesOfType("AWS::Lambda::Function") {
		v, err := samFunction(cfn, ctx, cfn.Resources[id].Properties)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		views[id] = v
	}
	add := func(fn string, f func(v *view)) error {
		v, ok := views[fn]
		if !ok {
			return fmt.Errorf("an event source names %q, which is no function", fn)
		}
		f(&v)
		views[fn] = v
		return nil
	}
	for id, r := range cfn.Resources {
		var err error
		switch r.Type {
		case "AWS::ApiGatewayV2::Api":
			err = samRoutes(id, r.Properties, add)
		case "AWS::Lambda::EventSourceMapping":
			err = samStream(r.Properties, add)
		case "AWS::SNS::Subscription":
			err = samTopic(r.Properties, add)
		case "AWS::Events::Rule", "AWS::Scheduler::Schedule":
			err = samSchedule(r.Type, r.Properties, add)
		case "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration":
			err = fmt.Errorf("%s: routes as resources are not compared yet (only an OpenAPI Body)", r.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
	}
	for id, v := range views {
		v.sort()
		views[id] = v
	}
	return views, nil
}

func samFunction(cfn *template.Template, ctx template.Context, p map[string]any) (view, error) {
	v := view{MemoryMB: 128, TimeoutS: 3} // Lambda's defaults, which SAM leaves unset
	v.Runtime, _ = p["Runtime"].(string)
	v.Handler, _ = p["Handler"].(string)
	for _, a := range list(p["Architectures"]) {
		v.Architectures = append(v.Architectures, fmt.Sprint(a))
	}
	if n, ok := number(p["MemorySize"]); ok {
		v.MemoryMB = n
	}
	if n, ok := number(p["Timeout"]); ok {
		v.TimeoutS = n
	}
	logging, _ := p["LoggingConfig"].(map[string]any)
	v.LogFormat, _ = logging["LogFormat"].(string)
	v.ApplicationLogLevel, _ = logging["ApplicationLogLevel"].(string)
	v.SystemLogLevel, _ = logging["SystemLogLevel"].(string)
	vars, _ := dig(p, "Environment", "Variables").(map[string]any)
	var err error
	if v.Env, err = cfn.Variables(ctx, vars); err != nil {
		return v, err
	}
	role, _ := getAtt(p["Role"])
	r, ok := cfn.Resources[role]
	if !ok {
		return v, fmt.Errorf("role %v is not a resource of the template", p["Role"])
	}
	for _, pol := range list(r.Properties["Policies"]) {
		m, _ := pol.(map[string]any)
		// SAM names the template's own Policies <Role>Policy<N>; the others are the ones it adds
		// for event sources and destinations (e.g. sqs:SendMessage to an on-failure queue),
		// which the local reader does not claim to read.
		name, _ := m["PolicyName"].(string)
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(role) + `Policy\d+$`).MatchString(name) {
			continue
		}
		stmts, err := cfn.Statements(ctx, dig(m, "PolicyDocument", "Statement"))
		if err != nil {
			return v, fmt.Errorf("%s: %w", name, err)
		}
		v.Policies = append(v.Policies, stmts...)
	}
	return v, nil
}

// integrationFunction finds the function in an integration URI's Fn::Sub:
// arn:${AWS::Partition}:apigateway:...:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations.
var integrationFunction = regexp.MustCompile(`/functions/\$\{(\w+)\.Arn\}/invocations$`)

func samRoutes(api string, p map[string]any, add func(string, func(*view)) error) error {
	paths, _ := dig(p, "Body", "paths").(map[string]any)
	if p["Body"] == nil {
		return fmt.Errorf("an API without an inline OpenAPI Body is not compared yet")
	}
	for path, ops := range paths {
		methods, _ := ops.(map[string]any)
		for method, op := range methods {
			if method == "parameters" {
				continue
			}
			o, _ := op.(map[string]any)
			integ, _ := o["x-amazon-apigateway-integration"].(map[string]any)
			sub, _ := dig(integ, "uri", "Fn::Sub").(string)
			m := integrationFunction.FindStringSubmatch(sub)
			if m == nil {
				return fmt.Errorf("%s %s: integration %v names no function", method, path, integ["uri"])
			}
			key := strings.ToUpper(method) + " " + path
			if method == "x-amazon-apigateway-any-method" {
				key = "ANY " + path
			}
			if path == "$default" {
				key = "$default"
			}
			iam := false
			for _, s := range list(o["security"]) {
				if _, ok := s.(map[string]any)["AWS_IAM"]; ok {
					iam = true
				}
			}
			payload, _ := integ["payloadFormatVersion"].(string)
			line := routeLine(api, key, payload, iam)
			if err := add(m[1], func(v *view) { v.Routes = append(v.Routes, line) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func samStream(p map[string]any, add func(string, func(*view)) error) error {
	fn, _ := ref(p["FunctionName"])
	id, attr := getAtt(p["EventSourceArn"])
	batch := intOr(p["BatchSize"], 100)
	window := intOr(p["MaximumBatchingWindowInSeconds"], 0)
	retries := intOr(p["MaximumRetryAttempts"], -1)
	bisect, _ := p["BisectBatchOnFunctionError"].(bool)
	enabled := true
	if e, ok := p["Enabled"].(bool); ok {
		enabled = e
	}
	var responses, filters []string
	for _, r := range list(p["FunctionResponseTypes"]) {
		responses = append(responses, fmt.Sprint(r))
	}
	for _, f := range list(dig(p, "FilterCriteria", "Filters")) {
		pattern, _ := f.(map[string]any)["Pattern"].(string)
		filters = append(filters, pattern)
	}
	start, _ := p["StartingPosition"].(string)
	line := streamLine(id+"."+attr, start, batch, window, retries, bisect, enabled, responses, filters)
	return add(fn, func(v *view) { v.Streams = append(v.Streams, line) })
}

func samTopic(p map[string]any, add func(string, func(*view)) error) error {
	fn, _ := getAtt(p["Endpoint"])
	if p["Protocol"] != "lambda" {
		return nil
	}
	topic, _ := ref(p["TopicArn"])
	filter := ""
	if f, ok := p["FilterPolicy"]; ok {
		b, _ := json.Marshal(f)
		filter = string(b)
	}
	scope, _ := p["FilterPolicyScope"].(string)
	line := topicLine(topic, filter, scope)
	return add(fn, func(v *view) { v.Topics = append(v.Topics, line) })
}

func samSchedule(typ string, p map[string]any, add func(string, func(*view)) error) error {
	expr, _ := p["ScheduleExpression"].(string)
	state, _ := p["State"].(string)
	targets := list(p["Targets"])
	if typ == "AWS::Scheduler::Schedule" {
		targets = []any{p["Target"]}
	}
	for _, tg := range targets {
		m, _ := tg.(map[string]any)
		fn, _ := getAtt(m["Arn"])
		input, _ := m["Input"].(string)
		line := scheduleLine(expr, state != "DISABLED", input)
		if err := add(fn, func(v *view) { v.Schedules = append(v.Schedules, line) }); err != nil {
			return err
		}
	}
	return nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func ref(v any) (string, bool) {
	s, ok := dig(v, "Ref").(string)
	return s, ok
}

func getAtt(v any) (id, attr string) {
	parts := list(dig(v, "Fn::GetAtt"))
	if len(parts) != 2 {
		return "", ""
	}
	return fmt.Sprint(parts[0]), fmt.Sprint(parts[1])
}

func number(v any) (int, bool) {
	n, err := strconv.Atoi(fmt.Sprint(v))
	return n, v != nil && err == nil
}

func intOr(v any, def int) int {
	if n, ok := number(v); ok {
		return n
	}
	return def
}
