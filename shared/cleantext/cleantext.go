// Package cleantext is the one rule for the free text people type into the
// application (claims, messages, decisions, notes, catalog texts, names):
// which characters are dropped and how white space is normalised. Every text
// field stored from any input goes through Text (multi-line) or Line
// (single-line); package claims offers them as CleanText and its field
// normalisation.
//
// Dropped are control characters (except newline and tab), the replacement
// character of invalid UTF-8, zero-width and invisible formatting characters,
// line and paragraph separators, and the bidirectional controls (embeddings,
// overrides, isolates and marks) that would let "invoice\u202Efdp.exe" read as
// "invoiceexe.pdf" or reorder a claim's text on a manager's screen. Markup is
// kept as text: every place that shows it escapes it.
//
// It imports only the standard library.
//
// Layer: leaf.
package cleantext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bidi reports whether r is a bidirectional formatting character: the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the
// marks U+061C (Arabic letter mark), U+200E and U+200F (left-to-right and
// right-to-left marks).
func Bidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x061C || r == 0x200E || r == 0x200F
}

// dropped reports whether r never belongs in stored text.
func dropped(r rune) bool {
	return unicode.IsControl(r) || r == utf8.RuneError || Bidi(r) ||
		(r >= 0x200B && r <= 0x200D) || r == 0x2028 || r == 0x2029 || r == 0xFEFF
}

// Text cleans multi-line text: line breaks become "\n", dropped characters
// go (newlines and tabs stay), and the ends are trimmed.
func Text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case dropped(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Line cleans single-line text: as Text, with every run of white space
// (line breaks included) turned into one space.
func Line(s string) string {
	return strings.Join(strings.Fields(Text(s)), " ")
}
