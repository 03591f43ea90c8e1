package search

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// analyzerVersion names the analyzer's rules. An encoded index records it:
// an index written by other rules is re-analysed from its stored texts when
// it is loaded, so a change of these rules must change this number.
const analyzerVersion = 1

// maxTokenBytes bounds one word: longer runs of letters (a pasted hash, a
// base64 blob) are not words anyone searches for.
const maxTokenBytes = 64

// word is one analysed word of a text: its term (stemmed, lower case), an
// alternative term matched as well (the light English stem, when it
// differs), and where the source word sits in the text, for snippets.
type word struct {
	term, alt  string
	start, end int // byte offsets of the source word in the text
}

// tokenize calls emit for each word of text that is not a stop word. Words
// are maximal runs of letters and digits, joined across a single hyphen,
// dot, slash or underscore between two letters or digits, so that model
// codes ("TX-200", "v2.1", "Wi-Fi") stay one word. With parts set (what is
// indexed, not what is searched), the parts of a joined word are words too,
// after it: a text's "сервис-центра" is found by "сервис центр" and by
// "сервис-центре", its "TX-200" by "TX-200", "tx200" and "200".
func tokenize(text string, parts bool, emit func(w word)) {
	scanWords(text, func(start, end int) bool {
		if a := analyzeWord(text[start:end]); a.term != "" {
			emit(word{term: a.term, alt: a.alt, start: start, end: end})
		}
		if parts {
			eachPart(text, start, end, func(ps, pe int) {
				if a := analyzeWord(text[ps:pe]); a.term != "" {
					emit(word{term: a.term, alt: a.alt, start: ps, end: pe})
				}
			})
		}
		return true
	})
}

// eachPart calls f with the bounds of the parts of the joined word
// text[start:end] (nothing for a word without joiners).
func eachPart(text string, start, end int, f func(ps, pe int)) {
	w := text[start:end]
	if strings.IndexFunc(w, isJoiner) < 0 {
		return
	}
	ps := start
	for i, r := range w {
		if isJoiner(r) {
			f(ps, start+i)
			ps = start + i + utf8.RuneLen(r)
		}
	}
	f(ps, end)
}

// scanWords calls f with the bounds of each word of text until f returns
// false.
func scanWords(text string, f func(start, end int) bool) {
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		start, j := i, i+n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r) {
				j += n
				continue
			}
			if isJoiner(r) && j+n < len(text) {
				if r2, _ := utf8.DecodeRuneInString(text[j+n:]); isWordRune(r2) {
					j += n
					continue
				}
			}
			break
		}
		if !f(start, j) {
			return
		}
		i = j
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isJoiner(r rune) bool { return r == '-' || r == '.' || r == '/' || r == '_' }

// analysis is what one source word becomes.
type analysis struct{ term, alt string }

// stemCache keeps the analysis of words seen: stemming is most of the cost
// of indexing, and an article's vocabulary repeats. It stops growing at
// stemCacheMax words (then words not in it are stemmed each time).
var (
	stemCache     sync.Map // string -> analysis
	stemCacheSize atomic.Int64
)

const stemCacheMax = 1 << 19

// analyzeWord turns one source word (possibly with joiners) into its terms:
// lower-cased, ё folded to е, joiners dropped ("Wi-Fi" is "wifi"); a word
// with a digit is a code kept whole ("tx200"); otherwise a stop word gives
// no term, a Cyrillic word is stemmed by the Russian stemmer and any other
// by the English one (with a light English stem as its alternative term),
// whatever the document's language.
func analyzeWord(src string) analysis {
	if len(src) > maxTokenBytes {
		return analysis{}
	}
	if a, ok := stemCache.Load(src); ok {
		return a.(analysis)
	}
	a := analyzeUncached(src)
	if stemCacheSize.Load() < stemCacheMax {
		// A copy: src is a slice of a whole text, which the key would keep.
		if _, loaded := stemCache.LoadOrStore(strings.Clone(src), a); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return a
}

func analyzeUncached(src string) analysis {
	w, digits, cyrillic, _ := fold(src)
	if digits {
		// A code ("tx200", "a3", "2024"): kept whole.
		return analysis{term: w}
	}
	if cyrillic {
		if russian.IsStopWord(w) {
			return analysis{}
		}
		return analysis{term: stemRussian(w)}
	}
	if utf8.RuneCountInString(w) < 2 || english.IsStopWord(w) {
		return analysis{}
	}
	a := analysis{term: english.Stem(w, true)}
	if l := lightEnglish(w); l != a.term {
		a.alt = l
	}
	return a
}

// fold lower-cases src, folds ё to е and drops joiners, and reports what
// the word holds.
func fold(src string) (w string, digits, cyrillic, joined bool) {
	var b strings.Builder
	b.Grow(len(src))
	for _, r := range src {
		switch {
		case isJoiner(r):
			joined = true
			continue
		case r == 'ё' || r == 'Ё':
			r = 'е'
		default:
			r = unicode.ToLower(r)
		}
		if unicode.IsDigit(r) {
			digits = true
		} else if unicode.Is(unicode.Cyrillic, r) {
			cyrillic = true
		}
		b.WriteRune(r)
	}
	return b.String(), digits, cyrillic, joined
}

// stemRussian stems w with the Snowball Russian stemmer until it no longer
// changes (at most three times): one pass leaves "перегрева" at "перегрев"
// but takes "перегрев" to "перегр", so the forms of one word would not
// meet; the fixed point is the same for them.
func stemRussian(w string) string {
	for range 3 {
		s := russian.Stem(w, true)
		if s == w {
			break
		}
		w = s
	}
	return w
}

// lightEnglish strips only inflections (plural -s/-es/-ies, -ed, -ing and a
// final e) from a lower-case English word. Porter2 (the Snowball English
// stemmer) also strips derivational suffixes inside a region of the word,
// which splits some families: "overheat" stays "overheat" but
// "overheating" becomes "overh". Indexing and querying both stems lets
// either meet.
func lightEnglish(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	for _, suf := range []string{"ing", "ed"} {
		if rest, ok := strings.CutSuffix(w, suf); ok && len(rest) >= 3 && strings.ContainsAny(rest, "aeiouy") {
			w = rest
			if l := len(w); l >= 2 && w[l-1] == w[l-2] && strings.IndexByte("bdgmnprt", w[l-1]) >= 0 {
				w = w[:l-1]
			}
			break
		}
	}
	if l := len(w); l > 3 && w[l-1] == 'e' {
		w = w[:l-1]
	}
	return w
}

// foldPrefix lower-cases a word being typed and folds ё, for prefix
// matching against terms.
func foldPrefix(src string) string {
	w, _, _, _ := fold(src)
	return w
}
