// Package search is the knowledge base's full-text search engine: an
// in-memory inverted index of articles (titles and Markdown bodies in
// Russian and English) with filters by type, model, audience, status and
// language, a compact versioned binary encoding, and (store.go) its
// persistence as one object per version in the private bucket with a
// pointer item in the table.
//
// Analysis. Text is split into words (runs of letters and digits, joined
// across "-", ".", "/" and "_" so that "TX-200" or "Wi-Fi" stay one word),
// lower-cased, ё folded to е; Russian and English stop words are dropped;
// Cyrillic words are stemmed with the Snowball Russian stemmer (to its fixed
// point: one pass does not bring "перегрев" and "перегрева" together) and
// Latin ones with the Snowball English stemmer plus a light inflectional
// stem (Porter2 takes "overheating" to "overh" but leaves "overheat"),
// whatever the article's language, since mixed texts are common; a word
// with a digit is a code kept whole ("tx200", "a3"), a joined one loses its
// joiners ("wifi") and, in indexed text, has its parts indexed too.
// Markdown syntax, link and image URLs are stripped before analysis.
// Queries are analysed the same way.
//
// Matching and ranking. Every query word must match (AND); a word matches
// a document holding any of its terms; the last word, unless followed by a
// space, also matches the terms it begins (typing) and the shorter stems it
// begins with. Documents are ranked by BM25F over two fields: for each
// query word, its best term's
//
//	idf · tf' · (k1+1) / (tf' + k1),  tf' = Σ_f w_f · tf_f / (1 − b_f + b_f · len_f / avglen_f)
//
// with k1 = 1.2, title w = 3, b = 0.5 and body w = 1, b = 0.75, and
// idf = ln(1 + (N − df + 0.5)/(df + 0.5)); a term matched only by prefix
// counts 0.8 of that. Ties go to the newest document. Filters are checked
// on the documents the words match (or on all documents for a query of
// filters only, newest first): at 10 000 articles that is microseconds.
//
// Memory. Postings are (document, title tf, body tf) triples of 8 bytes in
// document order; a document's postings are removed when it is replaced or
// deleted by analysing its stored text again, so the index holds no dead
// entries and needs no compaction. The plain text of each body is kept,
// compressed on its own, for snippets (and to re-analyse an index written
// by other analyzer rules): only the hits shown unpack theirs. At 10 000
// generated articles of 3–8 KB (make bench) the index encodes to 28 MB and
// holds about 55 MB of heap once decoded (in about 60 ms); a search takes
// about 1.3 ms at the median and 3–5 ms at the 99th percentile.
//
// Layer: domain. It imports no AWS package: Store keeps the index through
// the small interfaces it declares, which shared/dynamo (the pointer) and
// shared/s3files (the objects) implement.
package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Doc is one article as the index sees it.
type Doc struct {
	ID   string
	Lang string // "ru" or "en"
	// Title is plain text.
	Title string
	// Body is the Markdown source; the index strips Markdown syntax, link
	// URLs and image URLs, and keeps the plain text for snippets.
	Body string
	// Summary is shown in hits; when empty, the first ~200 characters of
	// the body's text.
	Summary                               string
	Categories, Types, Models, RootCauses []string
	Audience                              string // "staff" or "public"
	Status                                string // "draft", "published", "archived"
	UpdatedAt                             time.Time
}

// Query is one search.
type Query struct {
	// Text is words in Russian and/or English; all must match. Text with
	// no word to search for (empty, or stop words only) lists the documents
	// the filters let through, newest first.
	Text string
	// Types and Models filter: a document matches if it links any of the
	// given types (and any of the given models); empty means no filter.
	Types, Models []string
	Audiences     []string // empty = all
	Statuses      []string // empty = all
	Lang          string   // optional "ru" or "en"
	// Limit is the page size: DefaultLimit when 0 or less, at most
	// MaxLimit. Offset (0 or more) skips the hits of earlier pages.
	Limit  int
	Offset int
}

// Hit is one found document.
type Hit struct {
	ID, Lang, Title, Summary, Audience, Status string
	Types, Models                              []string
	Score                                      float64
	// Snippet is a short plain-text excerpt of the body around its first
	// matched word (or its start); the caller escapes it.
	Snippet string
}

// Result is one page of hits and the number of all matching documents.
type Result struct {
	Hits  []Hit
	Total int
}

// Limits of a query's page.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Ranking parameters (see the package comment).
const (
	k1          = 1.2
	titleWeight = 3.0
	titleB      = 0.5
	bodyWeight  = 1.0
	bodyB       = 0.75
	prefixShare = 0.8
)

// Lengths of the texts shown in hits, in characters.
const (
	summaryRunes = 200
	snippetRunes = 160
)

// A word being typed expands to at most maxPrefixTerms terms it begins,
// the most frequent of the first maxPrefixScan in order.
const (
	maxPrefixTerms = 64
	maxPrefixScan  = 4096
)

// posting is one document's occurrences of a term.
type posting struct {
	doc         uint32
	title, body uint16
}

// entry is one indexed document: its Doc without the Body, the body's
// plain text packed (packText) and the lengths of both fields in words.
type entry struct {
	doc               Doc
	ztext             string
	titleLen, bodyLen uint32
}

// Index is an in-memory search index. It is safe for concurrent use: any
// number of searches run together; Put and Delete wait for them.
type Index struct {
	mu       sync.RWMutex
	docs     []*entry // by document number; nil once deleted or replaced
	byID     map[string]uint32
	live     int
	titleSum uint64 // total words of the live documents' titles
	bodySum  uint64
	terms    map[string][]posting // postings in document order

	sortMu sync.Mutex
	sorted []string // the terms in order, for prefixes; nil when stale
}

// New returns an empty index.
func New() *Index {
	return &Index{byID: map[string]uint32{}, terms: map[string][]posting{}}
}

// Len returns the number of indexed documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// fieldCounts counts the terms of one field.
type fieldCounts struct {
	counts map[string]uint16
	words  uint32
}

func countTerms(text string) fieldCounts {
	fc := fieldCounts{counts: map[string]uint16{}}
	tokenize(text, true, func(w word) {
		fc.words++
		inc(fc.counts, w.term)
		if w.alt != "" {
			inc(fc.counts, w.alt)
		}
	})
	return fc
}

func inc(m map[string]uint16, t string) {
	if m[t] < math.MaxUint16 {
		m[t]++
	}
}

// analyzed is a document ready to be added: its entry and term counts.
type analyzed struct {
	e           *entry
	title, body fieldCounts
}

func analyzeDoc(d Doc) analyzed {
	text := plainText(d.Body)
	d.Body = ""
	if d.Summary == "" {
		d.Summary = truncate(text, summaryRunes)
	}
	a := analyzed{e: &entry{doc: d, ztext: packText(text)}, title: countTerms(d.Title), body: countTerms(text)}
	a.e.titleLen, a.e.bodyLen = a.title.words, a.body.words
	return a
}

// Put inserts d, or replaces the document with its ID.
func (ix *Index) Put(d Doc) {
	a := analyzeDoc(d) // outside the lock: searches go on meanwhile
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.add(a)
}

// add appends an analysed document, removing the one it replaces.
func (ix *Index) add(a analyzed) {
	if old, ok := ix.byID[a.e.doc.ID]; ok {
		ix.remove(old)
	}
	n := uint32(len(ix.docs))
	ix.docs = append(ix.docs, a.e)
	ix.byID[a.e.doc.ID] = n
	ix.live++
	ix.titleSum += uint64(a.e.titleLen)
	ix.bodySum += uint64(a.e.bodyLen)
	for t, c := range a.title.counts {
		ix.addPosting(t, posting{doc: n, title: c, body: a.body.counts[t]})
	}
	for t, c := range a.body.counts {
		if _, inTitle := a.title.counts[t]; !inTitle {
			ix.addPosting(t, posting{doc: n, body: c})
		}
	}
}

func (ix *Index) addPosting(t string, p posting) {
	list, ok := ix.terms[t]
	if !ok {
		ix.staleTerms()
	}
	ix.terms[t] = append(list, p)
}

// Delete removes the document with the given ID, if indexed.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if n, ok := ix.byID[id]; ok {
		ix.remove(n)
	}
}

// remove drops document n and its postings, found by analysing its stored
// title and text again.
func (ix *Index) remove(n uint32) {
	e := ix.docs[n]
	terms := countTerms(e.doc.Title).counts
	for t := range countTerms(unpackText(e.ztext)).counts {
		terms[t] = 1
	}
	for t := range terms {
		list := ix.terms[t]
		i, found := slices.BinarySearchFunc(list, n, func(p posting, n uint32) int { return cmp.Compare(p.doc, n) })
		if !found {
			continue
		}
		if len(list) == 1 {
			delete(ix.terms, t)
			ix.staleTerms()
			continue
		}
		ix.terms[t] = slices.Delete(list, i, i+1)
	}
	ix.docs[n] = nil
	delete(ix.byID, e.doc.ID)
	ix.live--
	ix.titleSum -= uint64(e.titleLen)
	ix.bodySum -= uint64(e.bodyLen)
}

func (ix *Index) staleTerms() {
	ix.sortMu.Lock()
	ix.sorted = nil
	ix.sortMu.Unlock()
}

// sortedTerms returns the terms in order, sorting them if they changed.
// The caller holds ix.mu (read or write).
func (ix *Index) sortedTerms() []string {
	ix.sortMu.Lock()
	defer ix.sortMu.Unlock()
	if ix.sorted == nil {
		s := make([]string, 0, len(ix.terms))
		for t := range ix.terms {
			s = append(s, t)
		}
		slices.Sort(s)
		ix.sorted = s
	}
	return ix.sorted
}

// Clone returns an independent copy of the index (what an update changes
// while searches go on in the original), its documents numbered anew
// without the gaps replaced and deleted ones left.
func (ix *Index) Clone() *Index {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	c := &Index{
		docs: make([]*entry, 0, ix.live), byID: make(map[string]uint32, len(ix.byID)), live: ix.live,
		titleSum: ix.titleSum, bodySum: ix.bodySum, terms: make(map[string][]posting, len(ix.terms)),
	}
	renumber := make([]uint32, len(ix.docs))
	for n, e := range ix.docs {
		if e != nil {
			renumber[n] = uint32(len(c.docs))
			c.byID[e.doc.ID] = uint32(len(c.docs))
			c.docs = append(c.docs, e) // entries are never changed: shared
		}
	}
	for t, list := range ix.terms {
		cl := make([]posting, len(list))
		for i, p := range list {
			p.doc = renumber[p.doc] // keeps the order
			cl[i] = p
		}
		c.terms[t] = cl
	}
	return c
}

// queryWord is one word of a query with the terms that match it: exact
// ones (full weight) and, for a word being typed, the terms it extends to
// or that it extends (prefixShare of the weight).
type queryWord struct {
	exact   []string
	partial []string
}

// maxQueryWords bounds the words of a query searched for (the rest is
// ignored): a pasted paragraph is not a search.
const maxQueryWords = 32

// parseQuery analyses the query's text into its words. The last one is
// being typed unless a space or punctuation follows it: then it also
// matches the terms it begins (the most frequent maxPrefixTerms) and the
// shorter stems it begins with.
func (ix *Index) parseQuery(text string) []queryWord {
	var words []queryWord
	var last word
	tokenize(text, false, func(w word) {
		if len(words) == maxQueryWords {
			return
		}
		qw := queryWord{exact: []string{w.term}}
		if w.alt != "" {
			qw.exact = append(qw.exact, w.alt)
		}
		words = append(words, qw)
		last = w
	})
	if len(words) == 0 || last.end != len(text) {
		return words // a space or punctuation ends the last word: it is finished
	}
	typed := foldPrefix(text[last.start:last.end])
	if utf8.RuneCountInString(typed) < 3 {
		return words
	}
	qw := &words[len(words)-1]
	seen := map[string]bool{}
	for _, t := range qw.exact {
		seen[t] = true
	}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			qw.partial = append(qw.partial, t)
		}
	}
	sorted := ix.sortedTerms()
	i, _ := slices.BinarySearch(sorted, typed)
	j := i
	for j < len(sorted) && j-i < maxPrefixScan && strings.HasPrefix(sorted[j], typed) {
		j++
	}
	extended := slices.Clone(sorted[i:j])
	if len(extended) > maxPrefixTerms {
		slices.SortStableFunc(extended, func(a, b string) int { return cmp.Compare(len(ix.terms[b]), len(ix.terms[a])) })
		extended = extended[:maxPrefixTerms]
	}
	for _, t := range extended {
		add(t)
	}
	// The stems the typed word begins with, down to four characters or
	// three fewer than typed ("перегре" reaches "перегр").
	runes := []rune(typed)
	for k := len(runes) - 1; k >= max(4, len(runes)-3); k-- {
		if _, ok := ix.terms[string(runes[:k])]; ok {
			add(string(runes[:k]))
		}
	}
	return words
}

// scratch is a search's per-document working memory.
type scratch struct {
	score   []float64
	matched []uint16 // query words matched so far
	best    []float64
	seen    []uint16 // 1 + the index of the last query word that touched the document
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (s *scratch) reset(n int) {
	grow := func(f []float64) []float64 {
		if cap(f) < n {
			return make([]float64, n)
		}
		f = f[:n]
		clear(f)
		return f
	}
	growU := func(f []uint16) []uint16 {
		if cap(f) < n {
			return make([]uint16, n)
		}
		f = f[:n]
		clear(f)
		return f
	}
	s.score, s.best = grow(s.score), grow(s.best)
	s.matched, s.seen = growU(s.matched), growU(s.seen)
}

// candidate is a matching document and its score.
type candidate struct {
	n     uint32
	score float64
}

// Search returns the page of documents matching q, best first.
func (ix *Index) Search(q Query) Result {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	words := ix.parseQuery(q.Text)
	var found []candidate
	if len(words) == 0 {
		// No word to search for (none, or only stop words): list.
		for n, e := range ix.docs {
			if e != nil && matchFilters(&e.doc, &q) {
				found = append(found, candidate{n: uint32(n)})
			}
		}
	} else {
		found = ix.match(words, &q)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	res := Result{Hits: []Hit{}, Total: len(found)}
	offset := max(q.Offset, 0)
	found = ix.best(found, offset+limit)
	var snippetTerms []string
	for _, w := range words {
		snippetTerms = append(append(snippetTerms, w.exact...), w.partial...)
	}
	for i := offset; i < len(found) && len(res.Hits) < limit; i++ {
		e := ix.docs[found[i].n]
		res.Hits = append(res.Hits, Hit{
			ID: e.doc.ID, Lang: e.doc.Lang, Title: e.doc.Title, Summary: e.doc.Summary,
			Audience: e.doc.Audience, Status: e.doc.Status,
			Types: slices.Clone(e.doc.Types), Models: slices.Clone(e.doc.Models),
			Score: math.Round(found[i].score*1e4) / 1e4, Snippet: snippet(unpackText(e.ztext), snippetTerms),
		})
	}
	return res
}

// match returns the documents that match every word and the filters, with
// their BM25F scores.
func (ix *Index) match(words []queryWord, q *Query) []candidate {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.reset(len(ix.docs))
	N := float64(max(ix.live, 1))
	avgTitle := math.Max(float64(ix.titleSum)/N, 1)
	avgBody := math.Max(float64(ix.bodySum)/N, 1)
	// The rarest word first: later words visit only the documents that
	// matched the earlier ones.
	words = slices.Clone(words)
	slices.SortStableFunc(words, func(a, b queryWord) int { return cmp.Compare(ix.weight(a), ix.weight(b)) })
	var touched []uint32
	for wi, w := range words {
		mark := uint16(wi + 1)
		var now []uint32
		visit := func(t string, share float64) {
			list := ix.terms[t]
			if len(list) == 0 {
				return
			}
			df := float64(len(list))
			idf := math.Log(1 + (N-df+0.5)/(df+0.5))
			for _, p := range list {
				if wi > 0 && s.matched[p.doc] != uint16(wi) {
					continue // missed an earlier word
				}
				e := ix.docs[p.doc]
				tf := titleWeight*float64(p.title)/(1-titleB+titleB*float64(e.titleLen)/avgTitle) +
					bodyWeight*float64(p.body)/(1-bodyB+bodyB*float64(e.bodyLen)/avgBody)
				sc := share * idf * tf * (k1 + 1) / (tf + k1)
				if s.seen[p.doc] != mark {
					s.seen[p.doc] = mark
					s.best[p.doc] = sc
					now = append(now, p.doc)
				} else if sc > s.best[p.doc] {
					s.best[p.doc] = sc
				}
			}
		}
		for _, t := range w.exact {
			visit(t, 1)
		}
		for _, t := range w.partial {
			visit(t, prefixShare)
		}
		for _, n := range now {
			s.matched[n]++
			s.score[n] += s.best[n]
		}
		touched = now
		if len(touched) == 0 {
			return nil
		}
	}
	found := make([]candidate, 0, len(touched))
	for _, n := range touched {
		if int(s.matched[n]) == len(words) && matchFilters(&ix.docs[n].doc, q) {
			found = append(found, candidate{n: n, score: s.score[n]})
		}
	}
	return found
}

// before orders candidates: higher score, then newer, then by ID.
func (ix *Index) before(a, b candidate) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	ea, eb := ix.docs[a.n], ix.docs[b.n]
	if c := eb.doc.UpdatedAt.Compare(ea.doc.UpdatedAt); c != 0 {
		return c
	}
	return strings.Compare(ea.doc.ID, eb.doc.ID)
}

// best returns the first k of found in order (all of them when k is not
// much smaller): a page needs its top k, not all matches sorted.
func (ix *Index) best(found []candidate, k int) []candidate {
	if k*4 >= len(found) {
		slices.SortFunc(found, ix.before)
		return found
	}
	// A heap of the k best so far, the worst of them at the root.
	h := slices.Clone(found[:k])
	worse := func(i, j int) bool { return ix.before(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && worse(r, l) {
				l = r
			}
			if !worse(l, i) {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, c := range found[k:] {
		if ix.before(c, h[0]) < 0 {
			h[0] = c
			down(0)
		}
	}
	slices.SortFunc(h, ix.before)
	return h
}

// weight is the number of postings a query word's terms have.
func (ix *Index) weight(w queryWord) int {
	n := 0
	for _, t := range w.exact {
		n += len(ix.terms[t])
	}
	for _, t := range w.partial {
		n += len(ix.terms[t])
	}
	return n
}

func matchFilters(d *Doc, q *Query) bool {
	if q.Lang != "" && d.Lang != q.Lang {
		return false
	}
	if len(q.Audiences) > 0 && !slices.Contains(q.Audiences, d.Audience) {
		return false
	}
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, d.Status) {
		return false
	}
	if len(q.Types) > 0 && !anyOf(q.Types, d.Types) {
		return false
	}
	if len(q.Models) > 0 && !anyOf(q.Models, d.Models) {
		return false
	}
	return true
}

func anyOf(want, have []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// snippet returns about snippetRunes of text from a little before the first
// word whose term is one of terms, or from the text's start. Only words
// that begin like one of the terms are analysed.
func snippet(text string, terms []string) string {
	at := -1
	if len(terms) > 0 {
		heads := make([]string, 0, len(terms))
		for _, t := range terms {
			heads = append(heads, head(t))
		}
		has := func(start, end int) bool {
			w := foldPrefix(text[start:end])
			for _, h := range heads {
				if strings.HasPrefix(w, h) {
					a := analyzeWord(text[start:end])
					return a.term != "" && (slices.Contains(terms, a.term) || a.alt != "" && slices.Contains(terms, a.alt))
				}
			}
			return false
		}
		scanWords(text, func(start, end int) bool {
			if has(start, end) {
				at = start
				return false
			}
			eachPart(text, start, end, func(ps, pe int) {
				if at < 0 && has(ps, pe) {
					at = start
				}
			})
			return at < 0
		})
	}
	if at < 0 {
		return truncate(text, snippetRunes)
	}
	// Start a few words before the match, at a word's start.
	start := max(at-snippetRunes/3, 0)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	if start > 0 {
		if sp := strings.IndexAny(text[start:at], " \n"); sp >= 0 {
			start += sp + 1
		} else {
			start = at
		}
	}
	s := truncate(text[start:], snippetRunes)
	if start > 0 {
		s = "…" + s
	}
	return s
}

// head returns the first two characters of a term: a word whose folded
// form does not begin with them cannot have the term (stems are prefixes
// of their words, but for an English -ies becoming -y).
func head(t string) string {
	i := 0
	for n := 0; i < len(t) && n < 2; n++ {
		_, w := utf8.DecodeRuneInString(t[i:])
		i += w
	}
	return t[:i]
}

// truncate returns the first n characters of s on one line (white space
// runs collapsed to one space), cut at a word boundary with an ellipsis
// when shortened. It reads only as much of s as it needs.
func truncate(s string, n int) string {
	var b strings.Builder
	count, space, cut := 0, false, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if count == n {
			cut = true
			break
		}
		if space {
			b.WriteByte(' ')
			count++
			space = false
			if count == n {
				cut = true
				break
			}
		}
		b.WriteRune(r)
		count++
	}
	out := b.String()
	if !cut {
		return out
	}
	if sp := strings.LastIndexByte(out, ' '); sp > len(out)/2 {
		out = out[:sp]
	}
	return strings.TrimRight(out, " ") + "…"
}
