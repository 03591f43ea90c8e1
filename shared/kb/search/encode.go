package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"sync"
	"time"
)

// The encoding: the magic "KBIX", the format version and the analyzer
// version (uvarints), then the documents (numbered densely in order, each
// with its packed text) and the terms in order with their postings, then a
// CRC-32C of all before it (4 bytes, big-endian). Strings are a uvarint
// length and bytes; string lists a uvarint count and strings; document
// numbers in a postings list are deltas. A reader refuses another format
// version (a future change is detected, not misread) and damaged data, and
// re-analyses the stored texts when only the analyzer version differs.
const (
	formatMagic   = "KBIX"
	formatVersion = 1
)

// MarshalBinary encodes the index (encoding.BinaryMarshaler).
func (ix *Index) MarshalBinary() ([]byte, error) {
	return ix.encode(analyzerVersion), nil
}

// encode encodes the index as written by the given analyzer version.
func (ix *Index) encode(analyzer uint64) []byte {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	renumber := make([]uint32, len(ix.docs))
	size := 64
	var n uint32
	for i, e := range ix.docs {
		if e != nil {
			renumber[i] = n
			n++
			size += len(e.doc.ID) + len(e.doc.Title) + len(e.doc.Summary) + len(e.ztext) + 64
		}
	}
	terms := ix.sortedTerms()
	for _, t := range terms {
		size += len(t) + 2 + 4*len(ix.terms[t])
	}
	b := make([]byte, 0, size)
	b = append(b, formatMagic...)
	b = binary.AppendUvarint(b, formatVersion)
	b = binary.AppendUvarint(b, analyzer)
	b = binary.AppendUvarint(b, uint64(n))
	for _, e := range ix.docs {
		if e == nil {
			continue
		}
		d := &e.doc
		for _, s := range []string{d.ID, d.Lang, d.Title, d.Summary, d.Audience, d.Status} {
			b = appendString(b, s)
		}
		for _, l := range [][]string{d.Categories, d.Types, d.Models, d.RootCauses} {
			b = binary.AppendUvarint(b, uint64(len(l)))
			for _, s := range l {
				b = appendString(b, s)
			}
		}
		b = binary.AppendVarint(b, d.UpdatedAt.Unix())
		b = binary.AppendUvarint(b, uint64(d.UpdatedAt.Nanosecond()))
		b = appendString(b, e.ztext)
		b = binary.AppendUvarint(b, uint64(e.titleLen))
		b = binary.AppendUvarint(b, uint64(e.bodyLen))
	}
	b = binary.AppendUvarint(b, uint64(len(terms)))
	for _, t := range terms {
		list := ix.terms[t]
		b = appendString(b, t)
		b = binary.AppendUvarint(b, uint64(len(list)))
		prev := uint32(0)
		for _, p := range list {
			d := renumber[p.doc]
			b = binary.AppendUvarint(b, uint64(d-prev))
			prev = d
			b = binary.AppendUvarint(b, uint64(p.title))
			b = binary.AppendUvarint(b, uint64(p.body))
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli()))
}

// castagnoli is made when an index is first encoded or decoded, not when
// the package starts: every function linking the store links this package.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// errCorrupt is what a truncated or malformed encoding gives.
var errCorrupt = errors.New("corrupt data")

// decoder reads the encoding; its strings share one copy of the data.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := uvarintString(d.s[d.off:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.off += n
	return v
}

func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)-d.off) {
		d.err = errCorrupt
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// count reads a count that must not exceed what the remaining data could
// hold (min bytes per element each).
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64((len(d.s)-d.off)/min+1) {
		d.err = errCorrupt
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *decoder) list() []string {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.string()
	}
	return l
}

// UnmarshalBinary replaces the index's contents with the decoded data
// (encoding.BinaryUnmarshaler). It returns an error for data that is not an
// index, an index of another format version, or a damaged one.
func (ix *Index) UnmarshalBinary(data []byte) error {
	fresh, err := decode(data)
	if err != nil {
		return fmt.Errorf("decode search index: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs, ix.byID, ix.live, ix.titleSum, ix.bodySum, ix.terms = fresh.docs, fresh.byID, fresh.live, fresh.titleSum, fresh.bodySum, fresh.terms
	ix.sortMu.Lock()
	ix.sorted = fresh.sorted
	ix.sortMu.Unlock()
	return nil
}

func decode(data []byte) (*Index, error) {
	if len(data) < len(formatMagic)+4 || string(data[:len(formatMagic)]) != formatMagic {
		return nil, errors.New("not a search index")
	}
	d := &decoder{s: string(data), off: len(formatMagic)}
	if v := d.uvarint(); d.err == nil && v != formatVersion {
		return nil, fmt.Errorf("format version %d, this code reads %d", v, formatVersion)
	}
	body := len(data) - 4
	if crc32.Checksum(data[:body], castagnoli()) != binary.BigEndian.Uint32(data[body:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	d.s = d.s[:body]
	analyzer := d.uvarint()
	n := d.count(8)
	ix := New()
	ix.docs = make([]*entry, n)
	ix.byID = make(map[string]uint32, n)
	for i := range ix.docs {
		e := &entry{}
		doc := &e.doc
		doc.ID, doc.Lang, doc.Title, doc.Summary, doc.Audience, doc.Status = d.string(), d.string(), d.string(), d.string(), d.string(), d.string()
		doc.Categories, doc.Types, doc.Models, doc.RootCauses = d.list(), d.list(), d.list(), d.list()
		sec := d.varint()
		doc.UpdatedAt = time.Unix(sec, int64(d.uvarint())%1e9).UTC()
		e.ztext = d.string()
		e.titleLen, e.bodyLen = uint32(d.uvarint()), uint32(d.uvarint())
		if d.err != nil {
			return nil, d.err
		}
		if _, dup := ix.byID[doc.ID]; dup {
			return nil, fmt.Errorf("document %s twice", doc.ID)
		}
		ix.docs[i] = e
		ix.byID[doc.ID] = uint32(i)
		ix.titleSum += uint64(e.titleLen)
		ix.bodySum += uint64(e.bodyLen)
	}
	ix.live = n
	if analyzer != analyzerVersion {
		// Written by other analyzer rules: index the stored texts again.
		if d.err != nil {
			return nil, d.err
		}
		return reanalyze(ix)
	}
	terms := d.count(4)
	ix.terms = make(map[string][]posting, terms)
	sorted := make([]string, 0, terms)
	for range terms {
		t := d.string()
		m := d.count(3)
		if d.err != nil {
			return nil, d.err
		}
		list := make([]posting, m)
		prev := uint64(0)
		for j := range list {
			doc := prev + d.uvarint()
			if doc >= uint64(n) || j > 0 && doc == prev {
				d.err = errCorrupt
			}
			prev = doc
			list[j] = posting{doc: uint32(doc), title: uint16(d.uvarint()), body: uint16(d.uvarint())}
		}
		if d.err != nil {
			return nil, d.err
		}
		if len(sorted) > 0 && t <= sorted[len(sorted)-1] {
			return nil, errCorrupt
		}
		ix.terms[t] = list
		sorted = append(sorted, t)
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(d.s) {
		return nil, errCorrupt
	}
	ix.sorted = slices.Clip(sorted)
	return ix, nil
}

// reanalyze rebuilds the postings of ix's documents from their stored
// titles and texts.
func reanalyze(old *Index) (*Index, error) {
	ix := New()
	for _, e := range old.docs {
		text, err := unpackTextErr(e.ztext)
		if err != nil {
			return nil, fmt.Errorf("text of %s: %w", e.doc.ID, err)
		}
		a := analyzed{e: e, title: countTerms(e.doc.Title), body: countTerms(text)}
		e.titleLen, e.bodyLen = a.title.words, a.body.words
		ix.add(a)
	}
	return ix, nil
}
