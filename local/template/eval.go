package template

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Context is what a template's references resolve to on this machine. The zero value
// resolves parameters to their defaults and the pseudo parameters to local stand-ins.
type Context struct {
	// Parameters overrides parameter defaults by name.
	Parameters map[string]string
	// Refs is the value of !Ref for resources, by logical id (e.g. "Table" -> a table name).
	Refs map[string]string
	// Attrs is the value of !GetAtt, keyed "LogicalId.Attribute" (e.g. "Table.Arn").
	Attrs map[string]string
	// Region and AccountID answer AWS::Region and AWS::AccountId; defaults us-east-1 and
	// 123456789012 (moto's default account).
	Region, AccountID string
	// StackName answers AWS::StackName; default "wallet-accounts-local".
	StackName string
}

// noValueType is the type of what !Ref AWS::NoValue evaluates to; maps and lists drop it.
type noValueType struct{}

// evaluator evaluates intrinsic functions of one template in one Context.
type evaluator struct {
	t     *Template
	ctx   Context
	conds map[string]bool
	busy  map[string]bool
}

func newEvaluator(t *Template, ctx Context) *evaluator {
	if ctx.Region == "" {
		ctx.Region = "us-east-1"
	}
	if ctx.AccountID == "" {
		ctx.AccountID = "123456789012"
	}
	if ctx.StackName == "" {
		ctx.StackName = "wallet-accounts-local"
	}
	return &evaluator{t: t, ctx: ctx, conds: map[string]bool{}, busy: map[string]bool{}}
}

// intrinsic reports whether v is a one-key map naming an intrinsic function, and splits it.
func intrinsic(v any) (name string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// eval evaluates every intrinsic function in v, dropping AWS::NoValue from maps and lists.
func (e *evaluator) eval(v any) (any, error) {
	if name, arg, ok := intrinsic(v); ok {
		return e.call(name, arg)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			r, err := e.eval(item)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, drop := r.(noValueType); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, item := range x {
			r, err := e.eval(item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, drop := r.(noValueType); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// evalString evaluates v and requires a scalar, returned as a string.
func (e *evaluator) evalString(v any) (string, error) {
	r, err := e.eval(v)
	if err != nil {
		return "", err
	}
	return scalarString(r)
}

func (e *evaluator) call(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref: want a name, got %T", arg)
		}
		return e.ref(s)
	case "Fn::GetAtt":
		return e.getAtt(arg)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::If":
		return e.fnIf(arg)
	case "Fn::Join":
		return e.join(arg)
	case "Fn::Select":
		return e.sel(arg)
	case "Fn::Split":
		return e.split(arg)
	case "Fn::FindInMap":
		return e.findInMap(arg)
	case "Fn::Base64":
		s, err := e.evalString(arg)
		if err != nil {
			return nil, fmt.Errorf("Fn::Base64: %w", err)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return e.condition(map[string]any{name: arg})
	default:
		return nil, fmt.Errorf("%s is not supported by the local template reader", name)
	}
}

// ref resolves !Ref name: pseudo parameters, then parameters, then Context.Refs.
func (e *evaluator) ref(name string) (any, error) {
	switch name {
	case "AWS::NoValue":
		return noValueType{}, nil
	case "AWS::Region":
		return e.ctx.Region, nil
	case "AWS::AccountId":
		return e.ctx.AccountID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return e.ctx.StackName, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", e.ctx.Region, e.ctx.AccountID, e.ctx.StackName), nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if p, ok := e.t.Parameters[name]; ok {
		v, set := e.ctx.Parameters[name]
		if !set {
			if !p.HasDefault {
				return nil, fmt.Errorf("Ref %s: parameter has no default and no value was given", name)
			}
			v = p.Default
		}
		if strings.HasPrefix(p.Type, "CommaDelimitedList") || strings.HasPrefix(p.Type, "List<") {
			return toAnySlice(strings.Split(v, ",")), nil
		}
		return v, nil
	}
	if v, ok := e.ctx.Refs[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("Ref %s: no local value for it", name)
}

func (e *evaluator) getAtt(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 2 {
		return nil, fmt.Errorf("Fn::GetAtt: want [Resource, Attribute], got %v", arg)
	}
	id, err := scalarString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::GetAtt: %w", err)
	}
	attr, err := e.evalString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::GetAtt: %w", err)
	}
	if v, ok := e.ctx.Attrs[id+"."+attr]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("Fn::GetAtt %s.%s: no local value for it", id, attr)
}

func (e *evaluator) sub(arg any) (any, error) {
	format, vars := "", map[string]any{}
	switch x := arg.(type) {
	case string:
		format = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want [format, {vars}], got %d items", len(x))
		}
		s, ok := x[0].(string)
		m, okm := x[1].(map[string]any)
		if !ok || !okm {
			return nil, fmt.Errorf("Fn::Sub: want [format, {vars}]")
		}
		format, vars = s, m
	default:
		return nil, fmt.Errorf("Fn::Sub: want a string or [format, {vars}], got %T", arg)
	}
	var b strings.Builder
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			b.WriteString(format)
			return b.String(), nil
		}
		b.WriteString(format[:i])
		format = format[i+2:]
		j := strings.IndexByte(format, '}')
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub: unclosed ${ in %q", format)
		}
		name := format[:j]
		format = format[j+1:]
		if strings.HasPrefix(name, "!") { // ${!Literal} writes ${Literal}
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		s, err := e.subVar(name, vars)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		b.WriteString(s)
	}
}

func (e *evaluator) subVar(name string, vars map[string]any) (string, error) {
	if v, ok := vars[name]; ok {
		return e.evalString(v)
	}
	if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
		v, err := e.getAtt([]any{id, attr})
		if err != nil {
			return "", err
		}
		return scalarString(v)
	}
	v, err := e.ref(name)
	if err != nil {
		return "", err
	}
	return scalarString(v)
}

func (e *evaluator) fnIf(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 3 {
		return nil, fmt.Errorf("Fn::If: want [condition, then, else], got %v", arg)
	}
	name, ok := parts[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If: condition must be a condition name, got %T", parts[0])
	}
	cond, err := e.named(name)
	if err != nil {
		return nil, fmt.Errorf("Fn::If: %w", err)
	}
	if cond {
		return e.eval(parts[1])
	}
	return e.eval(parts[2])
}

func (e *evaluator) join(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 2 {
		return nil, fmt.Errorf("Fn::Join: want [delimiter, [values]], got %v", arg)
	}
	delim, err := scalarString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::Join: %w", err)
	}
	list, err := e.evalList(parts[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Join: %w", err)
	}
	ss := make([]string, len(list))
	for i, v := range list {
		if ss[i], err = scalarString(v); err != nil {
			return nil, fmt.Errorf("Fn::Join: %w", err)
		}
	}
	return strings.Join(ss, delim), nil
}

func (e *evaluator) sel(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 2 {
		return nil, fmt.Errorf("Fn::Select: want [index, [values]], got %v", arg)
	}
	is, err := e.evalString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: %w", err)
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: index %q: %w", is, err)
	}
	list, err := e.evalList(parts[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: %w", err)
	}
	if i < 0 || i >= len(list) {
		return nil, fmt.Errorf("Fn::Select: index %d out of range (%d values)", i, len(list))
	}
	return list[i], nil
}

func (e *evaluator) split(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 2 {
		return nil, fmt.Errorf("Fn::Split: want [delimiter, string], got %v", arg)
	}
	delim, err := scalarString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::Split: %w", err)
	}
	s, err := e.evalString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Split: %w", err)
	}
	return toAnySlice(strings.Split(s, delim)), nil
}

func (e *evaluator) findInMap(arg any) (any, error) {
	parts, ok := arg.([]any)
	if !ok || len(parts) != 3 {
		return nil, fmt.Errorf("Fn::FindInMap: want [map, key, key], got %v", arg)
	}
	keys := make([]string, 3)
	for i, p := range parts {
		s, err := e.evalString(p)
		if err != nil {
			return nil, fmt.Errorf("Fn::FindInMap: %w", err)
		}
		keys[i] = s
	}
	top, _ := e.t.Mappings[keys[0]].(map[string]any)
	second, _ := top[keys[1]].(map[string]any)
	v, ok := second[keys[2]]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: no %s.%s.%s", keys[0], keys[1], keys[2])
	}
	return e.eval(v)
}

// evalList evaluates v and requires a list.
func (e *evaluator) evalList(v any) ([]any, error) {
	r, err := e.eval(v)
	if err != nil {
		return nil, err
	}
	list, ok := r.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %T", r)
	}
	return list, nil
}

// named evaluates the template condition called name (once; cached).
func (e *evaluator) named(name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	def, ok := e.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %q", name)
	}
	if e.busy[name] {
		return false, fmt.Errorf("condition %q refers to itself", name)
	}
	e.busy[name] = true
	defer delete(e.busy, name)
	v, err := e.condition(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	e.conds[name] = v
	return v, nil
}

// condition evaluates a condition expression: Fn::Equals, Fn::Not, Fn::And, Fn::Or, or
// {Condition: name}.
func (e *evaluator) condition(v any) (bool, error) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if name, ok := m["Condition"].(string); ok {
			return e.named(name)
		}
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	name, arg, ok := intrinsic(v)
	if !ok {
		return false, fmt.Errorf("not a condition: %v", v)
	}
	args, _ := arg.([]any)
	switch name {
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals: want 2 values, got %v", arg)
		}
		a, err := e.evalString(args[0])
		if err != nil {
			return false, fmt.Errorf("Fn::Equals: %w", err)
		}
		b, err := e.evalString(args[1])
		if err != nil {
			return false, fmt.Errorf("Fn::Equals: %w", err)
		}
		return a == b, nil
	case "Fn::Not":
		if len(args) != 1 {
			return false, fmt.Errorf("Fn::Not: want 1 condition, got %v", arg)
		}
		c, err := e.condition(args[0])
		return !c, err
	case "Fn::And", "Fn::Or":
		if len(args) < 2 {
			return false, fmt.Errorf("%s: want at least 2 conditions, got %v", name, arg)
		}
		and := name == "Fn::And"
		for _, a := range args {
			c, err := e.condition(a)
			if err != nil {
				return false, fmt.Errorf("%s: %w", name, err)
			}
			if c != and {
				return c, nil
			}
		}
		return and, nil
	default:
		return false, fmt.Errorf("%s is not a condition function", name)
	}
}

// scalarString renders a scalar the way CloudFormation passes it on: as a string.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	default:
		return "", fmt.Errorf("want a scalar, got %T", v)
	}
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
