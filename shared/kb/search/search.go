// Package search is the knowledge base's full-text search engine: an
// in-memory index of articles (titles and Markdown bodies in Russian and
// English) with filters by type, model, audience, status and language.
//
// Layer: domain. It imports no AWS package; store.go keeps the index in the
// private bucket and a pointer item in the table through clients injected by
// the caller.
package search

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Doc is one article as the index sees it.
type Doc struct {
	ID    string
	Lang  string // "ru" or "en"
	Title string
	// Body is the Markdown source; the index strips Markdown syntax, link
	// URLs and image URLs.
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
	// Text is words in Russian and/or English; all must match. Empty text
	// with filters lists the matching documents newest first.
	Text string
	// Types and Models filter: a document matches if it links any of the
	// given types (and any of the given models); empty means no filter.
	Types, Models []string
	Audiences     []string // empty = all
	Statuses      []string // empty = all
	Lang          string   // optional "ru" or "en"
	Limit         int      // default 20, max 100
	Offset        int
}

// Hit is one found document.
type Hit struct {
	ID, Lang, Title, Summary, Audience, Status string
	Types, Models                              []string
	Score                                      float64
	// Snippet is a short plain-text excerpt around the first matched term;
	// the caller escapes it.
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

// summaryRunes is the length of a summary made from the body.
const summaryRunes = 200

// entry is one indexed document.
type entry struct {
	Doc        Doc
	Text       string // the body's plain text
	TitleTerms map[string]int
	BodyTerms  map[string]int
	TitleLen   int
	BodyLen    int
}

// Index is an in-memory search index. It is safe for concurrent use.
type Index struct {
	mu   sync.RWMutex
	docs map[string]*entry
}

// New returns an empty index.
func New() *Index { return &Index{docs: map[string]*entry{}} }

// Len returns the number of indexed documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.docs)
}

// Put inserts d, or replaces the document with its ID.
func (ix *Index) Put(d Doc) {
	e := &entry{Doc: d, Text: plainText(d.Body), TitleTerms: map[string]int{}, BodyTerms: map[string]int{}}
	if e.Doc.Summary == "" {
		e.Doc.Summary = truncate(e.Text, summaryRunes)
	}
	for _, t := range analyze(d.Title) {
		e.TitleTerms[t]++
		e.TitleLen++
	}
	for _, t := range analyze(e.Text) {
		e.BodyTerms[t]++
		e.BodyLen++
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs[d.ID] = e
}

// Delete removes the document with the given ID, if indexed.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	delete(ix.docs, id)
}

// Search returns the page of documents matching q, best first.
func (ix *Index) Search(q Query) Result {
	terms := analyze(q.Text)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	type scored struct {
		e     *entry
		score float64
	}
	var found []scored
	n := float64(len(ix.docs))
	for _, e := range ix.docs {
		if !matchFilters(&e.Doc, &q) {
			continue
		}
		score, ok := 0.0, true
		for _, t := range terms {
			tf := float64(e.TitleTerms[t])*3 + float64(e.BodyTerms[t])
			if tf == 0 {
				ok = false
				break
			}
			df := 0
			for _, o := range ix.docs {
				if o.TitleTerms[t] > 0 || o.BodyTerms[t] > 0 {
					df++
				}
			}
			idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
			score += idf * tf * 2.2 / (tf + 1.2)
		}
		if ok {
			found = append(found, scored{e, score})
		}
	}
	slices.SortFunc(found, func(a, b scored) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		if c := b.e.Doc.UpdatedAt.Compare(a.e.Doc.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.e.Doc.ID, b.e.Doc.ID)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	res := Result{Total: len(found)}
	for i := max(q.Offset, 0); i < len(found) && len(res.Hits) < limit; i++ {
		e := found[i].e
		res.Hits = append(res.Hits, Hit{
			ID: e.Doc.ID, Lang: e.Doc.Lang, Title: e.Doc.Title, Summary: e.Doc.Summary,
			Audience: e.Doc.Audience, Status: e.Doc.Status,
			Types: e.Doc.Types, Models: e.Doc.Models,
			Score: found[i].score, Snippet: snippet(e.Text, terms),
		})
	}
	return res
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

// snippetRunes is the length of a snippet.
const snippetRunes = 160

// snippet returns about snippetRunes of text around the first word whose
// term is one of terms, or the text's start.
func snippet(text string, terms []string) string {
	at := -1
	if len(terms) > 0 {
		tokenize(text, func(t token) {
			if at < 0 && slices.Contains(terms, t.term) {
				at = t.start
			}
		})
	}
	if at < 0 {
		return truncate(text, snippetRunes)
	}
	// Start a few words before the match, on a rune boundary.
	start := max(at-snippetRunes/3, 0)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	if start > 0 {
		if sp := strings.IndexAny(text[start:at], " \n"); sp >= 0 {
			start += sp + 1
		}
	}
	s := truncate(text[start:], snippetRunes)
	if start > 0 {
		s = "…" + s
	}
	return s
}

// truncate returns the first n runes of s on one line, cut at a word
// boundary with an ellipsis when shortened.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, c := 0, 0
	for i = range s {
		if c == n {
			break
		}
		c++
	}
	cut := s[:i]
	if sp := strings.LastIndexByte(cut, ' '); sp > len(cut)/2 {
		cut = cut[:sp]
	}
	return cut + "…"
}

// formatMagic and formatVersion head every encoded index.
const (
	formatMagic   = "KBIX"
	formatVersion = 1
)

// MarshalBinary encodes the index.
func (ix *Index) MarshalBinary() ([]byte, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var buf bytes.Buffer
	buf.WriteString(formatMagic)
	buf.WriteByte(formatVersion)
	docs := make([]Doc, 0, len(ix.docs))
	for _, e := range ix.docs {
		docs = append(docs, e.Doc)
	}
	if err := gob.NewEncoder(&buf).Encode(docs); err != nil {
		return nil, fmt.Errorf("encode search index: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary replaces the index's contents with the decoded data.
func (ix *Index) UnmarshalBinary(data []byte) error {
	if len(data) < len(formatMagic)+1 || string(data[:len(formatMagic)]) != formatMagic {
		return fmt.Errorf("decode search index: not a search index")
	}
	if v := data[len(formatMagic)]; v != formatVersion {
		return fmt.Errorf("decode search index: format version %d, want %d", v, formatVersion)
	}
	var docs []Doc
	if err := gob.NewDecoder(bytes.NewReader(data[len(formatMagic)+1:])).Decode(&docs); err != nil {
		return fmt.Errorf("decode search index: %w", err)
	}
	fresh := New()
	for _, d := range docs {
		fresh.Put(d)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs = fresh.docs
	return nil
}
