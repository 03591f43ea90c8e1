package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// maxTokenBytes bounds one token: longer runs of letters (a pasted hash, a
// base64 blob) are not words anyone searches for.
const maxTokenBytes = 64

// token is one analysed word of a text: its term (stemmed, lower case) and
// where its source word sits in the text, for snippets.
type token struct {
	term       string
	start, end int // byte offsets of the source word in the analysed text
}

// tokenize splits text into words: maximal runs of letters and digits, joined
// across a single hyphen, dot or slash between two letters/digits so that
// model codes ("TX-200", "v2.1", "Wi-Fi") stay one token. Each word is
// lower-cased, ё is folded to е, stop words are dropped and the rest stemmed:
// Cyrillic words with the Russian stemmer, Latin ones with the English
// stemmer, whatever the document's language. Words with digits are kept
// whole (lower-cased, joiners removed), so "TX-200", "tx200" and "Tx-200"
// are one term.
func tokenize(text string, emit func(t token)) {
	i := 0
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += w
			continue
		}
		start := i
		j := i + w
		for j < len(text) {
			r, w := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r) {
				j += w
				continue
			}
			if isJoiner(r) && j+w < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[j+w:])
				if isWordRune(r2) {
					j += w
					continue
				}
			}
			break
		}
		if term := analyzeWord(text[start:j]); term != "" {
			emit(token{term: term, start: start, end: j})
		}
		i = j
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isJoiner(r rune) bool { return r == '-' || r == '.' || r == '/' || r == '_' }

// analyzeWord turns one source word (possibly with joiners) into its term,
// or "" when it is a stop word or too long.
func analyzeWord(word string) string {
	if len(word) > maxTokenBytes {
		return ""
	}
	var b strings.Builder
	b.Grow(len(word))
	digits, cyr, joined := false, 0, false
	for _, r := range word {
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
			cyr++
		}
		b.WriteRune(r)
	}
	w := b.String()
	if digits || joined {
		// A code or a compound ("tx200", "wifi", "v21"): searchable whole.
		return w
	}
	if cyr > 0 {
		if russian.IsStopWord(w) {
			return ""
		}
		return stemRussian(w)
	}
	if english.IsStopWord(w) {
		return ""
	}
	return english.Stem(w, true)
}

// analyze returns the terms of text in order.
func analyze(text string) []string {
	var terms []string
	tokenize(text, func(t token) { terms = append(terms, t.term) })
	return terms
}

// stemRussian stems w with the Snowball Russian stemmer until it no longer
// changes (at most three times): one pass leaves "перегрева" at "перегрев"
// but takes "перегрев" to "перегр", so forms of one word would not meet.
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
