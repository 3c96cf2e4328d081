package template

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// shortTags maps each short-form tag template.yaml uses to the long-form key it stands for;
// another tag is an error naming its line.
var shortTags = map[string]string{
	"!Ref":    "Ref",
	"!Sub":    "Fn::Sub",
	"!GetAtt": "Fn::GetAtt",
	"!If":     "Fn::If",
	"!Not":    "Fn::Not",
	"!Equals": "Fn::Equals",
}

// Bounds on what a document may expand to: an alias of one of its own ancestors would nest
// forever, and aliases of aliases can multiply a small document beyond any memory.
const (
	maxDepth = 512
	maxNodes = 1 << 20
)

// toValue converts a YAML node into plain Go values (map[string]any, []any, string, int,
// float64, bool, nil), rewriting every short-form tag into its long form, so that
// `!Ref X` and `{Ref: X}` read the same.
func toValue(n *yaml.Node) (any, error) {
	return (&converter{}).value(n, 0)
}

// converter counts the nodes a conversion has expanded, aliases included.
type converter struct{ nodes int }

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if c.nodes++; depth > maxDepth || c.nodes > maxNodes {
		return nil, fmt.Errorf("line %d: the document nests or expands too far (aliases?)", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.value(n.Alias, depth+1)
	}
	v, err := c.plain(n, depth)
	if err != nil {
		return nil, err
	}
	if n.Tag == "" || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	name, ok := shortTags[n.Tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	if name == "Fn::GetAtt" {
		if s, isString := v.(string); isString {
			logicalID, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
			}
			v = []any{logicalID, attr}
		}
	}
	return map[string]any{name: v}, nil
}

// plain converts n ignoring its own tag (its children's tags are honoured).
func (c *converter) plain(n *yaml.Node, depth int) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			v, err := c.value(val, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, child := range n.Content {
			v, err := c.value(child, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
			return n.Value, nil // a short-form function's scalar argument is a string
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	case yaml.AliasNode:
		return c.value(n.Alias, depth+1)
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
	}
}
