package gateway

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// defaultRouteKey is the route key of the catch-all route.
const defaultRouteKey = "$default"

// defaultIntegrationTimeout is HTTP API's maximum (and default) integration
// timeout.
const defaultIntegrationTimeout = 30 * time.Second

var knownMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"HEAD": true, "OPTIONS": true, "ANY": true,
}

// compiledRoute is a Route with everything a request needs precomputed.
type compiledRoute struct {
	key        string // "GET /v1/claims/{id}" or "$default"
	route      Route
	params     []string // variable names in path order; the greedy one last
	authorizer *jwtAuthorizer
	bucket     *tokenBucket
	timeout    time.Duration
}

// methodSet holds the routes that end at one path pattern.
type methodSet map[string]*compiledRoute

// pick prefers the request's own method over ANY, as HTTP API does.
func (m methodSet) pick(method string) *compiledRoute {
	if m == nil {
		return nil
	}
	if r := m[method]; r != nil {
		return r
	}
	return m["ANY"]
}

// node is one path segment position in the route trie.
type node struct {
	literal map[string]*node
	param   *node
	here    methodSet // routes whose pattern ends at this node
	greedy  methodSet // routes whose pattern ends with {name+} after this node
}

// routeTable is immutable once built, so requests read it without locks and
// SetRoutes swaps it atomically.
type routeTable struct {
	root     *node
	fallback *compiledRoute // $default, if any
	byKey    map[string]*compiledRoute
}

// routeMatch is the result of a lookup. values are raw (still escaped) path
// segments in the order of compiledRoute.params.
type routeMatch struct {
	route  *compiledRoute
	values []string
}

// buildRouteTable validates routes and compiles them into a trie.
func buildRouteTable(routes []Route, auths map[string]*jwtAuthorizer, throttle ThrottleSettings) (*routeTable, error) {
	t := &routeTable{root: &node{}, byKey: make(map[string]*compiledRoute, len(routes))}
	shapes := make(map[string]string, len(routes)) // "GET /a/{}" -> route key, to catch conflicts
	for i, r := range routes {
		cr, shape, err := compileRoute(r, auths, throttle)
		if err != nil {
			return nil, fmt.Errorf("route %d (%s %s): %w", i, r.Method, r.Path, err)
		}
		if _, dup := t.byKey[cr.key]; dup {
			return nil, fmt.Errorf("route %d: duplicate route key %q", i, cr.key)
		}
		if other, dup := shapes[shape]; dup {
			return nil, fmt.Errorf("route %d: route key %q conflicts with %q", i, cr.key, other)
		}
		t.byKey[cr.key] = cr
		shapes[shape] = cr.key
		if cr.key == defaultRouteKey {
			t.fallback = cr
			continue
		}
		t.insert(cr)
	}
	return t, nil
}

func compileRoute(r Route, auths map[string]*jwtAuthorizer, throttle ThrottleSettings) (*compiledRoute, string, error) {
	cr := &compiledRoute{route: r, timeout: r.Timeout}
	if r.Function == "" {
		return nil, "", fmt.Errorf("no function")
	}
	if r.Timeout < 0 {
		return nil, "", fmt.Errorf("negative timeout %s", r.Timeout)
	}
	if cr.timeout == 0 {
		cr.timeout = defaultIntegrationTimeout
	}
	if r.Authorizer != "" {
		a, ok := auths[r.Authorizer]
		if !ok {
			return nil, "", fmt.Errorf("unknown authorizer %q", r.Authorizer)
		}
		cr.authorizer = a
	} else if len(r.Scopes) > 0 {
		return nil, "", fmt.Errorf("authorization scopes need an authorizer")
	}
	cr.bucket = newTokenBucket(throttle)

	if r.Path == defaultRouteKey {
		if r.Method != "" && r.Method != "ANY" {
			return nil, "", fmt.Errorf("$default takes no method")
		}
		cr.key = defaultRouteKey
		return cr, defaultRouteKey, nil
	}
	method := strings.ToUpper(r.Method)
	if !knownMethods[method] {
		return nil, "", fmt.Errorf("unsupported method %q", r.Method)
	}
	cr.route.Method = method
	segs, err := splitPattern(r.Path)
	if err != nil {
		return nil, "", err
	}
	var shape strings.Builder
	shape.WriteString(method)
	shape.WriteByte(' ')
	seen := map[string]bool{}
	for i, s := range segs {
		shape.WriteByte('/')
		name, greedy, isVar := parseVariable(s)
		if !isVar {
			if strings.ContainsAny(s, "{}") {
				return nil, "", fmt.Errorf("segment %q mixes literal text and a variable", s)
			}
			shape.WriteString(s)
			continue
		}
		if !validVariableName(name) {
			return nil, "", fmt.Errorf("invalid path variable %q", s)
		}
		if greedy && i != len(segs)-1 {
			return nil, "", fmt.Errorf("greedy variable %q must be the last segment", s)
		}
		if seen[name] {
			return nil, "", fmt.Errorf("path variable %q appears twice", name)
		}
		seen[name] = true
		cr.params = append(cr.params, name)
		if greedy {
			shape.WriteString("{+}")
		} else {
			shape.WriteString("{}")
		}
	}
	cr.key = method + " " + r.Path
	return cr, shape.String(), nil
}

// splitPattern splits a route path into segments. Only the root path may
// have an empty segment.
func splitPattern(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q must start with /", p)
	}
	if p == "/" {
		return []string{""}, nil
	}
	segs := strings.Split(p[1:], "/")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("path %q has an empty segment", p)
		}
	}
	return segs, nil
}

func parseVariable(seg string) (name string, greedy, ok bool) {
	if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' {
		return "", false, false
	}
	name = seg[1 : len(seg)-1]
	if strings.HasSuffix(name, "+") {
		return name[:len(name)-1], true, true
	}
	return name, false, true
}

func validVariableName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (t *routeTable) insert(cr *compiledRoute) {
	segs, _ := splitPattern(cr.route.Path)
	n := t.root
	for i, s := range segs {
		_, greedy, isVar := parseVariable(s)
		switch {
		case isVar && greedy:
			if n.greedy == nil {
				n.greedy = methodSet{}
			}
			n.greedy[cr.route.Method] = cr
			return
		case isVar:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		default:
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			child := n.literal[s]
			if child == nil {
				child = &node{}
				n.literal[s] = child
			}
			n = child
		}
		if i == len(segs)-1 {
			if n.here == nil {
				n.here = methodSet{}
			}
			n.here[cr.route.Method] = cr
		}
	}
}

// match finds the most specific route for method and the escaped request
// path: segment by segment, a literal beats a {variable}, which beats a
// greedy {proxy+}; at equal paths the request's method beats ANY. When the
// most specific path has no route for the method, less specific paths are
// tried, and finally $default.
func (t *routeTable) match(method, escapedPath string) (routeMatch, bool) {
	if strings.HasPrefix(escapedPath, "/") {
		values := make([]string, 0, 4)
		if r, vals := t.root.match(escapedPath[1:], method, values); r != nil {
			return routeMatch{route: r, values: vals}, true
		}
	}
	if t.fallback != nil {
		return routeMatch{route: t.fallback}, true
	}
	return routeMatch{}, false
}

func (n *node) match(rest, method string, values []string) (*compiledRoute, []string) {
	seg, next, hasNext := strings.Cut(rest, "/")
	if child := n.literal[seg]; child != nil {
		if r, vals := child.matchChild(next, hasNext, method, values); r != nil {
			return r, vals
		}
	}
	if n.param != nil && seg != "" {
		if r, vals := n.param.matchChild(next, hasNext, method, append(values, seg)); r != nil {
			return r, vals
		}
	}
	if n.greedy != nil && rest != "" {
		if r := n.greedy.pick(method); r != nil {
			return r, append(values, rest)
		}
	}
	return nil, nil
}

func (n *node) matchChild(next string, hasNext bool, method string, values []string) (*compiledRoute, []string) {
	if !hasNext {
		if r := n.here.pick(method); r != nil {
			return r, values
		}
		return nil, nil
	}
	return n.match(next, method, values)
}

// pathParameters decodes the captured segments. A value that is not valid
// percent-encoding is passed through as sent.
func (m routeMatch) pathParameters() [][2]string {
	if len(m.route.params) == 0 {
		return nil
	}
	out := make([][2]string, len(m.route.params))
	for i, name := range m.route.params {
		v := m.values[i]
		if strings.IndexByte(v, '%') >= 0 {
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
		}
		out[i] = [2]string{name, v}
	}
	return out
}
