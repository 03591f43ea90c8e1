package gateway

import (
	"math/big"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// The event is written by hand with these append helpers rather than with
// encoding/json: it is built on every request, and the field presence rules
// of payload format 2.0 (absent versus empty) are easier to get exactly right
// when each field is written explicitly.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so the event always decodes.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	buf = appendJSONContent(buf, s)
	return append(buf, '"')
}

// appendJSONContent appends s escaped for use inside a JSON string literal,
// without the quotes, so that joined values can be written piecewise.
func appendJSONContent(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript parsers
		// that some function runtimes still use; encoding/json escapes them.
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

// appendJSONBytes appends b as a JSON string literal without copying it to
// a string first; bodies can be megabytes long.
func appendJSONBytes(buf, b []byte) []byte {
	if len(b) == 0 {
		return append(buf, '"', '"')
	}
	// The string aliases b only for the duration of the call, and b is not
	// modified meanwhile.
	return appendJSONString(buf, unsafe.String(&b[0], len(b)))
}

// appendLowerJSONString appends s lower-cased (ASCII only, as HTTP header
// names are) as a JSON string without allocating a lower-case copy.
func appendLowerJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			// Header names never contain these; fall back to the general path.
			lower := make([]byte, len(s))
			for j := 0; j < len(s); j++ {
				lower[j] = asciiLower(s[j])
			}
			return appendJSONString(buf, string(lower))
		}
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		buf = append(buf, asciiLower(s[i]))
	}
	return append(buf, '"')
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// plainDecimal renders a JSON number without an exponent, the way API
// Gateway renders numeric claims ("1700000000", never "1.7e+09").
func plainDecimal(n string) string {
	for i := 0; i < len(n); i++ {
		if n[i] == 'e' || n[i] == 'E' {
			f, _, err := big.ParseFloat(n, 10, 256, big.ToNearestEven)
			if err != nil {
				return n
			}
			if f.IsInt() {
				i, _ := f.Int(nil)
				return i.String()
			}
			return f.Text('f', -1)
		}
	}
	return n
}

func appendInt(buf []byte, n int64) []byte { return strconv.AppendInt(buf, n, 10) }
