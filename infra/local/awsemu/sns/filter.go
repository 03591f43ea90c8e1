package sns

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Limits of a filter policy, from the SNS documentation.
const (
	maxFilterKeys         = 5   // attribute names (leaf keys) per policy
	maxFilterCombinations = 150 // product of the number of values of each key
	maxFilterDepth        = 5   // nesting of a body policy
)

// filterPolicy is a parsed subscription filter policy. Its keys are ANDed;
// the conditions of one key are ORed.
type filterPolicy struct {
	scope string
	root  *filterNode
}

// filterNode is either a leaf (conditions on one value) or, in a body
// policy, an object of nested keys.
type filterNode struct {
	conds    []condition
	children map[string]*filterNode
}

// condition kinds.
const (
	condString       = "string"
	condNumber       = "number"
	condBool         = "bool"
	condNull         = "null"
	condPrefix       = "prefix"
	condSuffix       = "suffix"
	condIgnoreCase   = "equals-ignore-case"
	condAnythingBut  = "anything-but"
	condNumeric      = "numeric"
	condExists       = "exists"
	condNumericRange = "range"
)

// condition is one value of a key's array in the policy.
type condition struct {
	kind string
	str  string
	num  float64
	b    bool
	// not lists the values anything-but excludes (string, number, prefix
	// and suffix conditions).
	not []condition
	// lower and upper bound a numeric condition; nil is unbounded. eq is set
	// for {"numeric": ["=", n]}.
	lower, upper       *float64
	lowerIncl, upperIn bool
	eq                 *float64
}

// parseFilterPolicy parses and validates a policy for a scope
// ("MessageAttributes" when empty) the way SNS does, answering
// InvalidParameter "Invalid parameter: FilterPolicy: ..." for a bad one.
func parseFilterPolicy(policy, scope string) (*filterPolicy, *apiError) {
	if scope == "" {
		scope = scopeAttributes
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(policy)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, errInvalid("FilterPolicy: failed to parse JSON")
	}
	root, leaves, combos, err := parseNode(raw, scope, 1)
	if err != nil {
		return nil, err
	}
	if leaves > maxFilterKeys {
		return nil, errInvalid("FilterPolicy: Filter policy can not have more than %d keys", maxFilterKeys)
	}
	if combos > maxFilterCombinations {
		return nil, errInvalid("FilterPolicy: Filter policy is too complex")
	}
	return &filterPolicy{scope: scope, root: root}, nil
}

func parseNode(raw map[string]any, scope string, depth int) (*filterNode, int, int, *apiError) {
	if depth > maxFilterDepth {
		return nil, 0, 0, errInvalid("FilterPolicy: Filter policy is too deeply nested")
	}
	n := &filterNode{children: map[string]*filterNode{}}
	leaves, combos := 0, 1
	for key, v := range raw {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return nil, 0, 0, errInvalid("FilterPolicy: Empty arrays are not allowed")
			}
			leaf := &filterNode{}
			for _, item := range x {
				c, err := parseCondition(key, item, scope)
				if err != nil {
					return nil, 0, 0, err
				}
				leaf.conds = append(leaf.conds, c)
			}
			n.children[key] = leaf
			leaves++
			combos *= len(x)
		case map[string]any:
			if scope == scopeAttributes {
				return nil, 0, 0, errInvalid("Filter policy scope MessageAttributes does not support nested filter policy")
			}
			child, l, c, err := parseNode(x, scope, depth+1)
			if err != nil {
				return nil, 0, 0, err
			}
			n.children[key] = child
			leaves += l
			combos *= c
		default:
			return nil, 0, 0, errInvalid("FilterPolicy: \"%s\" must be an object or an array", key)
		}
	}
	return n, leaves, combos, nil
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func parseCondition(key string, item any, scope string) (condition, *apiError) {
	switch x := item.(type) {
	case string:
		return condition{kind: condString, str: x}, nil
	case json.Number:
		f, _ := number(x)
		return condition{kind: condNumber, num: f}, nil
	case bool:
		return condition{kind: condBool, b: x}, nil
	case nil:
		return condition{kind: condNull}, nil
	case map[string]any:
		if len(x) != 1 {
			return condition{}, errInvalid("FilterPolicy: Only one key allowed in match expression")
		}
		for op, arg := range x {
			return parseOperator(key, op, arg)
		}
	}
	return condition{}, errInvalid("FilterPolicy: Match value must be String, number, true, false, or null")
}

func parseOperator(key, op string, arg any) (condition, *apiError) {
	switch op {
	case condPrefix, condSuffix, condIgnoreCase:
		s, ok := arg.(string)
		if !ok {
			return condition{}, errInvalid("FilterPolicy: %s match pattern must be a string", op)
		}
		return condition{kind: op, str: s}, nil
	case condExists:
		b, ok := arg.(bool)
		if !ok {
			return condition{}, errInvalid("FilterPolicy: exists match pattern must be either true or false.")
		}
		return condition{kind: condExists, b: b}, nil
	case condAnythingBut:
		c := condition{kind: condAnythingBut}
		var items []any
		switch a := arg.(type) {
		case []any:
			if len(a) == 0 {
				return condition{}, errInvalid("FilterPolicy: Empty arrays are not allowed")
			}
			items = a
		case map[string]any:
			if len(a) != 1 {
				return condition{}, errInvalid("FilterPolicy: Value of anything-but must be an array or single string/number value.")
			}
			for inner, v := range a {
				s, ok := v.(string)
				if (inner != condPrefix && inner != condSuffix) || !ok {
					return condition{}, errInvalid("FilterPolicy: Unsupported anything-but pattern: %s", inner)
				}
				c.not = []condition{{kind: inner, str: s}}
			}
			return c, nil
		default:
			items = []any{a}
		}
		kinds := map[string]bool{}
		for _, it := range items {
			switch v := it.(type) {
			case string:
				c.not = append(c.not, condition{kind: condString, str: v})
				kinds[condString] = true
			case json.Number:
				f, _ := number(v)
				c.not = append(c.not, condition{kind: condNumber, num: f})
				kinds[condNumber] = true
			default:
				return condition{}, errInvalid("FilterPolicy: Value of anything-but must be an array or single string/number value.")
			}
		}
		if len(kinds) > 1 {
			return condition{}, errInvalid("FilterPolicy: Inside anything but list, mixed types are not allowed")
		}
		return c, nil
	case condNumeric:
		return parseNumeric(arg)
	}
	return condition{}, errInvalid("FilterPolicy: Unrecognized match type %s", op)
}

func parseNumeric(arg any) (condition, *apiError) {
	items, ok := arg.([]any)
	if !ok || len(items) == 0 || len(items)%2 != 0 || len(items) > 4 {
		return condition{}, errInvalid("FilterPolicy: Value of numeric must be an array.")
	}
	c := condition{kind: condNumericRange}
	for i := 0; i < len(items); i += 2 {
		op, ok := items[i].(string)
		f, isNum := number(items[i+1])
		if !ok || !isNum {
			return condition{}, errInvalid("FilterPolicy: Value of numeric must be a number.")
		}
		switch op {
		case "=":
			if len(items) != 2 {
				return condition{}, errInvalid("FilterPolicy: Too many elements in numeric expression.")
			}
			c.eq = &f
		case ">", ">=":
			if c.lower != nil || c.upper != nil {
				return condition{}, errInvalid("FilterPolicy: Bad numeric range operator: %s", op)
			}
			c.lower, c.lowerIncl = &f, op == ">="
		case "<", "<=":
			if c.upper != nil {
				return condition{}, errInvalid("FilterPolicy: Bad numeric range operator: %s", op)
			}
			c.upper, c.upperIn = &f, op == "<="
		default:
			return condition{}, errInvalid("FilterPolicy: Unrecognized numeric range operator: %s", op)
		}
	}
	if c.lower != nil && c.upper != nil && *c.lower >= *c.upper {
		return condition{}, errInvalid("FilterPolicy: Bottom must be less than top")
	}
	return c, nil
}

// matches says whether a published message passes the policy.
func (f *filterPolicy) matches(attrs map[string]Attribute, body string) bool {
	if f.scope == scopeBody {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return false
		}
		return f.root.matchObject(obj)
	}
	for key, leaf := range f.root.children {
		values, present := attributeValues(attrs, key)
		if !leaf.matchLeaf(values, present) {
			return false
		}
	}
	return true
}

// attributeValues turns a message attribute into the values a policy sees:
// one string or number, or the elements of a String.Array. Binary
// attributes are not matched.
func attributeValues(attrs map[string]Attribute, key string) ([]any, bool) {
	a, ok := attrs[key]
	if !ok || strings.HasPrefix(a.DataType, "Binary") {
		return nil, false
	}
	if a.DataType == "String.Array" {
		dec := json.NewDecoder(strings.NewReader(a.StringValue))
		dec.UseNumber()
		var arr []any
		if err := dec.Decode(&arr); err != nil {
			return nil, true
		}
		return arr, true
	}
	if strings.HasPrefix(a.DataType, "Number") {
		return []any{json.Number(strings.TrimSpace(a.StringValue))}, true
	}
	return []any{a.StringValue}, true
}

func (n *filterNode) matchObject(obj map[string]any) bool {
	for key, child := range n.children {
		v, present := obj[key]
		if child.conds == nil {
			sub, _ := v.(map[string]any)
			if !child.matchObject(sub) {
				return false
			}
			continue
		}
		values := []any{v}
		if arr, ok := v.([]any); ok {
			values = arr
		}
		if !child.matchLeaf(values, present) {
			return false
		}
	}
	return true
}

// matchLeaf is true when one of the conditions matches one of the values.
func (n *filterNode) matchLeaf(values []any, present bool) bool {
	for _, c := range n.conds {
		if c.kind == condExists {
			if c.b == present {
				return true
			}
			continue
		}
		if !present {
			continue
		}
		for _, v := range values {
			if c.match(v) {
				return true
			}
		}
	}
	return false
}

func (c condition) match(v any) bool {
	switch c.kind {
	case condString:
		s, ok := v.(string)
		return ok && s == c.str
	case condNumber:
		f, ok := number(v)
		return ok && f == c.num
	case condBool:
		b, ok := v.(bool)
		return ok && b == c.b
	case condNull:
		return v == nil
	case condPrefix:
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, c.str)
	case condSuffix:
		s, ok := v.(string)
		return ok && strings.HasSuffix(s, c.str)
	case condIgnoreCase:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, c.str)
	case condAnythingBut:
		for _, not := range c.not {
			if not.match(v) {
				return false
			}
		}
		return true
	case condNumericRange:
		f, ok := number(v)
		if !ok {
			return false
		}
		if c.eq != nil {
			return f == *c.eq
		}
		if c.lower != nil && (f < *c.lower || (f == *c.lower && !c.lowerIncl)) {
			return false
		}
		if c.upper != nil && (f > *c.upper || (f == *c.upper && !c.upperIn)) {
			return false
		}
		return true
	}
	return false
}
