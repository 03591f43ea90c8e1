package dynamodb

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/google/btree"
)

const maxPageBytes = 1 << 20

type queryInput struct {
	legacyParams
	exprParams
	TableName              string
	IndexName              *string
	Select                 string
	Limit                  *int64
	ConsistentRead         bool
	ScanIndexForward       *bool
	ExclusiveStartKey      item
	KeyConditionExpression *string
	FilterExpression       *string
	ProjectionExpression   *string
	ReturnConsumedCapacity string
	Segment                *int64
	TotalSegments          *int64
}

type queryOutput struct {
	Items            *[]item `json:",omitempty"`
	Count            int
	ScannedCount     int
	LastEvaluatedKey item              `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

func (o *queryOutput) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if o.Items != nil {
		b = append(b, `"Items":[`...)
		for i, it := range *o.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendJSON(b)
		}
		b = append(b, "],"...)
	}
	b = append(b, `"Count":`...)
	b = strconv.AppendInt(b, int64(o.Count), 10)
	b = append(b, `,"ScannedCount":`...)
	b = strconv.AppendInt(b, int64(o.ScannedCount), 10)
	if o.LastEvaluatedKey != nil {
		b = append(b, `,"LastEvaluatedKey":`...)
		b = o.LastEvaluatedKey.appendJSON(b)
	}
	if o.ConsumedCapacity != nil {
		if cc, err := json.Marshal(o.ConsumedCapacity); err == nil {
			b = append(b, `,"ConsumedCapacity":`...)
			b = append(b, cc...)
		}
	}
	return append(b, '}')
}

// readPlan is a validated Query or Scan ready to run against the trees.
type readPlan struct {
	t          *table
	ix         *index
	filter     *condition
	proj       *projection
	selectMode string
	limit      int
	esk        *entry
}

type readResult struct {
	items   []item
	count   int
	scanned int
	bytes   int
	last    *entry
	more    bool
}

// prepareRead validates the parameters Query and Scan share and resolves the
// table and index. The caller holds s.mu.
func (s *Server) prepareRead(in *queryInput, ctx *exprContext) (*readPlan, *apiError) {
	t, err := s.tableLocked(in.TableName)
	if err != nil {
		return nil, err
	}
	p := &readPlan{t: t, selectMode: in.Select}
	if in.IndexName != nil {
		p.ix = t.byName[*in.IndexName]
		if p.ix == nil {
			return nil, validationErr("The table does not have the specified index: %s", *in.IndexName)
		}
		if p.ix.global && in.ConsistentRead {
			return nil, validationErr("Consistent reads are not supported on global secondary indexes")
		}
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, validationErr("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		}
		p.limit = int(*in.Limit)
	}
	switch in.Select {
	case "", "ALL_ATTRIBUTES", "COUNT":
	case "ALL_PROJECTED_ATTRIBUTES":
		if p.ix == nil {
			return nil, validationErr("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is not supported for non-index queries")
		}
	case "SPECIFIC_ATTRIBUTES":
		if in.ProjectionExpression == nil {
			return nil, validationErr("One or more parameter values were invalid: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	default:
		return nil, validationErr("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", in.Select)
	}
	if in.ProjectionExpression != nil && in.Select != "" && in.Select != "SPECIFIC_ATTRIBUTES" {
		return nil, validationErr("Cannot specify the ProjectionExpression when choosing to get %s", in.Select)
	}
	if in.Select == "ALL_ATTRIBUTES" && p.ix != nil && p.ix.global && p.ix.projType != "ALL" {
		return nil, validationErr("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", p.ix.def.IndexName)
	}
	filter, err := ctx.parseCondition(exprFilter, in.FilterExpression)
	if err != nil {
		return nil, err
	}
	p.filter = filter
	proj, err := ctx.parseProjection(in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	p.proj = proj
	if in.ExclusiveStartKey != nil {
		esk, err := p.startEntry(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		p.esk = esk
	}
	return p, nil
}

// startEntry converts ExclusiveStartKey into the tree position it denotes.
func (p *readPlan) startEntry(esk item) (*entry, *apiError) {
	invalid := validationErr("The provided starting key is invalid: The provided key element does not match the schema")
	schemas := []keySchema{p.t.keys}
	if p.ix != nil {
		schemas = append(schemas, p.ix.keys)
	}
	want := map[string]string{}
	for _, ks := range schemas {
		want[ks.hash.name] = ks.hash.typ
		if ks.hasRange() {
			want[ks.rng.name] = ks.rng.typ
		}
	}
	if len(esk) != len(want) {
		return nil, invalid
	}
	for name, typ := range want {
		v := esk[name]
		if v == nil || v.kind.String() != typ {
			return nil, invalid
		}
	}
	tk := p.t.primaryKey(esk)
	if p.ix == nil {
		return &entry{k: tk}, nil
	}
	return p.ix.entryFor(esk, tk), nil
}

func (p *readPlan) tree() *btree.BTreeG[*entry] {
	if p.ix != nil {
		return p.ix.tree
	}
	return p.t.primary
}

// visit evaluates one entry; it returns false to stop the iteration.
func (p *readPlan) visit(e *entry, r *readResult) bool {
	r.scanned++
	src := e.it
	view := src
	if p.ix != nil {
		view = p.ix.view(src, p.t.keys)
	}
	r.bytes += e.size
	// Filters on a local index may read non-projected attributes (DynamoDB
	// fetches them from the table); on a global index they only see the
	// projection.
	filterOn := view
	if p.ix != nil && !p.ix.global {
		filterOn = src
	}
	matched := true
	if p.filter != nil {
		matched, _ = p.filter.match(filterOn)
	}
	if matched {
		r.count++
		if p.selectMode != "COUNT" {
			r.items = append(r.items, p.output(src, view))
		}
	}
	r.last = e
	if (p.limit > 0 && r.scanned >= p.limit) || r.bytes >= maxPageBytes {
		r.more = true
		return false
	}
	return true
}

func (p *readPlan) output(src, view item) item {
	base := src
	if p.ix != nil && (p.ix.global || (p.selectMode != "ALL_ATTRIBUTES" && p.proj == nil)) {
		base = view
	}
	if p.proj != nil {
		return p.proj.apply(base)
	}
	return base
}

// finish builds the response and returns the read units consumed.
func (p *readPlan) finish(r *readResult, consistent bool, mode string) (*queryOutput, float64) {
	out := &queryOutput{Count: r.count, ScannedCount: r.scanned}
	if p.selectMode != "COUNT" {
		items := r.items
		if items == nil {
			items = []item{}
		}
		out.Items = &items
	}
	if r.more && r.last != nil {
		if p.ix != nil {
			out.LastEvaluatedKey = keyItem(r.last.it, p.t.keys, p.ix.keys)
		} else {
			out.LastEvaluatedKey = keyItem(r.last.it, p.t.keys)
		}
	}
	c := &capacity{table: p.t.meta.Name, units: readUnits(r.bytes)}
	if !consistent {
		c.units /= 2
	}
	if p.ix != nil {
		c.addIndex(p.ix, c.units)
		c.units = 0
	}
	out.ConsumedCapacity = c.wire(mode)
	return out, c.total()
}

func (s *Server) query(body []byte) (any, error) {
	var in queryInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName), validateReturnConsumedCapacity(in.ReturnConsumedCapacity)); err != nil {
		return nil, err
	}
	ctx, err := in.context()
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	out, rerr := s.queryLocked(&in, ctx)
	s.mu.RUnlock()
	if rerr != nil {
		return nil, rerr
	}
	return out, nil
}

func (s *Server) queryLocked(in *queryInput, ctx *exprContext) (*queryOutput, *apiError) {
	p, err := s.prepareRead(in, ctx)
	if err != nil {
		return nil, err
	}
	ks := p.t.keys
	if p.ix != nil {
		ks = p.ix.keys
	}
	kc, err := ctx.parseKeyCondition(in.KeyConditionExpression, ks)
	if err != nil {
		return nil, err
	}
	if err := ctx.finish(); err != nil {
		return nil, err
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	r := &readResult{}
	p.rangeScan(kc, forward, func(e *entry) bool { return p.visit(e, r) })
	out, units := p.finish(r, in.ConsistentRead, in.ReturnConsumedCapacity)
	s.addRead(r.scanned, units)
	return out, nil
}

// rangeScan visits, in order, the entries of one partition that satisfy the
// sort-key condition: O(log n) to position plus one step per entry.
func (p *readPlan) rangeScan(kc *keyCondition, forward bool, visit func(*entry) bool) {
	h := kc.hash.keyPart()
	var lo, hi, prefix string
	var hasLo, hasHi, loIncl, hiIncl, hasPrefix bool
	v0 := ""
	if kc.values[0] != nil {
		v0 = kc.values[0].keyPart()
	}
	switch kc.op {
	case "=":
		lo, hi, hasLo, hasHi, loIncl, hiIncl = v0, v0, true, true, true, true
	case "<":
		hi, hasHi = v0, true
	case "<=":
		hi, hasHi, hiIncl = v0, true, true
	case ">":
		lo, hasLo = v0, true
	case ">=":
		lo, hasLo, loIncl = v0, true, true
	case "BETWEEN":
		lo, hi, hasLo, hasHi, loIncl, hiIncl = v0, kc.values[1].keyPart(), true, true, true, true
	case "begins_with":
		prefix, hasPrefix = v0, true
	}
	// pos places an entry below (-1), inside (0) or above (+1) the range.
	pos := func(e *entry) int {
		if c := strings.Compare(e.k[0], h); c != 0 {
			return c
		}
		k := e.k[1]
		if hasLo && (k < lo || (!loIncl && k == lo)) {
			return -1
		}
		if hasHi && (k > hi || (!hiIncl && k == hi)) {
			return 1
		}
		if hasPrefix && !strings.HasPrefix(k, prefix) {
			if k < prefix {
				return -1
			}
			return 1
		}
		return 0
	}
	tr := p.tree()
	if forward {
		pivot := &entry{k: [4]string{h}}
		switch {
		case hasLo && loIncl:
			pivot.k[1] = lo
		case hasLo:
			pivot.k[1] = lo + "\x00"
		case hasPrefix:
			pivot.k[1] = prefix
		}
		if p.esk != nil && entryLess(pivot, p.esk) {
			pivot = p.esk
		}
		tr.AscendGreaterOrEqual(pivot, func(e *entry) bool {
			if p.esk != nil && !entryLess(p.esk, e) {
				return true
			}
			switch pos(e) {
			case -1:
				return true
			case 1:
				return false
			}
			return visit(e)
		})
		return
	}
	pivot := &entry{k: [4]string{h + "\x00"}}
	switch {
	case hasHi && hiIncl:
		pivot = &entry{k: [4]string{h, hi + "\x00"}}
	case hasHi:
		pivot = &entry{k: [4]string{h, hi}}
	case hasPrefix:
		if succ, ok := prefixSuccessor(prefix); ok {
			pivot = &entry{k: [4]string{h, succ}}
		}
	}
	if p.esk != nil && entryLess(p.esk, pivot) {
		pivot = p.esk
	}
	tr.DescendLessOrEqual(pivot, func(e *entry) bool {
		if p.esk != nil && !entryLess(e, p.esk) {
			return true
		}
		switch pos(e) {
		case 1:
			return true
		case -1:
			return false
		}
		return visit(e)
	})
}

// prefixSuccessor is the smallest string greater than every string with the
// given prefix; false when no such string exists (prefix all 0xFF).
func prefixSuccessor(prefix string) (string, bool) {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xFF {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

func (s *Server) scan(body []byte) (any, error) {
	var in queryInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := firstErr(in.check(), validateTableName(in.TableName), validateReturnConsumedCapacity(in.ReturnConsumedCapacity)); err != nil {
		return nil, err
	}
	segment, total := int64(0), int64(1)
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, validationErr("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.Segment == nil && in.TotalSegments != nil:
		return nil, validationErr("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.Segment != nil:
		segment, total = *in.Segment, *in.TotalSegments
		if total < 1 || total > 1000000 {
			return nil, validationErr("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and 1000000", total)
		}
		if segment < 0 || segment >= total {
			return nil, validationErr("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", segment, total)
		}
	}
	ctx, err := in.context()
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, perr := s.prepareRead(&in, ctx)
	if perr != nil {
		return nil, perr
	}
	if ferr := ctx.finish(); ferr != nil {
		return nil, ferr
	}
	r := &readResult{}
	visit := func(e *entry) bool {
		if p.esk != nil && !entryLess(p.esk, e) {
			return true
		}
		if total > 1 && int64(segmentOf(e.k[0])%uint32(total)) != segment {
			return true
		}
		return p.visit(e, r)
	}
	tr := p.tree()
	if p.esk != nil {
		tr.AscendGreaterOrEqual(p.esk, visit)
	} else {
		tr.Ascend(visit)
	}
	out, units := p.finish(r, in.ConsistentRead, in.ReturnConsumedCapacity)
	s.addRead(r.scanned, units)
	return out, nil
}

// segmentOf assigns partitions to parallel-scan segments by hashing the
// partition key, as DynamoDB does.
func segmentOf(hashKey string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(hashKey))
	return h.Sum32()
}
