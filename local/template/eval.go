package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Context is what a template's references resolve to on this machine. The zero value
// resolves parameters to their defaults and AWS::Region to us-east-1.
type Context struct {
	// Parameters overrides parameter defaults by name.
	Parameters map[string]string
	// Refs is the value of !Ref for resources, by logical id (e.g. "Table" -> a table name).
	Refs map[string]string
	// Attrs is the value of !GetAtt, keyed "LogicalId.Attribute" (e.g. "Table.Arn").
	Attrs map[string]string
	// Region answers AWS::Region; default us-east-1.
	Region string
}

// noValueType is the type of what !Ref AWS::NoValue evaluates to; maps and lists drop it.
type noValueType struct{}

// evaluator evaluates intrinsic functions of one template in one Context: the ones
// template.yaml uses (Ref, Fn::GetAtt, Fn::Sub, Fn::If, and Fn::Not and Fn::Equals in
// conditions); any other is an error naming it.
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
	default:
		return nil, fmt.Errorf("%s is not supported by the local template reader", name)
	}
}

// ref resolves !Ref name: the pseudo parameters template.yaml names, then parameters (String
// and Number: template.yaml has no list parameter), then Context.Refs.
func (e *evaluator) ref(name string) (any, error) {
	switch name {
	case "AWS::NoValue":
		return noValueType{}, nil
	case "AWS::Region":
		return e.ctx.Region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	}
	if p, ok := e.t.Parameters[name]; ok {
		v, set := e.ctx.Parameters[name]
		if !set {
			if !p.HasDefault {
				return nil, fmt.Errorf("Ref %s: parameter has no default and no value was given", name)
			}
			v = p.Default
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

// sub evaluates the string form of Fn::Sub, the one template.yaml uses: ${Name} is a Ref,
// ${Resource.Attribute} a GetAtt.
func (e *evaluator) sub(arg any) (any, error) {
	format, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Sub: want a string, got %T", arg)
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
		s, err := e.subVar(name)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		b.WriteString(s)
	}
}

func (e *evaluator) subVar(name string) (string, error) {
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
	// A condition can name itself (an Fn::If of itself in its Fn::Equals); FuzzParse wants an
	// error for any input, not a stack overflow.
	e.busy[name] = true
	defer delete(e.busy, name)
	v, err := e.condition(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	e.conds[name] = v
	return v, nil
}

// condition evaluates a condition expression: Fn::Equals or Fn::Not, the ones template.yaml
// uses.
func (e *evaluator) condition(v any) (bool, error) {
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

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
