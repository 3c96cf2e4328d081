package template

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// FunctionType is the resource type of a SAM function.
const FunctionType = "AWS::Serverless::Function"

// Function is one AWS::Serverless::Function with Globals.Function merged in. Its scalar
// properties are evaluated with parameter defaults when the template is parsed; its
// environment is evaluated on demand, in a Context (see Environment).
type Function struct {
	LogicalID string
	// Dir is the function's package, relative to the repository root and slash-separated:
	// "functions/" + the logical id without its "Function" suffix, lowercased
	// (OtpFunction -> functions/otp, PhoneChangeFunction -> functions/phonechange).
	Dir           string
	Runtime       string
	Handler       string
	Architectures []string
	MemoryMB      int
	Timeout       time.Duration
	// LogFormat, ApplicationLogLevel and SystemLogLevel are the LoggingConfig.
	LogFormat, ApplicationLogLevel, SystemLogLevel string
	// Events are the function's event sources, sorted by name.
	Events []Event
	// Routes are the HttpApi events' routes, in the order of Events.
	Routes []Route

	tpl      *Template
	vars     map[string]any // Environment.Variables, merged, unevaluated
	policies any            // Policies, unevaluated (see Policies)
}

// Route is one HttpApi route of a function.
type Route struct {
	// Method is upper case; "ANY" matches every method. Method and Path are both empty for
	// the $default route.
	Method string
	// Path may hold {name} segments and a final greedy {name+}.
	Path string
	// Event is the name of the event that declares the route.
	Event string
}

// Key is API Gateway's route key: "POST /v1/otp", or "$default".
func (r Route) Key() string {
	if r.Method == "" && r.Path == "" {
		return "$default"
	}
	return r.Method + " " + r.Path
}

// Environment returns the function's environment variables (Globals' overlaid with its own)
// evaluated in ctx: ctx.Refs must name what the variables reference (e.g. "Table"). A
// variable whose value is !Ref AWS::NoValue is absent; a dynamic reference
// ({{resolve:...}}) is left as written for the caller to replace (see IsDynamicReference).
func (f Function) Environment(ctx Context) (map[string]string, error) {
	if f.tpl == nil {
		return map[string]string{}, nil
	}
	env, err := newEvaluator(f.tpl, ctx).environment(f.vars)
	if err != nil {
		return nil, fmt.Errorf("function %s: Environment: %w", f.LogicalID, err)
	}
	return env, nil
}

// Variables evaluates an Environment.Variables mapping found elsewhere in t (a transformed
// template's AWS::Lambda::Function) in ctx, as Environment evaluates a function's.
func (t *Template) Variables(ctx Context, vars map[string]any) (map[string]string, error) {
	return newEvaluator(t, ctx).environment(vars)
}

// FunctionDir returns the package directory of the function with logical id id.
func FunctionDir(id string) string {
	return path.Join("functions", strings.ToLower(strings.TrimSuffix(id, "Function")))
}

// Event types the local stack knows.
const (
	EventHTTPAPI    = "HttpApi"
	EventDynamoDB   = "DynamoDB"
	EventSNS        = "SNS"
	EventSchedule   = "Schedule"
	EventScheduleV2 = "ScheduleV2"
)

// Event is one entry of a function's Events. Exactly one of HTTP, Stream, SNS and Schedule
// is set for the types above; other types keep only Name, Type and Properties.
type Event struct {
	Name, Type string
	HTTP       *HTTPEvent
	Stream     *StreamEvent
	SNS        *SNSEvent
	Schedule   *ScheduleEvent
	// Properties are the event's properties as read (unevaluated).
	Properties map[string]any
}

// HTTPEvent is an HttpApi event: one route.
type HTTPEvent struct {
	Route
	// API names the AWS::Serverless::HttpApi (empty: the implicit one).
	API                  Reference
	PayloadFormatVersion string
}

// StreamEvent is a DynamoDB stream event source mapping.
type StreamEvent struct {
	// Stream names the table whose stream is read (!GetAtt Table.StreamArn).
	Stream           Reference
	StartingPosition string
	BatchSize        int
	// MaximumBatchingWindow is how long records may be gathered before a batch is sent.
	MaximumBatchingWindow time.Duration
	// MaximumRetryAttempts is -1 (the default) for retry until the record expires.
	MaximumRetryAttempts       int
	BisectBatchOnFunctionError bool
	// FunctionResponseTypes holds "ReportBatchItemFailures" when the function answers with
	// partial batch failures.
	FunctionResponseTypes []string
	// FilterPatterns are the FilterCriteria patterns, each a JSON document.
	FilterPatterns []string
	Enabled        bool
}

// ReportsBatchItemFailures reports whether the function answers with partial batch failures.
func (s StreamEvent) ReportsBatchItemFailures() bool {
	for _, t := range s.FunctionResponseTypes {
		if t == "ReportBatchItemFailures" {
			return true
		}
	}
	return false
}

// SNSEvent is an SNS topic subscription.
type SNSEvent struct {
	Topic Reference
	// FilterPolicy is the subscription filter policy as JSON, or "".
	FilterPolicy      string
	FilterPolicyScope string
}

// ScheduleEvent is an EventBridge schedule (Schedule or ScheduleV2).
type ScheduleEvent struct {
	// Expression is "rate(...)" or "cron(...)".
	Expression string
	// Input is the JSON the function receives instead of the scheduled event, or "".
	Input   string
	Name    string
	Enabled bool
}

// Reference names another resource of the template by LogicalID (with Attribute for
// !GetAtt), or holds a literal value such as an ARN.
type Reference struct {
	LogicalID, Attribute string
	Literal              string
}

// Functions returns every AWS::Serverless::Function, sorted by logical id.
func (t *Template) Functions() []Function {
	return append([]Function(nil), t.functions...)
}

// Function returns the function with logical id id.
func (t *Template) Function(id string) (Function, bool) {
	for _, fn := range t.functions {
		if fn.LogicalID == id {
			return fn, true
		}
	}
	return Function{}, false
}

// parseFunctions reads every function, evaluating with parameter defaults.
func (t *Template) parseFunctions() ([]Function, error) {
	e := newEvaluator(t, Context{})
	var fns []Function
	for _, id := range t.ResourcesOfType(FunctionType) {
		fn, err := e.function(t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		fns = append(fns, fn)
	}
	return fns, nil
}

func (e *evaluator) function(r Resource) (Function, error) {
	props := mergeGlobals(e.t.FunctionGlobals, r.Properties)
	fn := Function{LogicalID: r.LogicalID, Dir: FunctionDir(r.LogicalID), MemoryMB: 128, Timeout: 3 * time.Second,
		tpl: e.t, vars: mapAt(mapAt(props, "Environment"), "Variables"), policies: props["Policies"]}
	var err error
	if fn.Runtime, err = e.optString(props, "Runtime"); err != nil {
		return fn, err
	}
	if fn.Handler, err = e.optString(props, "Handler"); err != nil {
		return fn, err
	}
	if fn.Architectures, err = e.optStrings(props, "Architectures"); err != nil {
		return fn, err
	}
	if n, ok, err := e.optInt(props, "MemorySize"); err != nil {
		return fn, err
	} else if ok {
		fn.MemoryMB = n
	}
	if n, ok, err := e.optInt(props, "Timeout"); err != nil {
		return fn, err
	} else if ok {
		fn.Timeout = time.Duration(n) * time.Second
	}
	logging := mapAt(props, "LoggingConfig")
	if fn.LogFormat, err = e.optString(logging, "LogFormat"); err != nil {
		return fn, err
	}
	if fn.ApplicationLogLevel, err = e.optString(logging, "ApplicationLogLevel"); err != nil {
		return fn, err
	}
	if fn.SystemLogLevel, err = e.optString(logging, "SystemLogLevel"); err != nil {
		return fn, err
	}
	events := mapAt(props, "Events")
	for _, name := range sortedKeys(events) {
		ev, err := e.event(name, events[name])
		if err != nil {
			return fn, fmt.Errorf("event %s: %w", name, err)
		}
		fn.Events = append(fn.Events, ev)
		if ev.HTTP != nil {
			fn.Routes = append(fn.Routes, ev.HTTP.Route)
		}
	}
	return fn, nil
}

func (e *evaluator) environment(vars map[string]any) (map[string]string, error) {
	env := make(map[string]string, len(vars))
	for _, k := range sortedKeys(vars) {
		v, err := e.eval(vars[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if _, drop := v.(noValueType); drop {
			continue
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		env[k] = s
	}
	return env, nil
}

func (e *evaluator) event(name string, v any) (Event, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Event{}, fmt.Errorf("want a mapping, got %T", v)
	}
	ev := Event{Name: name, Properties: mapAt(m, "Properties")}
	ev.Type, _ = m["Type"].(string)
	var err error
	switch ev.Type {
	case EventHTTPAPI:
		ev.HTTP, err = e.httpEvent(name, ev.Properties)
	case EventDynamoDB:
		ev.Stream, err = e.streamEvent(ev.Properties)
	case EventSNS:
		ev.SNS, err = e.snsEvent(ev.Properties)
	case EventSchedule, EventScheduleV2:
		ev.Schedule, err = e.scheduleEvent(ev.Type, ev.Properties)
	case "":
		err = fmt.Errorf("no Type")
	}
	return ev, err
}

func (e *evaluator) httpEvent(name string, p map[string]any) (*HTTPEvent, error) {
	h := &HTTPEvent{PayloadFormatVersion: "2.0"}
	h.Event = name
	var err error
	if h.Path, err = e.optString(p, "Path"); err != nil {
		return nil, err
	}
	if h.Method, err = e.optString(p, "Method"); err != nil {
		return nil, err
	}
	h.Method = strings.ToUpper(h.Method)
	if h.Method == "*" {
		h.Method = "ANY"
	}
	if h.Path != "" && h.Method == "" {
		h.Method = "ANY"
	}
	if h.Path != "" && !strings.HasPrefix(h.Path, "/") {
		return nil, fmt.Errorf("Path %q must start with /", h.Path)
	}
	if v, ok := p["ApiId"]; ok {
		if h.API, err = e.reference(v); err != nil {
			return nil, fmt.Errorf("ApiId: %w", err)
		}
	}
	if v, err := e.optString(p, "PayloadFormatVersion"); err != nil {
		return nil, err
	} else if v != "" {
		h.PayloadFormatVersion = v
	}
	return h, nil
}

func (e *evaluator) streamEvent(p map[string]any) (*StreamEvent, error) {
	s := &StreamEvent{BatchSize: 100, MaximumRetryAttempts: -1, Enabled: true}
	var err error
	if s.Stream, err = e.reference(p["Stream"]); err != nil {
		return nil, fmt.Errorf("Stream: %w", err)
	}
	if s.StartingPosition, err = e.optString(p, "StartingPosition"); err != nil {
		return nil, err
	}
	if n, ok, err := e.optInt(p, "BatchSize"); err != nil {
		return nil, err
	} else if ok {
		s.BatchSize = n
	}
	if n, ok, err := e.optInt(p, "MaximumBatchingWindowInSeconds"); err != nil {
		return nil, err
	} else if ok {
		s.MaximumBatchingWindow = time.Duration(n) * time.Second
	}
	if n, ok, err := e.optInt(p, "MaximumRetryAttempts"); err != nil {
		return nil, err
	} else if ok {
		s.MaximumRetryAttempts = n
	}
	if s.BisectBatchOnFunctionError, err = e.optBool(p, "BisectBatchOnFunctionError", false); err != nil {
		return nil, err
	}
	if s.Enabled, err = e.optBool(p, "Enabled", true); err != nil {
		return nil, err
	}
	if s.FunctionResponseTypes, err = e.optStrings(p, "FunctionResponseTypes"); err != nil {
		return nil, err
	}
	filters, _ := mapAt(p, "FilterCriteria")["Filters"].([]any)
	for i, f := range filters {
		fm, _ := f.(map[string]any)
		pattern, err := e.jsonString(fm["Pattern"])
		if err != nil {
			return nil, fmt.Errorf("FilterCriteria.Filters[%d].Pattern: %w", i, err)
		}
		s.FilterPatterns = append(s.FilterPatterns, pattern)
	}
	return s, nil
}

func (e *evaluator) snsEvent(p map[string]any) (*SNSEvent, error) {
	s := &SNSEvent{}
	var err error
	if s.Topic, err = e.reference(p["Topic"]); err != nil {
		return nil, fmt.Errorf("Topic: %w", err)
	}
	if v, ok := p["FilterPolicy"]; ok {
		if s.FilterPolicy, err = e.jsonString(v); err != nil {
			return nil, fmt.Errorf("FilterPolicy: %w", err)
		}
	}
	if s.FilterPolicyScope, err = e.optString(p, "FilterPolicyScope"); err != nil {
		return nil, err
	}
	return s, nil
}

func (e *evaluator) scheduleEvent(typ string, p map[string]any) (*ScheduleEvent, error) {
	s := &ScheduleEvent{Enabled: true}
	key := "Schedule"
	if typ == EventScheduleV2 {
		key = "ScheduleExpression"
	}
	var err error
	if s.Expression, err = e.optString(p, key); err != nil {
		return nil, err
	}
	if s.Expression == "" {
		return nil, fmt.Errorf("no %s", key)
	}
	if s.Input, err = e.optString(p, "Input"); err != nil {
		return nil, err
	}
	if s.Name, err = e.optString(p, "Name"); err != nil {
		return nil, err
	}
	if s.Enabled, err = e.optBool(p, "Enabled", true); err != nil {
		return nil, err
	}
	if state, err := e.optString(p, "State"); err != nil {
		return nil, err
	} else if state != "" {
		s.Enabled = state == "ENABLED"
	}
	return s, nil
}

// reference reads a !Ref or !GetAtt naming a resource without evaluating it; anything else
// is evaluated to a literal.
func (e *evaluator) reference(v any) (Reference, error) {
	if v == nil {
		return Reference{}, fmt.Errorf("missing")
	}
	name, arg, ok := intrinsic(v)
	switch {
	case ok && name == "Ref":
		if id, isString := arg.(string); isString {
			if _, isResource := e.t.Resources[id]; isResource {
				return Reference{LogicalID: id}, nil
			}
		}
	case ok && name == "Fn::GetAtt":
		if parts, isList := arg.([]any); isList && len(parts) == 2 {
			id, _ := parts[0].(string)
			attr, _ := parts[1].(string)
			if _, isResource := e.t.Resources[id]; isResource && attr != "" {
				return Reference{LogicalID: id, Attribute: attr}, nil
			}
		}
	}
	s, err := e.evalString(v)
	if err != nil {
		return Reference{}, err
	}
	return Reference{Literal: s}, nil
}

// jsonString evaluates v and renders it as JSON, unless it already is a (JSON) string.
func (e *evaluator) jsonString(v any) (string, error) {
	if v == nil {
		return "", fmt.Errorf("missing")
	}
	r, err := e.eval(v)
	if err != nil {
		return "", err
	}
	if s, ok := r.(string); ok {
		if !json.Valid([]byte(s)) {
			return "", fmt.Errorf("not JSON: %q", s)
		}
		return s, nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("render JSON: %w", err)
	}
	return string(b), nil
}

func (e *evaluator) optString(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", nil
	}
	s, err := e.evalString(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return s, nil
}

func (e *evaluator) optInt(m map[string]any, key string) (int, bool, error) {
	s, err := e.optString(m, key)
	if err != nil || s == "" {
		return 0, false, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", key, err)
	}
	return n, true, nil
}

func (e *evaluator) optBool(m map[string]any, key string, def bool) (bool, error) {
	s, err := e.optString(m, key)
	if err != nil || s == "" {
		return def, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

func (e *evaluator) optStrings(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	list, err := e.evalList(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	out := make([]string, len(list))
	for i, item := range list {
		if out[i], err = scalarString(item); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
	}
	return out, nil
}

// mergeGlobals overlays a function's properties on Globals.Function the way SAM does: maps
// merge key by key, lists are appended, anything else in the function replaces the global.
func mergeGlobals(global, local map[string]any) map[string]any {
	out := make(map[string]any, len(global)+len(local))
	for k, v := range global {
		out[k] = v
	}
	for k, lv := range local {
		gv, ok := out[k]
		if !ok {
			out[k] = lv
			continue
		}
		_, _, gIntrinsic := intrinsic(gv)
		_, _, lIntrinsic := intrinsic(lv)
		gm, gIsMap := gv.(map[string]any)
		lm, lIsMap := lv.(map[string]any)
		gl, gIsList := gv.([]any)
		ll, lIsList := lv.([]any)
		switch {
		case gIntrinsic || lIntrinsic:
			out[k] = lv
		case gIsMap && lIsMap:
			out[k] = mergeGlobals(gm, lm)
		case gIsList && lIsList:
			out[k] = append(append([]any{}, gl...), ll...)
		default:
			out[k] = lv
		}
	}
	return out
}
