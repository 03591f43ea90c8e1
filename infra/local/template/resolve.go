package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// noValue is what AWS::NoValue resolves to; containers drop it.
type noValue struct{}

// resolver evaluates intrinsic functions against the local stack's names.
type resolver struct {
	t   *Template
	env Env
	// params holds resolved parameter values: string, or []string for list types.
	params     map[string]any
	conditions map[string]bool
	evaluating map[string]bool
}

func newResolver(t *Template, env Env) (*resolver, error) {
	overrides := env.Parameters
	r := &resolver{
		t:          t,
		env:        env,
		params:     map[string]any{},
		conditions: map[string]bool{},
		evaluating: map[string]bool{},
	}
	for name, def := range t.Parameters {
		typ, _ := def["Type"].(string)
		val, ok := overrides[name]
		if !ok {
			d, has := def["Default"]
			if !has {
				return nil, fmt.Errorf("parameter %s has no Default and no override (PARAMETERS=\"%s=...\")", name, name)
			}
			val = scalarString(d)
		}
		if ml := scalarString(def["MinLength"]); ml != "" {
			if n, err := strconv.Atoi(ml); err == nil && len(val) < n {
				return nil, fmt.Errorf("parameter %s: at least %d characters (MinLength)", name, n)
			}
		}
		if allowed := asList(def["AllowedValues"]); len(allowed) > 0 {
			found := false
			for _, a := range allowed {
				if scalarString(a) == val {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("parameter %s: %q is not one of its AllowedValues", name, val)
			}
		}
		if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
			parts := strings.Split(val, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			r.params[name] = parts
		} else {
			r.params[name] = val
		}
	}
	for name := range overrides {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter override %s: the template declares no such parameter", name)
		}
	}
	return r, nil
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// condition evaluates a named condition from the Conditions section.
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conditions[name]; ok {
		return v, nil
	}
	expr, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	if r.evaluating[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.evaluating[name] = true
	defer delete(r.evaluating, name)
	v, err := r.evalCondition(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	r.conditions[name] = v
	return v, nil
}

func (r *resolver) evalCondition(expr any) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		if b, ok := expr.(bool); ok {
			return b, nil
		}
		return false, fmt.Errorf("condition expression %v is not a single function", expr)
	}
	for fn, arg := range m {
		args := asList(arg)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			return r.condition(name)
		case "Fn::Equals":
			if len(args) != 2 {
				return false, fmt.Errorf("Fn::Equals needs two arguments")
			}
			a, err := r.value(args[0])
			if err != nil {
				return false, err
			}
			b, err := r.value(args[1])
			if err != nil {
				return false, err
			}
			return scalarString(a) == scalarString(b), nil
		case "Fn::Not":
			if len(args) != 1 {
				return false, fmt.Errorf("Fn::Not needs one argument")
			}
			v, err := r.evalCondition(args[0])
			return !v, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			result := and
			for _, a := range args {
				v, err := r.evalCondition(a)
				if err != nil {
					return false, err
				}
				if and {
					result = result && v
				} else {
					result = result || v
				}
			}
			return result, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	return false, nil
}

// value resolves every intrinsic function inside v.
func (r *resolver) value(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, skip := rv.(noValue); skip {
				continue
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, skip := rv.(noValue); skip {
				continue
			}
			out = append(out, rv)
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref argument %v is not a name", arg)
		}
		return r.ref(name)
	case "Fn::GetAtt":
		parts := asList(arg)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Fn::GetAtt needs [Resource, Attribute], got %v", arg)
		}
		res, err := r.value(parts[0])
		if err != nil {
			return nil, err
		}
		attr, err := r.value(parts[1])
		if err != nil {
			return nil, err
		}
		return r.attr(scalarString(res), scalarString(attr))
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		args := asList(arg)
		if len(args) != 2 {
			return nil, fmt.Errorf("Fn::Join needs [delimiter, list]")
		}
		list, err := r.value(args[1])
		if err != nil {
			return nil, err
		}
		var parts []string
		for _, e := range asList(list) {
			parts = append(parts, scalarString(e))
		}
		return strings.Join(parts, scalarString(args[0])), nil
	case "Fn::Select":
		args := asList(arg)
		if len(args) != 2 {
			return nil, fmt.Errorf("Fn::Select needs [index, list]")
		}
		idxV, err := r.value(args[0])
		if err != nil {
			return nil, err
		}
		idx, err := strconv.Atoi(scalarString(idxV))
		if err != nil {
			return nil, fmt.Errorf("Fn::Select index %v: %w", idxV, err)
		}
		list, err := r.value(args[1])
		if err != nil {
			return nil, err
		}
		l := asList(list)
		if idx < 0 || idx >= len(l) {
			return nil, fmt.Errorf("Fn::Select index %d out of range (%d items)", idx, len(l))
		}
		return l[idx], nil
	case "Fn::Split":
		args := asList(arg)
		if len(args) != 2 {
			return nil, fmt.Errorf("Fn::Split needs [delimiter, string]")
		}
		s, err := r.value(args[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(scalarString(s), scalarString(args[0])) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		args := asList(arg)
		if len(args) != 3 {
			return nil, fmt.Errorf("Fn::If needs [condition, then, else]")
		}
		ok, err := r.condition(scalarString(args[0]))
		if err != nil {
			return nil, err
		}
		if ok {
			return r.value(args[1])
		}
		return r.value(args[2])
	case "Fn::FindInMap":
		args := asList(arg)
		if len(args) != 3 {
			return nil, fmt.Errorf("Fn::FindInMap needs [map, key, key]")
		}
		var keys [3]string
		for i, a := range args {
			v, err := r.value(a)
			if err != nil {
				return nil, err
			}
			keys[i] = scalarString(v)
		}
		top := asMap(r.t.Mappings[keys[0]])
		second := asMap(top[keys[1]])
		v, ok := second[keys[2]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: %s/%s/%s not found", keys[0], keys[1], keys[2])
		}
		return v, nil
	case "Fn::Base64":
		v, err := r.value(arg)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(scalarString(v))), nil
	case "Fn::ToJsonString":
		v, err := r.value(arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::ToJsonString: %w", err)
		}
		return string(b), nil
	case "Fn::Length":
		v, err := r.value(arg)
		if err != nil {
			return nil, err
		}
		return len(asList(v)), nil
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return r.evalCondition(map[string]any{fn: arg})
	}
	return nil, fmt.Errorf("intrinsic function %s is not supported by the local stack", fn)
}

func (r *resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.env.Region, nil
	case "AWS::AccountId":
		return r.env.AccountID, nil
	case "AWS::StackName":
		return r.env.StackName, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000", r.env.Region, r.env.AccountID, r.env.StackName), nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if v, ok := r.params[name]; ok {
		if l, ok := v.([]string); ok {
			out := make([]any, len(l))
			for i, s := range l {
				out[i] = s
			}
			return out, nil
		}
		return v, nil
	}
	return r.resourceRef(name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any) (any, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub needs a string or [string, variables]")
		}
		text, _ = a[0].(string)
		for k, v := range asMap(a[1]) {
			rv, err := r.value(v)
			if err != nil {
				return nil, err
			}
			vars[k] = rv
		}
	default:
		return nil, fmt.Errorf("Fn::Sub argument %v is not a string", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return scalarString(v)
		}
		var v any
		var err error
		if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = r.attr(res, attr)
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("Fn::Sub %s: %w", m, err)
			}
			return ""
		}
		if l, ok := v.([]any); ok {
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = scalarString(e)
			}
			return strings.Join(parts, ",")
		}
		return scalarString(v)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// stringValue resolves v and requires a scalar result.
func (r *resolver) stringValue(v any) (string, error) {
	rv, err := r.value(v)
	if err != nil {
		return "", err
	}
	switch rv.(type) {
	case map[string]any, []any:
		return "", fmt.Errorf("expected a string, got %v", rv)
	case noValue:
		return "", nil
	}
	return scalarString(rv), nil
}

// stringList resolves v into a list of strings (a scalar becomes a one-item list).
func (r *resolver) stringList(v any) ([]string, error) {
	rv, err := r.value(v)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range asList(rv) {
		out = append(out, scalarString(e))
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
