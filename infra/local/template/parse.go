// Package template reads an AWS SAM template (template.yaml) into the model the local
// stack runs: functions with their merged Globals, events and environment, and the
// tables, buckets, queues, user pools and mail identities they use, with the
// CloudFormation intrinsic functions (Ref, GetAtt, Sub, Join, If, ...) resolved
// against local resources.
//
// It is the only place that knows the template's shape; it must not import AWS SDK
// packages or anything that talks to a service.
//
// Layer: local.
package template

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed, unresolved SAM template. Values are the generic JSON-like
// tree (map[string]any, []any, string, bool, float64/int) in which short-form tags
// such as !Ref have been rewritten to their long form ({"Ref": ...}).
type Template struct {
	Parameters map[string]map[string]any
	Conditions map[string]any
	Mappings   map[string]any
	Globals    map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
}

// Resource is one entry of the template's Resources section.
type Resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	Condition  string
}

// Load reads and parses the template file at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return t, nil
}

// Parse parses template YAML (or JSON, which is YAML) text.
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode yaml: %w", err)
	}
	tree, err := convert(&doc)
	if err != nil {
		return nil, err
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, errors.New("template root is not a mapping")
	}
	t := &Template{
		Parameters: map[string]map[string]any{},
		Conditions: asMap(root["Conditions"]),
		Mappings:   asMap(root["Mappings"]),
		Globals:    asMap(root["Globals"]),
		Resources:  map[string]Resource{},
		Outputs:    asMap(root["Outputs"]),
	}
	for name, p := range asMap(root["Parameters"]) {
		t.Parameters[name] = asMap(p)
	}
	res := asMap(root["Resources"])
	if len(res) == 0 {
		return nil, errors.New("template has no Resources")
	}
	for id, raw := range res {
		m := asMap(raw)
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		cond, _ := m["Condition"].(string)
		t.Resources[id] = Resource{
			Type:       typ,
			Properties: asMap(m["Properties"]),
			Metadata:   asMap(m["Metadata"]),
			Condition:  cond,
		}
	}
	return t, nil
}

// intrinsicTags maps a short-form tag to its long-form key.
var intrinsicTags = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!GetAtt":       "Fn::GetAtt",
	"!Sub":          "Fn::Sub",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!Not":          "Fn::Not",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!FindInMap":    "Fn::FindInMap",
	"!Base64":       "Fn::Base64",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Cidr":         "Fn::Cidr",
	"!ToJsonString": "Fn::ToJsonString",
	"!Length":       "Fn::Length",
}

func convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	}
	v, err := convertPlain(n)
	if err != nil {
		return nil, err
	}
	if key, ok := intrinsicTags[n.Tag]; ok {
		if key == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				// !GetAtt Resource.Attribute.With.Dots: the first dot splits.
				parts := strings.SplitN(s, ".", 2)
				if len(parts) != 2 {
					return nil, fmt.Errorf("line %d: !GetAtt %q is not Resource.Attribute", n.Line, s)
				}
				v = []any{parts[0], parts[1]}
			}
		}
		return map[string]any{key: v}, nil
	}
	return v, nil
}

func convertPlain(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			var i int
			if err := n.Decode(&i); err == nil {
				return i, nil
			}
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil {
				return f, nil
			}
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, nil
			}
		case "!!null":
			return nil, nil
		}
		return n.Value, nil
	case yaml.AliasNode:
		return convert(n.Alias)
	}
	return nil, fmt.Errorf("line %d: unsupported yaml node kind %d", n.Line, n.Kind)
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case nil:
		return nil
	default:
		return []any{l}
	}
}

// SecretParameters lists the NoEcho parameters without a default: values a
// deployment must supply (secrets). The local stack generates and keeps one.
func (t *Template) SecretParameters() []string {
	var out []string
	for _, name := range sortedKeys(t.Parameters) {
		def := t.Parameters[name]
		if _, has := def["Default"]; has {
			continue
		}
		if noEcho := scalarString(def["NoEcho"]); noEcho == "true" {
			out = append(out, name)
		}
	}
	return out
}
