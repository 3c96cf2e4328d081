// Package template reads the SAM template (template.yaml) for the local stack: the table
// definition, the functions with their resolved environment, and their event sources.
//
// It understands the intrinsic functions template.yaml uses, in short form (!Ref, !Sub,
// !GetAtt, !If, !Not, !Equals) and long form; another tag is an error naming the line, and
// another function an error naming it. Values are evaluated against a Context: parameter
// defaults (or overrides), local stand-ins for pseudo parameters, and the names the local
// stack gives resources (e.g. Ref Table -> the local table name).
package template

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a parsed SAM template. Its maps hold values as read (intrinsics unevaluated).
type Template struct {
	Parameters map[string]Parameter
	Conditions map[string]any
	// FunctionGlobals is Globals.Function, merged under every AWS::Serverless::Function.
	FunctionGlobals map[string]any
	Resources       map[string]Resource

	functions []Function
}

// Parameter is one template parameter.
type Parameter struct {
	Type          string
	Default       string
	HasDefault    bool
	AllowedValues []string
}

// Resource is one entry of Resources.
type Resource struct {
	LogicalID  string
	Type       string
	Condition  string
	Properties map[string]any
	Metadata   map[string]any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template from YAML (or JSON, which is YAML).
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	raw, err := toValue(&doc)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template: top level is %T, want a mapping", raw)
	}
	t := &Template{
		Parameters: map[string]Parameter{},
		Conditions: mapAt(root, "Conditions"),
		Resources:  map[string]Resource{},
	}
	t.FunctionGlobals = mapAt(mapAt(root, "Globals"), "Function")
	for name, v := range mapAt(root, "Parameters") {
		p, err := parseParameter(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		t.Parameters[name] = p
	}
	for id, v := range mapAt(root, "Resources") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s: want a mapping, got %T", id, v)
		}
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s: no Type", id)
		}
		cond, _ := m["Condition"].(string)
		t.Resources[id] = Resource{
			LogicalID:  id,
			Type:       typ,
			Condition:  cond,
			Properties: mapAt(m, "Properties"),
			Metadata:   mapAt(m, "Metadata"),
		}
	}
	fns, err := t.parseFunctions()
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	t.functions = fns
	return t, nil
}

func parseParameter(v any) (Parameter, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Parameter{}, fmt.Errorf("want a mapping, got %T", v)
	}
	p := Parameter{}
	p.Type, _ = m["Type"].(string)
	if d, ok := m["Default"]; ok {
		s, err := scalarString(d)
		if err != nil {
			return Parameter{}, fmt.Errorf("Default: %w", err)
		}
		p.Default, p.HasDefault = s, true
	}
	if av, ok := m["AllowedValues"].([]any); ok {
		for _, a := range av {
			s, err := scalarString(a)
			if err != nil {
				return Parameter{}, fmt.Errorf("AllowedValues: %w", err)
			}
			p.AllowedValues = append(p.AllowedValues, s)
		}
	}
	return p, nil
}

// ResourcesOfType returns the logical ids of the resources of type typ, sorted.
func (t *Template) ResourcesOfType(typ string) []string {
	var ids []string
	for _, id := range sortedKeys(t.Resources) {
		if t.Resources[id].Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// mapAt returns m[key] as a map, or an empty map when it is absent or not a map.
func mapAt(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	return map[string]any{}
}

// IsDynamicReference reports whether s is (or contains) a CloudFormation dynamic reference
// such as {{resolve:secretsmanager:...}}, which only CloudFormation can resolve: the local
// host must supply such a value itself.
func IsDynamicReference(s string) bool {
	return strings.Contains(s, "{{resolve:")
}
