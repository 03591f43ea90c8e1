package search

import (
	"strings"
)

// plainText strips Markdown syntax from src and returns the text a reader
// sees: no emphasis or heading markers, no code fences, link text kept but
// link and image URLs dropped (image alt text kept), HTML tags dropped. It
// is a tolerant approximation for indexing and snippets, not a renderer.
func plainText(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	inFence := false
	for line := range strings.Lines(src) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
			continue
		}
		if !inFence {
			trimmed = strings.TrimLeft(trimmed, "#>")
			trimmed = strings.TrimSpace(trimmed)
			if isRule(trimmed) {
				continue
			}
			if t, ok := strings.CutPrefix(trimmed, "- "); ok {
				trimmed = t
			} else if t, ok := strings.CutPrefix(trimmed, "* "); ok {
				trimmed = t
			} else if t, ok := strings.CutPrefix(trimmed, "+ "); ok {
				trimmed = t
			}
			if isLinkDefinition(trimmed) {
				continue
			}
			trimmed = inline(trimmed)
		}
		if trimmed == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(trimmed)
	}
	return b.String()
}

// isRule reports a thematic break ("---", "***", "___") or a table
// delimiter row ("|---|:--:|").
func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, r := range s {
		switch r {
		case '-', '*', '_', '|', ':', ' ', '=':
		default:
			return false
		}
	}
	return true
}

// isLinkDefinition reports a reference link definition: "[id]: url".
func isLinkDefinition(s string) bool {
	if !strings.HasPrefix(s, "[") {
		return false
	}
	i := strings.Index(s, "]:")
	return i > 0 && !strings.Contains(s[:i], "](")
}

// inline removes inline Markdown from one line: images become their alt
// text, links their text, autolinks and HTML tags vanish, emphasis and code
// markers are dropped, table pipes become spaces.
func inline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			i++ // the image's alt text is kept like a link's text
		case c == '[':
			end := matchBracket(s, i)
			if end < 0 {
				b.WriteByte(c)
				i++
				continue
			}
			b.WriteString(inline(s[i+1 : end]))
			i = end + 1
			if i < len(s) && s[i] == '(' {
				if close := strings.IndexByte(s[i:], ')'); close >= 0 {
					i += close + 1
				}
			} else if i < len(s) && s[i] == '[' {
				if close := strings.IndexByte(s[i:], ']'); close >= 0 {
					i += close + 1
				}
			}
		case c == '<':
			if close := strings.IndexByte(s[i:], '>'); close > 1 && isTag(s[i+1:i+close]) {
				i += close + 1
				b.WriteByte(' ')
				continue
			}
			b.WriteByte(c)
			i++
		case c == '*' || c == '`' || c == '|' || c == '\\':
			if c == '|' {
				b.WriteByte(' ')
			}
			i++
		case c == '_' && (i == 0 || i+1 == len(s) || !isASCIIAlnum(s[i-1]) || !isASCIIAlnum(s[i+1])):
			i++ // emphasis, not snake_case
		case c == '~' && i+1 < len(s) && s[i+1] == '~':
			i += 2
		case (c == 'h' || c == 'H') && hasURLPrefix(s[i:]):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ')' {
				j++
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return strings.TrimSpace(b.String())
}

func isTag(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '/' {
		s = s[1:]
	}
	return s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

func hasURLPrefix(s string) bool {
	l := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// matchBracket returns the index of the ']' closing the '[' at s[i], or -1.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}
