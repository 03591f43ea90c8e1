package dynamodb

import (
	"github.com/google/btree"
)

const (
	maxItemSize     = 400 * 1024
	maxHashKeySize  = 2048
	maxRangeKeySize = 1024
	btreeDegree     = 32
)

// entry is one B-tree element. k holds order-preserving encodings of the
// key values: (hash, range) for the table; (index hash, index range, table
// hash, table range) for an index, so equal index keys stay distinct and
// ordered by table key.
type entry struct {
	k    [4]string
	it   item
	size int // bytes read when the entry is visited: the item, or its index projection
}

func entryLess(a, b *entry) bool {
	for i := range a.k {
		if a.k[i] != b.k[i] {
			return a.k[i] < b.k[i]
		}
	}
	return false
}

func newTree() *btree.BTreeG[*entry] {
	return btree.NewG(btreeDegree, entryLess)
}

// keyDef names a key attribute and its scalar type (S, N or B).
type keyDef struct {
	name string
	typ  string
}

// keySchema is a table's or index's key; rng.name is empty without a sort key.
type keySchema struct {
	hash keyDef
	rng  keyDef
}

func (k keySchema) hasRange() bool { return k.rng.name != "" }

func (k keySchema) isKey(name string) bool {
	return name == k.hash.name || (k.rng.name != "" && name == k.rng.name)
}

func buildKeySchema(elems []keyElem, types map[string]string) keySchema {
	var ks keySchema
	for _, e := range elems {
		d := keyDef{name: e.AttributeName, typ: types[e.AttributeName]}
		if e.KeyType == "HASH" {
			ks.hash = d
		} else {
			ks.rng = d
		}
	}
	return ks
}

// index is a secondary index: its own B-tree of entries pointing at the
// table's (immutable) items, with the projection applied when read.
type index struct {
	def      indexDef
	global   bool
	keys     keySchema
	arn      string
	projType string
	include  map[string]bool
	tree     *btree.BTreeG[*entry]
	size     int64
}

// table holds one table's metadata, its primary B-tree and its indexes.
type table struct {
	meta    tableMeta
	arn     string
	types   map[string]string
	keys    keySchema
	primary *btree.BTreeG[*entry]
	indexes []*index
	byName  map[string]*index
	size    int64
}

func newTable(meta tableMeta, arn string) *table {
	t := &table{meta: meta, arn: arn, primary: newTree()}
	t.applyMeta(meta)
	return t
}

// applyMeta installs new metadata, keeping the trees of indexes that still
// exist and backfilling indexes that are new.
func (t *table) applyMeta(meta tableMeta) {
	t.meta = meta
	t.types = make(map[string]string, len(meta.AttrDefs))
	for _, d := range meta.AttrDefs {
		t.types[d.AttributeName] = d.AttributeType
	}
	t.keys = buildKeySchema(meta.KeySchema, t.types)
	old := t.byName
	t.indexes = nil
	t.byName = map[string]*index{}
	add := func(def indexDef, global bool) {
		ix := &index{def: def, global: global, keys: buildKeySchema(def.KeySchema, t.types), arn: t.arn + "/index/" + def.IndexName}
		ix.projType = "ALL"
		if def.Projection != nil && def.Projection.ProjectionType != "" {
			ix.projType = def.Projection.ProjectionType
		}
		if ix.projType == "INCLUDE" {
			ix.include = map[string]bool{}
			for _, a := range def.Projection.NonKeyAttributes {
				ix.include[a] = true
			}
		}
		if prev, ok := old[def.IndexName]; ok && prev.global == global {
			ix.tree, ix.size = prev.tree, prev.size
		} else {
			ix.tree = newTree()
			t.backfill(ix)
		}
		t.indexes = append(t.indexes, ix)
		t.byName[def.IndexName] = ix
	}
	for _, d := range meta.GSIs {
		add(d, true)
	}
	for _, d := range meta.LSIs {
		add(d, false)
	}
}

func (t *table) backfill(ix *index) {
	t.primary.Ascend(func(e *entry) bool {
		if ie := ix.entryFor(e.it, e.k); ie != nil {
			ie.size = ix.view(e.it, t.keys).size()
			ix.tree.ReplaceOrInsert(ie)
			ix.size += int64(ie.size)
		}
		return true
	})
}

// primaryKey encodes the table key of a validated item or key map.
func (t *table) primaryKey(it item) [4]string {
	var k [4]string
	k[0] = it[t.keys.hash.name].keyPart()
	if t.keys.hasRange() {
		k[1] = it[t.keys.rng.name].keyPart()
	}
	return k
}

func (t *table) get(k [4]string) item {
	e, ok := t.primary.Get(&entry{k: k})
	if !ok {
		return nil
	}
	return e.it
}

// put stores it (already validated) and returns the item it replaced.
func (t *table) put(it item) item {
	k := t.primaryKey(it)
	e := &entry{k: k, it: it, size: it.size()}
	prev, replaced := t.primary.ReplaceOrInsert(e)
	var old item
	if replaced {
		old = prev.it
		t.size -= int64(prev.size)
	}
	t.size += int64(e.size)
	for _, ix := range t.indexes {
		ix.replace(old, it, k, t.keys)
	}
	return old
}

// remove deletes the item with key k and returns it (nil if absent).
func (t *table) remove(k [4]string) item {
	prev, ok := t.primary.Delete(&entry{k: k})
	if !ok {
		return nil
	}
	t.size -= int64(prev.size)
	for _, ix := range t.indexes {
		ix.replace(prev.it, nil, k, t.keys)
	}
	return prev.it
}

func (ix *index) replace(old, cur item, tk [4]string, tkeys keySchema) {
	if old != nil {
		if oe := ix.entryFor(old, tk); oe != nil {
			if prev, ok := ix.tree.Delete(oe); ok {
				ix.size -= int64(prev.size)
			}
		}
	}
	if cur != nil {
		if ne := ix.entryFor(cur, tk); ne != nil {
			ne.size = ix.view(cur, tkeys).size()
			ix.tree.ReplaceOrInsert(ne)
			ix.size += int64(ne.size)
		}
	}
}

// entryFor returns it's index entry, or nil when the item lacks an index key
// attribute of the right type (sparse index).
func (ix *index) entryFor(it item, tk [4]string) *entry {
	h := it[ix.keys.hash.name]
	if h == nil || h.kind.String() != ix.keys.hash.typ {
		return nil
	}
	e := &entry{it: it}
	e.k[0] = h.keyPart()
	if ix.keys.hasRange() {
		r := it[ix.keys.rng.name]
		if r == nil || r.kind.String() != ix.keys.rng.typ {
			return nil
		}
		e.k[1] = r.keyPart()
	}
	e.k[2], e.k[3] = tk[0], tk[1]
	return e
}

// view applies the index projection to a table item.
func (ix *index) view(it item, tkeys keySchema) item {
	if ix.projType == "ALL" {
		return it
	}
	out := make(item, 4+len(ix.include))
	for name, v := range it {
		if tkeys.isKey(name) || ix.keys.isKey(name) || ix.include[name] {
			out[name] = v
		}
	}
	return out
}

// keyItem extracts the attributes named by the key schemas from it.
func keyItem(it item, schemas ...keySchema) item {
	out := make(item, 4)
	for _, ks := range schemas {
		if v := it[ks.hash.name]; v != nil {
			out[ks.hash.name] = v
		}
		if ks.hasRange() {
			if v := it[ks.rng.name]; v != nil {
				out[ks.rng.name] = v
			}
		}
	}
	return out
}

// validateItem enforces DynamoDB's rules for an item about to be written.
func (t *table) validateItem(it item) *apiError {
	for _, kd := range []keyDef{t.keys.hash, t.keys.rng} {
		if kd.name == "" {
			continue
		}
		v := it[kd.name]
		if v == nil {
			return validationErr("One or more parameter values were invalid: Missing the key %s in the item", kd.name)
		}
		if v.kind.String() != kd.typ {
			return validationErr("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", kd.name, kd.typ, v.kind)
		}
		if v.isEmptyScalar() {
			return validationErr("One or more parameter values were invalid: An AttributeValue may not contain an empty string. Key: %s", kd.name)
		}
	}
	if err := t.checkKeySizes(it); err != nil {
		return err
	}
	for _, ix := range t.indexes {
		for _, kd := range []keyDef{ix.keys.hash, ix.keys.rng} {
			if kd.name == "" {
				continue
			}
			v := it[kd.name]
			if v == nil {
				continue
			}
			if v.kind.String() != kd.typ {
				return validationErr("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", kd.name, kd.typ, v.kind, ix.def.IndexName)
			}
			if v.isEmptyScalar() {
				return validationErr("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.def.IndexName, kd.name)
			}
		}
	}
	if it.size() > maxItemSize {
		return validationErr("Item size has exceeded the maximum allowed size")
	}
	return nil
}

func (t *table) checkKeySizes(it item) *apiError {
	if v := it[t.keys.hash.name]; v != nil && len(v.keyPartRaw()) > maxHashKeySize {
		return validationErr("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of%d bytes", maxHashKeySize)
	}
	if t.keys.hasRange() {
		if v := it[t.keys.rng.name]; v != nil && len(v.keyPartRaw()) > maxRangeKeySize {
			return validationErr("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of %d bytes", maxRangeKeySize)
		}
	}
	return nil
}

// keyPartRaw is the value's bytes as DynamoDB counts them for key limits.
func (v *attrValue) keyPartRaw() string {
	if v.kind == kindB {
		return string(v.b)
	}
	return v.s
}

// keyFromParam validates a Key parameter (GetItem, DeleteItem, UpdateItem,
// ...) against the table schema and returns its encoding.
func (t *table) keyFromParam(key item) ([4]string, *apiError) {
	want := 1
	if t.keys.hasRange() {
		want = 2
	}
	if len(key) != want {
		return [4]string{}, validationErr("The provided key element does not match the schema")
	}
	for _, kd := range []keyDef{t.keys.hash, t.keys.rng} {
		if kd.name == "" {
			continue
		}
		v := key[kd.name]
		if v == nil || v.kind.String() != kd.typ {
			return [4]string{}, validationErr("The provided key element does not match the schema")
		}
		if v.isEmptyScalar() {
			return [4]string{}, validationErr("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", kd.name)
		}
	}
	if err := t.checkKeySizes(key); err != nil {
		return [4]string{}, err
	}
	return t.primaryKey(key), nil
}

func (t *table) itemCount() int64 { return int64(t.primary.Len()) }
