package dynamodb

import (
	"math"
)

// Capacity follows DynamoDB's documented accounting: a write costs one unit
// per started KB of the larger of the old and new item, plus the same for
// every index whose entry changes; a read costs one unit per started 4 KB,
// half for eventually consistent reads; transactions cost double.

func writeUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/1024))
}

func readUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/4096))
}

// capacity accumulates the units one request consumes on one table.
type capacity struct {
	table string
	write bool
	units float64 // table units
	gsi   map[string]float64
	lsi   map[string]float64
}

func (c *capacity) total() float64 {
	t := c.units
	for _, v := range c.gsi {
		t += v
	}
	for _, v := range c.lsi {
		t += v
	}
	return t
}

func (c *capacity) addIndex(ix *index, units float64) {
	if units == 0 {
		return
	}
	m := &c.gsi
	if !ix.global {
		m = &c.lsi
	}
	if *m == nil {
		*m = map[string]float64{}
	}
	(*m)[ix.def.IndexName] += units
}

// addWrite charges one item write (old or cur may be nil) with multiplier
// mult (2 for transactions).
func (c *capacity) addWrite(t *table, old, cur item, mult float64) {
	size := 0
	if old != nil {
		size = old.size()
	}
	if cur != nil {
		size = max(size, cur.size())
	}
	c.units += writeUnits(size) * mult
	for _, ix := range t.indexes {
		c.addIndex(ix, indexWriteUnits(t, ix, old, cur)*mult)
	}
}

// indexWriteUnits is what a table write costs on one index: nothing when the
// index entry is unchanged, a put and/or a delete otherwise.
func indexWriteUnits(t *table, ix *index, old, cur item) float64 {
	var oe, ne *entry
	var k [4]string
	if old != nil {
		k = t.primaryKey(old)
		oe = ix.entryFor(old, k)
	} else if cur != nil {
		k = t.primaryKey(cur)
	}
	if cur != nil {
		ne = ix.entryFor(cur, k)
	}
	switch {
	case oe == nil && ne == nil:
		return 0
	case oe == nil:
		return writeUnits(ix.view(cur, t.keys).size())
	case ne == nil:
		return writeUnits(ix.view(old, t.keys).size())
	}
	ov, nv := ix.view(old, t.keys), ix.view(cur, t.keys)
	if oe.k != ne.k {
		return writeUnits(ov.size()) + writeUnits(nv.size())
	}
	if ov.equal(nv) {
		return 0
	}
	return writeUnits(max(ov.size(), nv.size()))
}

type unitsDesc struct {
	CapacityUnits      float64
	ReadCapacityUnits  *float64 `json:",omitempty"`
	WriteCapacityUnits *float64 `json:",omitempty"`
}

// consumedCapacity is the wire ConsumedCapacity structure.
type consumedCapacity struct {
	TableName              string
	CapacityUnits          float64
	ReadCapacityUnits      *float64             `json:",omitempty"`
	WriteCapacityUnits     *float64             `json:",omitempty"`
	Table                  *unitsDesc           `json:",omitempty"`
	GlobalSecondaryIndexes map[string]unitsDesc `json:",omitempty"`
	LocalSecondaryIndexes  map[string]unitsDesc `json:",omitempty"`
}

func (c *capacity) units2(v float64) unitsDesc {
	d := unitsDesc{CapacityUnits: v}
	if c.write {
		d.WriteCapacityUnits = &v
	} else {
		d.ReadCapacityUnits = &v
	}
	return d
}

// wire renders the capacity for ReturnConsumedCapacity mode ("" or NONE -> nil).
func (c *capacity) wire(mode string) *consumedCapacity {
	if c == nil || (mode != "TOTAL" && mode != "INDEXES") {
		return nil
	}
	tot := c.total()
	out := &consumedCapacity{TableName: c.table, CapacityUnits: tot}
	if c.write {
		out.WriteCapacityUnits = &tot
	} else {
		out.ReadCapacityUnits = &tot
	}
	if mode == "INDEXES" {
		td := c.units2(c.units)
		out.Table = &td
		if len(c.gsi) > 0 {
			out.GlobalSecondaryIndexes = map[string]unitsDesc{}
			for k, v := range c.gsi {
				out.GlobalSecondaryIndexes[k] = c.units2(v)
			}
		}
		if len(c.lsi) > 0 {
			out.LocalSecondaryIndexes = map[string]unitsDesc{}
			for k, v := range c.lsi {
				out.LocalSecondaryIndexes[k] = c.units2(v)
			}
		}
	}
	return out
}

// capacityList aggregates per-table capacity for the batch and transaction
// operations, in first-use order.
type capacityList struct {
	write  bool
	order  []string
	tables map[string]*capacity
}

func newCapacityList(write bool) *capacityList {
	return &capacityList{write: write, tables: map[string]*capacity{}}
}

func (l *capacityList) get(name string) *capacity {
	c := l.tables[name]
	if c == nil {
		c = &capacity{table: name, write: l.write}
		l.tables[name] = c
		l.order = append(l.order, name)
	}
	return c
}

func (l *capacityList) total() float64 {
	t := 0.0
	for _, c := range l.tables {
		t += c.total()
	}
	return t
}

func (l *capacityList) wire(mode string) []*consumedCapacity {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	out := make([]*consumedCapacity, 0, len(l.order))
	for _, n := range l.order {
		out = append(out, l.tables[n].wire(mode))
	}
	return out
}

func validateReturnConsumedCapacity(mode string) *apiError {
	switch mode {
	case "", "NONE", "TOTAL", "INDEXES":
		return nil
	}
	return validationErr("1 validation error detected: Value '%s' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", mode)
}
