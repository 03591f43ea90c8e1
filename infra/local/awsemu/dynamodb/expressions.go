package dynamodb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/truora/minidyn/interpreter/language"
	mdtypes "github.com/truora/minidyn/types"
)

// Expressions are parsed once per request with minidyn's parser and checked
// statically here (placeholders, reserved words, functions, paths), then
// evaluated per item with minidyn's evaluator. Key conditions are analysed
// here to turn them into B-tree range scans.

type exprKind string

const (
	exprCondition  exprKind = "ConditionExpression"
	exprFilter     exprKind = "FilterExpression"
	exprKeyCond    exprKind = "KeyConditionExpression"
	exprProjection exprKind = "ProjectionExpression"
	exprUpdate     exprKind = "UpdateExpression"
)

// exprContext is one request's (or one transaction action's)
// ExpressionAttributeNames and ExpressionAttributeValues, with usage tracking
// so unused or undefined placeholders are reported like DynamoDB does.
type exprContext struct {
	names      map[string]string
	values     item
	usedNames  map[string]bool
	usedValues map[string]bool
	exprCount  int
	valueObjs  map[string]language.Object
}

func newExprContext(names map[string]string, values item, namesGiven, valuesGiven bool) (*exprContext, *apiError) {
	if namesGiven && len(names) == 0 {
		return nil, validationErr("ExpressionAttributeNames must not be empty")
	}
	if valuesGiven && len(values) == 0 {
		return nil, validationErr("ExpressionAttributeValues must not be empty")
	}
	for k := range names {
		if !validPlaceholder(k, '#') {
			return nil, validationErr("ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"", k)
		}
	}
	for k, v := range values {
		if !validPlaceholder(k, ':') {
			return nil, validationErr("ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"", k)
		}
		if v == nil {
			return nil, validationErr("ExpressionAttributeValues contains invalid value: %s for key %s", msgEmptyAV, k)
		}
	}
	return &exprContext{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

func validPlaceholder(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// finish reports placeholders that no expression used.
func (c *exprContext) finish() *apiError {
	if c.exprCount == 0 {
		if len(c.names) > 0 {
			return validationErr("ExpressionAttributeNames can only be specified when using expressions")
		}
		if len(c.values) > 0 {
			return validationErr("ExpressionAttributeValues can only be specified when using expressions")
		}
		return nil
	}
	if unused := unusedKeys(c.names, c.usedNames); len(unused) > 0 {
		return validationErr("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(unused, ", "))
	}
	if unused := unusedKeys(c.values, c.usedValues); len(unused) > 0 {
		return validationErr("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(unused, ", "))
	}
	return nil
}

func unusedKeys[V any](m map[string]V, used map[string]bool) []string {
	var out []string
	for k := range m {
		if !used[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// resolveName maps a path element to the attribute name it denotes.
func (c *exprContext) resolveName(kind exprKind, raw string) (string, *apiError) {
	if strings.HasPrefix(raw, "#") {
		n, ok := c.names[raw]
		if !ok {
			return "", validationErr("Invalid %s: An expression attribute name used in the document path is not defined; attribute name: %s", kind, raw)
		}
		c.usedNames[raw] = true
		return n, nil
	}
	if language.IsReservedWord(strings.ToUpper(raw)) {
		return "", validationErr("Invalid %s: Attribute name is a reserved keyword; reserved keyword: %s", kind, raw)
	}
	return raw, nil
}

func (c *exprContext) value(kind exprKind, raw string) (*attrValue, *apiError) {
	v, ok := c.values[raw]
	if !ok {
		return nil, validationErr("Invalid %s: An expression attribute value used in expression is not defined; attribute value: %s", kind, raw)
	}
	c.usedValues[raw] = true
	return v, nil
}

// valueObjects converts the values for the interpreter once per request;
// condition evaluation never mutates them, so they can be shared.
func (c *exprContext) valueObjects() map[string]language.Object {
	if c.valueObjs == nil {
		c.valueObjs = make(map[string]language.Object, len(c.values))
		for k, v := range c.values {
			c.valueObjs[k] = v.toObject()
		}
	}
	return c.valueObjs
}

// keywordWords are the expression keywords minidyn's lexer only recognises in
// upper case, while DynamoDB accepts any case.
var keywordWords = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true, "SET": true, "REMOVE": true, "ADD": true, "DELETE": true}

// normalizeKeywords upper-cases bare keywords; an attribute with such a name
// would be a reserved word needing a #placeholder anyway, so nothing else
// can change meaning.
func normalizeKeywords(expr string) string {
	var b strings.Builder
	i := 0
	for i < len(expr) {
		c := expr[i]
		if isIdentByte(c) {
			j := i
			for j < len(expr) && isIdentByte(expr[j]) {
				j++
			}
			word := expr[i:j]
			prevDot := i > 0 && expr[i-1] == '.'
			if !prevDot && word[0] != '#' && word[0] != ':' && keywordWords[strings.ToUpper(word)] {
				b.WriteString(strings.ToUpper(word))
			} else {
				b.WriteString(word)
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '#' || c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func syntaxErr(kind exprKind, details []string) *apiError {
	return validationErr("Invalid %s: Syntax error; %s", kind, strings.Join(details, "; "))
}

func emptyExprErr(kind exprKind) *apiError {
	return validationErr("Invalid %s: The expression can not be empty;", kind)
}

// pathElem is one step of a document path: a map key or a list index.
type pathElem struct {
	name  string
	index int
	isIdx bool
}

func renderPath(p []pathElem) string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.isIdx {
			parts[i] = "[" + strconv.Itoa(e.index) + "]"
		} else {
			parts[i] = e.name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pathOf resolves a path expression (a, #a, a.b, a[1], ...) to its elements.
func (c *exprContext) pathOf(kind exprKind, n language.Expression) ([]pathElem, *apiError) {
	switch node := n.(type) {
	case *language.Identifier:
		if strings.HasPrefix(node.Value, ":") {
			return nil, validationErr("Invalid %s: Syntax error; token: \"%s\", near: \"%s\"", kind, node.Value, node.Value)
		}
		name, err := c.resolveName(kind, node.Value)
		if err != nil {
			return nil, err
		}
		return []pathElem{{name: name}}, nil
	case *language.IndexExpression:
		prefix, err := c.pathOf(kind, node.Left)
		if err != nil {
			return nil, err
		}
		id, ok := node.Index.(*language.Identifier)
		if !ok {
			return nil, syntaxErr(kind, []string{"invalid document path"})
		}
		if node.Type == language.ObjectTypeList {
			i, perr := strconv.Atoi(id.Token.Literal)
			if perr != nil || i < 0 {
				return nil, syntaxErr(kind, []string{fmt.Sprintf("token: \"%s\"", id.Token.Literal)})
			}
			return append(prefix, pathElem{index: i, isIdx: true}), nil
		}
		name, err := c.resolveName(kind, id.Value)
		if err != nil {
			return nil, err
		}
		return append(prefix, pathElem{name: name}), nil
	}
	return nil, syntaxErr(kind, []string{"invalid document path"})
}

// lookupPath walks it along p; nil if any step is missing.
func lookupPath(it item, p []pathElem) *attrValue {
	v := it[p[0].name]
	for _, e := range p[1:] {
		if v == nil {
			return nil
		}
		switch {
		case e.isIdx && v.kind == kindL:
			if e.index >= len(v.l) {
				return nil
			}
			v = v.l[e.index]
		case !e.isIdx && v.kind == kindM:
			v = v.m[e.name]
		default:
			return nil
		}
	}
	return v
}

// functions allowed per expression kind, with their operand counts.
var conditionFuncs = map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2, "size": 1}
var updateFuncs = map[string]int{"if_not_exists": 2, "list_append": 2}

// analysis walks a parsed expression, checking it statically and recording
// the top-level attributes it reads.
type analysis struct {
	ctx   *exprContext
	kind  exprKind
	roots map[string]bool
	sizes []sizeCall
}

// sizeCall is a size(path) call rewritten to a synthetic value placeholder,
// because minidyn's size() only handles strings and binaries while DynamoDB
// also sizes lists, maps and sets.
type sizeCall struct {
	placeholder string
	path        []pathElem
}

func (a *analysis) operand(n language.Expression) (language.Expression, *apiError) {
	switch node := n.(type) {
	case nil:
		return nil, syntaxErr(a.kind, []string{"incomplete expression"})
	case *language.Identifier:
		if strings.HasPrefix(node.Value, ":") {
			if _, err := a.ctx.value(a.kind, node.Value); err != nil {
				return nil, err
			}
			return n, nil
		}
		p, err := a.ctx.pathOf(a.kind, n)
		if err != nil {
			return nil, err
		}
		a.roots[p[0].name] = true
		return n, nil
	case *language.IndexExpression:
		p, err := a.ctx.pathOf(a.kind, n)
		if err != nil {
			return nil, err
		}
		a.roots[p[0].name] = true
		return n, nil
	case *language.InfixExpression:
		if a.kind != exprUpdate && (node.Operator == "+" || node.Operator == "-") {
			return nil, syntaxErr(a.kind, []string{fmt.Sprintf("token: \"%s\"", node.Operator)})
		}
		l, err := a.operand(node.Left)
		if err != nil {
			return nil, err
		}
		r, err := a.operand(node.Right)
		if err != nil {
			return nil, err
		}
		node.Left, node.Right = l, r
		return n, nil
	case *language.PrefixExpression:
		r, err := a.operand(node.Right)
		if err != nil {
			return nil, err
		}
		node.Right = r
		return n, nil
	case *language.BetweenExpression:
		l, err := a.operand(node.Left)
		if err != nil {
			return nil, err
		}
		node.Left = l
		for i := range node.Range {
			r, err := a.operand(node.Range[i])
			if err != nil {
				return nil, err
			}
			node.Range[i] = r
		}
		return n, nil
	case *language.InExpression:
		l, err := a.operand(node.Left)
		if err != nil {
			return nil, err
		}
		node.Left = l
		for i := range node.Range {
			r, err := a.operand(node.Range[i])
			if err != nil {
				return nil, err
			}
			node.Range[i] = r
		}
		return n, nil
	case *language.CallExpression:
		return a.call(node)
	}
	return nil, syntaxErr(a.kind, []string{fmt.Sprintf("token: \"%s\"", n.TokenLiteral())})
}

func (a *analysis) call(node *language.CallExpression) (language.Expression, *apiError) {
	fn, ok := node.Function.(*language.Identifier)
	if !ok {
		return nil, syntaxErr(a.kind, []string{"bad function call"})
	}
	name := fn.Value
	allowed, other := conditionFuncs, updateFuncs
	if a.kind == exprUpdate {
		allowed, other = updateFuncs, conditionFuncs
	}
	want, ok := allowed[name]
	if !ok {
		if _, isOther := other[name]; isOther {
			return nil, validationErr("Invalid %s: The function is not allowed to be used this way in an expression; function: %s", a.kind, name)
		}
		return nil, validationErr("Invalid %s: Invalid function name; function: %s", a.kind, name)
	}
	if len(node.Arguments) != want {
		return nil, validationErr("Invalid %s: Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", a.kind, name, len(node.Arguments))
	}
	switch name {
	case "attribute_exists", "attribute_not_exists", "size", "begins_with", "contains", "attribute_type":
		if _, isPath := pathNode(node.Arguments[0]); !isPath {
			return nil, validationErr("Invalid %s: Operator or function requires a document path; operator or function: %s", a.kind, name)
		}
	}
	if name == "begins_with" {
		if id, ok := node.Arguments[1].(*language.Identifier); ok && strings.HasPrefix(id.Value, ":") {
			if v, ok := a.ctx.values[id.Value]; ok && v.kind != kindS && v.kind != kindB {
				return nil, validationErr("Invalid %s: Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", a.kind, v.kind)
			}
		}
	}
	for i := range node.Arguments {
		arg, err := a.operand(node.Arguments[i])
		if err != nil {
			return nil, err
		}
		node.Arguments[i] = arg
	}
	if name == "size" {
		p, _ := a.ctx.pathOf(a.kind, node.Arguments[0])
		ph := fmt.Sprintf(":__size%d", len(a.sizes))
		a.sizes = append(a.sizes, sizeCall{placeholder: ph, path: p})
		return &language.Identifier{Token: language.Token{Type: language.IDENT, Literal: ph}, Value: ph}, nil
	}
	return node, nil
}

func pathNode(n language.Expression) (language.Expression, bool) {
	switch node := n.(type) {
	case *language.Identifier:
		return n, !strings.HasPrefix(node.Value, ":")
	case *language.IndexExpression:
		return n, true
	}
	return n, false
}

// condition is a parsed ConditionExpression or FilterExpression.
type condition struct {
	kind  exprKind
	root  *language.ConditionalExpression
	roots []string
	sizes []sizeCall
	ctx   *exprContext
}

// parseCondition parses a condition or filter; a nil expression yields nil.
func (c *exprContext) parseCondition(kind exprKind, expr *string) (*condition, *apiError) {
	if expr == nil {
		return nil, nil
	}
	c.exprCount++
	if strings.TrimSpace(*expr) == "" {
		return nil, emptyExprErr(kind)
	}
	p := language.NewParser(language.NewLexer(normalizeKeywords(*expr)))
	root := p.ParseConditionalExpression()
	if len(p.Errors()) > 0 {
		return nil, syntaxErr(kind, p.Errors())
	}
	if root.Expression == nil {
		return nil, syntaxErr(kind, []string{"empty expression"})
	}
	a := &analysis{ctx: c, kind: kind, roots: map[string]bool{}}
	e, err := a.operand(root.Expression)
	if err != nil {
		return nil, err
	}
	root.Expression = e
	cond := &condition{kind: kind, root: root, sizes: a.sizes, ctx: c}
	for r := range a.roots {
		cond.roots = append(cond.roots, r)
	}
	return cond, nil
}

// match evaluates the condition against it (nil it = item absent).
// Evaluation errors (for example comparing a string with a number) make the
// condition false, as in DynamoDB, instead of failing the request.
func (cd *condition) match(it item) (bool, error) {
	env := language.NewEnvironment()
	env.Aliases = cd.ctx.names
	for _, r := range cd.roots {
		if v := it[r]; v != nil {
			env.Set(r, v.toObject())
		}
	}
	for k, o := range cd.ctx.valueObjects() {
		env.Set(k, o)
	}
	for _, s := range cd.sizes {
		if v := lookupPath(it, s.path); v != nil {
			env.Set(s.placeholder, &language.Number{Value: float64(valueCount(v))})
		}
	}
	res := language.Eval(cd.root, env)
	return res == language.TRUE, nil
}

// valueCount is what DynamoDB's size() returns for v.
func valueCount(v *attrValue) int {
	switch v.kind {
	case kindS:
		return len(v.s)
	case kindB:
		return len(v.b)
	case kindL:
		return len(v.l)
	case kindM:
		return len(v.m)
	case kindSS, kindNS:
		return len(v.ss)
	case kindBS:
		return len(v.bs)
	case kindN:
		return numberSize(v.s)
	}
	return 1
}

// projection is a parsed ProjectionExpression as a tree of selected paths.
type projection struct {
	root *projNode
}

type projNode struct {
	leaf     bool
	children map[string]*projNode
	indexes  map[int]*projNode
}

func (c *exprContext) parseProjection(expr *string) (*projection, *apiError) {
	if expr == nil {
		return nil, nil
	}
	c.exprCount++
	if strings.TrimSpace(*expr) == "" {
		return nil, emptyExprErr(exprProjection)
	}
	p := language.NewParser(language.NewLexer(*expr))
	exprs := p.ParseProjectionExpression()
	if len(p.Errors()) > 0 {
		return nil, syntaxErr(exprProjection, p.Errors())
	}
	pr := &projection{root: &projNode{}}
	var paths [][]pathElem
	for _, e := range exprs {
		path, err := c.pathOf(exprProjection, e)
		if err != nil {
			return nil, err
		}
		for _, prev := range paths {
			if pathsOverlap(prev, path) {
				return nil, validationErr("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", renderPath(prev), renderPath(path))
			}
		}
		paths = append(paths, path)
		pr.add(path)
	}
	return pr, nil
}

func pathsOverlap(a, b []pathElem) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (pr *projection) add(path []pathElem) {
	n := pr.root
	for _, e := range path {
		var next *projNode
		if e.isIdx {
			if n.indexes == nil {
				n.indexes = map[int]*projNode{}
			}
			next = n.indexes[e.index]
			if next == nil {
				next = &projNode{}
				n.indexes[e.index] = next
			}
		} else {
			if n.children == nil {
				n.children = map[string]*projNode{}
			}
			next = n.children[e.name]
			if next == nil {
				next = &projNode{}
				n.children[e.name] = next
			}
		}
		n = next
	}
	n.leaf = true
}

// apply returns the projected copy of it (values shared, never mutated).
func (pr *projection) apply(it item) item {
	out := item{}
	for name, child := range pr.root.children {
		if v := it[name]; v != nil {
			if pv := child.apply(v); pv != nil {
				out[name] = pv
			}
		}
	}
	return out
}

func (n *projNode) apply(v *attrValue) *attrValue {
	if n.leaf {
		return v
	}
	switch {
	case v.kind == kindM && len(n.children) > 0:
		m := map[string]*attrValue{}
		for name, child := range n.children {
			if cv := v.m[name]; cv != nil {
				if pv := child.apply(cv); pv != nil {
					m[name] = pv
				}
			}
		}
		if len(m) == 0 {
			return nil
		}
		return &attrValue{kind: kindM, m: m}
	case v.kind == kindL && len(n.indexes) > 0:
		idx := make([]int, 0, len(n.indexes))
		for i := range n.indexes {
			idx = append(idx, i)
		}
		slices.Sort(idx)
		var l []*attrValue
		for _, i := range idx {
			if i < len(v.l) {
				if pv := n.indexes[i].apply(v.l[i]); pv != nil {
					l = append(l, pv)
				}
			}
		}
		if len(l) == 0 {
			return nil
		}
		return &attrValue{kind: kindL, l: l}
	}
	return nil
}

// updateAction is one SET/REMOVE/ADD/DELETE clause.
type updateAction struct {
	op      string
	path    []pathElem
	operand string // the :value of ADD and DELETE
}

// update is a parsed UpdateExpression.
type update struct {
	stmt     *language.UpdateStatement
	actions  []updateAction
	roots    []string
	targets  map[string]bool
	required [][]pathElem // paths SET operands read; they must exist
	arith    []arithOp
	ctx      *exprContext
}

// arithOp is a numeric ADD action or a "+"/"-" operand rewritten to a
// synthetic placeholder. minidyn computes in float64, which turns
// 19.99 + 0.01 into 20.000000000000004; these are computed exactly on
// decimals instead and handed to the interpreter as ready values.
type arithOp struct {
	placeholder string
	op          string // "+", "-" or ADD
	left, right language.Expression
	path        []pathElem // ADD target
}

func (c *exprContext) parseUpdate(expr *string, keys keySchema) (*update, *apiError) {
	if expr == nil {
		return nil, nil
	}
	c.exprCount++
	if strings.TrimSpace(*expr) == "" {
		return nil, emptyExprErr(exprUpdate)
	}
	p := language.NewUpdateParser(language.NewLexer(normalizeKeywords(*expr)))
	stmt := p.ParseUpdateExpression()
	if len(p.Errors()) > 0 {
		return nil, syntaxErr(exprUpdate, p.Errors())
	}
	ue, ok := stmt.Expression.(*language.UpdateExpression)
	if !ok {
		return nil, syntaxErr(exprUpdate, []string{"expected SET, REMOVE, ADD or DELETE"})
	}
	u := &update{stmt: stmt, targets: map[string]bool{}, ctx: c}
	a := &analysis{ctx: c, kind: exprUpdate, roots: map[string]bool{}}
	for _, e := range ue.Expressions {
		act, ok := e.(*language.ActionExpression)
		if !ok || act == nil {
			return nil, syntaxErr(exprUpdate, []string{"invalid action"})
		}
		path, err := c.pathOf(exprUpdate, act.Left)
		if err != nil {
			return nil, err
		}
		op := string(act.Token.Type)
		operand := ""
		switch op {
		case language.ADD, language.DELETE:
			id, ok := act.Right.(*language.Identifier)
			if !ok || !strings.HasPrefix(id.Value, ":") {
				return nil, syntaxErr(exprUpdate, []string{fmt.Sprintf("%s requires an expression attribute value", op)})
			}
			v, err := c.value(exprUpdate, id.Value)
			if err != nil {
				return nil, err
			}
			operand = id.Value
			if op == language.ADD && v.kind != kindN && v.kind != kindSS && v.kind != kindNS && v.kind != kindBS {
				return nil, validationErr("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: %s", typeWord(v.kind))
			}
			if op == language.DELETE && v.kind != kindSS && v.kind != kindNS && v.kind != kindBS {
				return nil, validationErr("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: %s", typeWord(v.kind))
			}
			if len(path) != 1 && v.kind != kindN {
				// minidyn only applies set ADD/DELETE to top-level attributes.
				return nil, validationErr("Invalid UpdateExpression: %s of a set is supported on top-level attributes only by this emulator", op)
			}
			if op == language.ADD && v.kind == kindN {
				ph := u.newArith(arithOp{op: language.ADD, right: act.Right, path: path})
				act.Token = language.Token{Type: language.SET, Literal: language.SET}
				act.Right = syntheticIdent(ph)
			}
		case language.SET:
			r, err := a.operand(act.Right)
			if err != nil {
				return nil, err
			}
			act.Right = r
			u.collectRequired(act.Right)
			act.Right = u.rewriteArith(act.Right)
		}
		for _, prev := range u.actions {
			if pathsOverlap(prev.path, path) {
				return nil, validationErr("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", renderPath(prev.path), renderPath(path))
			}
		}
		if keys.isKey(path[0].name) {
			return nil, validationErr("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", path[0].name)
		}
		u.actions = append(u.actions, updateAction{op: op, path: path, operand: operand})
		u.targets[path[0].name] = true
		a.roots[path[0].name] = true
	}
	for r := range a.roots {
		u.roots = append(u.roots, r)
	}
	return u, nil
}

// collectRequired records the document paths a SET operand reads; DynamoDB
// fails the update when one is missing, except if_not_exists' first operand.
func (u *update) collectRequired(n language.Expression) {
	switch node := n.(type) {
	case *language.Identifier, *language.IndexExpression:
		if _, isPath := pathNode(n); isPath {
			if p, err := u.ctx.pathOf(exprUpdate, n); err == nil {
				u.required = append(u.required, p)
			}
		}
	case *language.InfixExpression:
		u.collectRequired(node.Left)
		u.collectRequired(node.Right)
	case *language.CallExpression:
		fn, _ := node.Function.(*language.Identifier)
		for i, arg := range node.Arguments {
			if fn != nil && fn.Value == "if_not_exists" && i == 0 {
				continue
			}
			u.collectRequired(arg)
		}
	}
}

func syntheticIdent(ph string) *language.Identifier {
	return &language.Identifier{Token: language.Token{Type: language.IDENT, Literal: ph}, Value: ph}
}

func (u *update) newArith(a arithOp) string {
	a.placeholder = fmt.Sprintf(":__arith%d", len(u.arith))
	u.arith = append(u.arith, a)
	return a.placeholder
}

// rewriteArith replaces "+"/"-" nodes, innermost first, by placeholders.
func (u *update) rewriteArith(n language.Expression) language.Expression {
	switch node := n.(type) {
	case *language.InfixExpression:
		node.Left = u.rewriteArith(node.Left)
		node.Right = u.rewriteArith(node.Right)
		if node.Operator == "+" || node.Operator == "-" {
			return syntheticIdent(u.newArith(arithOp{op: node.Operator, left: node.Left, right: node.Right}))
		}
	case *language.CallExpression:
		for i, arg := range node.Arguments {
			node.Arguments[i] = u.rewriteArith(arg)
		}
	}
	return n
}

// operandValue evaluates a SET operand the arithmetic needs.
func (u *update) operandValue(n language.Expression, old item, computed map[string]*attrValue) (*attrValue, *apiError) {
	switch node := n.(type) {
	case *language.Identifier:
		if v, ok := computed[node.Value]; ok {
			return v, nil
		}
		if strings.HasPrefix(node.Value, ":") {
			return u.ctx.values[node.Value], nil
		}
	case *language.CallExpression:
		fn, _ := node.Function.(*language.Identifier)
		if fn != nil && fn.Value == "if_not_exists" && len(node.Arguments) == 2 {
			if p, err := u.ctx.pathOf(exprUpdate, node.Arguments[0]); err == nil {
				if v := lookupPath(old, p); v != nil {
					return v, nil
				}
			}
			return u.operandValue(node.Arguments[1], old, computed)
		}
		return nil, validationErr("An operand in the update expression has an incorrect data type")
	}
	p, err := u.ctx.pathOf(exprUpdate, n)
	if err != nil {
		return nil, err
	}
	v := lookupPath(old, p)
	if v == nil {
		return nil, validationErr("The provided expression refers to an attribute that does not exist in the item")
	}
	return v, nil
}

// computeArith evaluates the rewritten arithmetic exactly for one item.
func (u *update) computeArith(old item) (map[string]*attrValue, *apiError) {
	computed := make(map[string]*attrValue, len(u.arith))
	incorrect := validationErr("An operand in the update expression has an incorrect data type")
	for _, a := range u.arith {
		var l, r *attrValue
		var err *apiError
		if a.op == language.ADD {
			r = u.ctx.values[a.right.(*language.Identifier).Value]
			l = lookupPath(old, a.path)
			if l == nil {
				computed[a.placeholder] = r
				continue
			}
		} else {
			if l, err = u.operandValue(a.left, old, computed); err != nil {
				return nil, err
			}
			if r, err = u.operandValue(a.right, old, computed); err != nil {
				return nil, err
			}
		}
		if l == nil || r == nil || l.kind != kindN || r.kind != kindN {
			return nil, incorrect
		}
		res, msg := addDecimals(l.s, r.s, a.op == "-")
		if msg != "" {
			return nil, validationErr("%s", msg)
		}
		computed[a.placeholder] = &attrValue{kind: kindN, s: res}
	}
	return computed, nil
}

func typeWord(k avKind) string {
	switch k {
	case kindS:
		return "STRING"
	case kindN:
		return "NUMBER"
	case kindB:
		return "BINARY"
	case kindBOOL:
		return "BOOLEAN"
	case kindNULL:
		return "NULL"
	case kindL:
		return "LIST"
	case kindM:
		return "MAP"
	}
	return k.String()
}

// apply evaluates the update against old (nil or the key-only item for a new
// item) and returns the new item. Untouched attributes keep their exact
// stored values; only the attributes the expression targets are rebuilt
// from the interpreter's result.
func (u *update) apply(old item) (item, *apiError) {
	for _, p := range u.required {
		if lookupPath(old, p) == nil {
			return nil, validationErr("The provided expression refers to an attribute that does not exist in the item")
		}
	}
	numbers := map[float64]string{}
	env := language.NewEnvironment()
	env.Aliases = u.ctx.names
	for _, r := range u.roots {
		v := old[r]
		if v == nil {
			continue
		}
		v.collectNumbers(numbers)
		env.Set(r, v.toObject())
	}
	exclude := map[string]bool{}
	for k, v := range u.ctx.values {
		v.collectNumbers(numbers)
		// Fresh objects per evaluation: ADD and SET may mutate them in place.
		env.Set(k, v.toObject())
		exclude[k] = true
	}
	for _, act := range u.actions {
		if err := u.checkAction(act, old); err != nil {
			return nil, err
		}
	}
	computed, aerr := u.computeArith(old)
	if aerr != nil {
		return nil, aerr
	}
	for ph, v := range computed {
		v.collectNumbers(numbers)
		f, _ := strconv.ParseFloat(v.s, 64)
		env.Set(ph, &language.Number{Value: f})
		exclude[ph] = true
	}
	res := language.EvalUpdate(u.stmt, env)
	if res != nil && res.Type() == language.ObjectTypeError {
		return nil, translateUpdateError(res.Inspect())
	}
	out := map[string]*mdtypes.Item{}
	env.Apply(out, nil, exclude)
	next := old.clone()
	for t := range u.targets {
		mv, ok := out[t]
		if !ok {
			delete(next, t)
			continue
		}
		v, err := fromMinidyn(mv, numbers)
		if err != nil {
			return nil, err.(*apiError)
		}
		if v == nil {
			delete(next, t)
			continue
		}
		next[t] = v
	}
	return next, nil
}

// checkAction reports type errors DynamoDB detects before applying ADD,
// DELETE and nested SET clauses.
func (u *update) checkAction(act updateAction, old item) *apiError {
	cur := lookupPath(old, act.path)
	switch act.op {
	case language.ADD, language.DELETE:
		if cur == nil {
			return nil
		}
		if v := u.ctx.values[act.operand]; cur.kind != v.kind {
			return validationErr("An operand in the update expression has an incorrect data type")
		}
	case language.SET:
		if len(act.path) > 1 && lookupPath(old, act.path[:len(act.path)-1]) == nil {
			return validationErr("The document path provided in the update expression is invalid for update")
		}
	case language.REMOVE:
		if len(act.path) > 1 {
			parent := lookupPath(old, act.path[:len(act.path)-1])
			last := act.path[len(act.path)-1]
			if parent != nil && ((last.isIdx && parent.kind != kindL) || (!last.isIdx && parent.kind != kindM)) {
				return validationErr("The document path provided in the update expression is invalid for update")
			}
		}
	}
	return nil
}

// translateUpdateError maps minidyn's evaluation errors to DynamoDB messages.
func translateUpdateError(msg string) *apiError {
	msg = strings.TrimPrefix(msg, "ERROR: ")
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "null + ") || strings.Contains(lower, "null - ") || strings.Contains(lower, " + null") || strings.Contains(lower, " - null"):
		return validationErr("The provided expression refers to an attribute that does not exist in the item")
	case strings.Contains(lower, "incorrect data type"), strings.Contains(lower, "incorrect operand type"),
		strings.HasPrefix(lower, "invalid operation"), strings.HasPrefix(lower, "list_append"):
		return validationErr("An operand in the update expression has an incorrect data type")
	case strings.Contains(lower, "index"):
		return validationErr("The document path provided in the update expression is invalid for update")
	}
	return validationErr("Invalid UpdateExpression: %s", msg)
}

// keyCondition is an analysed KeyConditionExpression: the partition value
// and an optional sort-key predicate.
type keyCondition struct {
	hash   *attrValue
	op     string // "", "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"
	values [2]*attrValue
}

func (c *exprContext) parseKeyCondition(expr *string, ks keySchema) (*keyCondition, *apiError) {
	if expr == nil {
		return nil, validationErr("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	c.exprCount++
	if strings.TrimSpace(*expr) == "" {
		return nil, validationErr("Invalid KeyConditionExpression: The expression can not be empty;")
	}
	p := language.NewParser(language.NewLexer(normalizeKeywords(*expr)))
	root := p.ParseConditionalExpression()
	if len(p.Errors()) > 0 {
		return nil, syntaxErr(exprKeyCond, p.Errors())
	}
	if root.Expression == nil {
		return nil, syntaxErr(exprKeyCond, []string{"empty expression"})
	}
	type part struct {
		name   string
		op     string
		values [2]*attrValue
	}
	var parts []part
	flip := map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
	var walk func(n language.Expression) *apiError
	keyName := func(n language.Expression) (string, bool, *apiError) {
		if _, isPath := pathNode(n); !isPath {
			return "", false, nil
		}
		path, err := c.pathOf(exprKeyCond, n)
		if err != nil {
			return "", true, err
		}
		if len(path) != 1 {
			return "", true, validationErr("Invalid KeyConditionExpression: Key conditions must reference top-level key attributes")
		}
		return path[0].name, true, nil
	}
	valueOf := func(n language.Expression) (*attrValue, *apiError) {
		id, ok := n.(*language.Identifier)
		if !ok || !strings.HasPrefix(id.Value, ":") {
			return nil, validationErr("Invalid KeyConditionExpression: Syntax error; key conditions must compare a key attribute with an expression attribute value")
		}
		return c.value(exprKeyCond, id.Value)
	}
	walk = func(n language.Expression) *apiError {
		switch node := n.(type) {
		case *language.InfixExpression:
			if node.Operator == language.AND {
				if err := walk(node.Left); err != nil {
					return err
				}
				return walk(node.Right)
			}
			op, ok := flip[node.Operator]
			if !ok {
				return validationErr("Invalid operator used in KeyConditionExpression: %s", node.Operator)
			}
			name, isPath, err := keyName(node.Left)
			if err != nil {
				return err
			}
			valNode := node.Right
			if !isPath {
				name, isPath, err = keyName(node.Right)
				if err != nil {
					return err
				}
				if !isPath {
					return validationErr("Invalid KeyConditionExpression: Syntax error; key conditions must reference a key attribute")
				}
				valNode = node.Left
			} else {
				op = node.Operator
			}
			v, err := valueOf(valNode)
			if err != nil {
				return err
			}
			parts = append(parts, part{name: name, op: op, values: [2]*attrValue{v}})
			return nil
		case *language.BetweenExpression:
			name, isPath, err := keyName(node.Left)
			if err != nil {
				return err
			}
			if !isPath {
				return validationErr("Invalid KeyConditionExpression: Syntax error; BETWEEN requires a key attribute")
			}
			lo, err := valueOf(node.Range[0])
			if err != nil {
				return err
			}
			hi, err := valueOf(node.Range[1])
			if err != nil {
				return err
			}
			parts = append(parts, part{name: name, op: "BETWEEN", values: [2]*attrValue{lo, hi}})
			return nil
		case *language.CallExpression:
			fn, _ := node.Function.(*language.Identifier)
			if fn == nil || fn.Value != "begins_with" {
				name := ""
				if fn != nil {
					name = fn.Value
				}
				return validationErr("Invalid operator used in KeyConditionExpression: %s", name)
			}
			if len(node.Arguments) != 2 {
				return validationErr("Invalid KeyConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: %d", len(node.Arguments))
			}
			name, isPath, err := keyName(node.Arguments[0])
			if err != nil {
				return err
			}
			if !isPath {
				return validationErr("Invalid KeyConditionExpression: Operator or function requires a document path; operator or function: begins_with")
			}
			v, err := valueOf(node.Arguments[1])
			if err != nil {
				return err
			}
			parts = append(parts, part{name: name, op: "begins_with", values: [2]*attrValue{v}})
			return nil
		case *language.PrefixExpression:
			return validationErr("Invalid operator used in KeyConditionExpression: NOT")
		case *language.InExpression:
			return validationErr("Invalid operator used in KeyConditionExpression: IN")
		}
		return syntaxErr(exprKeyCond, []string{"unsupported key condition"})
	}
	if err := walk(root.Expression); err != nil {
		return nil, err
	}
	if len(parts) > 2 {
		return nil, validationErr("Conditions can be of length 1 or 2 only")
	}
	kc := &keyCondition{}
	seen := map[string]bool{}
	for _, pt := range parts {
		if seen[pt.name] {
			return nil, validationErr("KeyConditionExpressions must only contain one condition per key")
		}
		seen[pt.name] = true
		switch {
		case pt.name == ks.hash.name:
			if pt.op != "=" {
				return nil, validationErr("Query key condition not supported")
			}
			kc.hash = pt.values[0]
		case ks.hasRange() && pt.name == ks.rng.name:
			kc.op, kc.values = pt.op, pt.values
		default:
			if ks.hasRange() {
				return nil, validationErr("Query condition missed key schema element: %s", ks.rng.name)
			}
			return nil, validationErr("Query key condition not supported")
		}
	}
	if kc.hash == nil {
		return nil, validationErr("Query condition missed key schema element: %s", ks.hash.name)
	}
	if kc.hash.kind.String() != ks.hash.typ {
		return nil, validationErr("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	if kc.hash.isEmptyScalar() {
		return nil, validationErr("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", ks.hash.name)
	}
	if kc.op != "" {
		if kc.op == "begins_with" && ks.rng.typ == "N" {
			return nil, validationErr("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		for _, v := range kc.values {
			if v != nil && v.kind.String() != ks.rng.typ {
				return nil, validationErr("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if kc.op == "BETWEEN" && kc.values[0].keyPart() > kc.values[1].keyPart() {
			return nil, validationErr("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}",
				kc.values[0].kind, kc.values[0].keyPartRaw(), kc.values[1].kind, kc.values[1].keyPartRaw())
		}
	}
	return kc, nil
}
