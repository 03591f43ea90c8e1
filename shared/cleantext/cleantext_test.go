package cleantext_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/cleantext"
)

// Every bidirectional formatting character the rule drops.
var bidi = []rune{
	0x202A, 0x202B, 0x202C, 0x202D, 0x202E, // embeddings, pop, overrides
	0x2066, 0x2067, 0x2068, 0x2069, // isolates
	0x061C, 0x200E, 0x200F, // marks
}

func TestBidi(t *testing.T) {
	for _, r := range bidi {
		if !cleantext.Bidi(r) {
			t.Errorf("Bidi(%U) = false", r)
		}
	}
	for _, r := range []rune{'a', 'я', ' ', '\n', 0x2029, 0x2070, 0x2065, 0x202F, 0x0627} {
		if cleantext.Bidi(r) {
			t.Errorf("Bidi(%U) = true", r)
		}
	}
}

func TestTextAndLine(t *testing.T) {
	tests := []struct {
		name, in, text, line string
	}{
		{"plain", "Греется через 10 минут.", "Греется через 10 минут.", "Греется через 10 минут."},
		{"override in a file name", "invoice\u202Efdp.exe", "invoicefdp.exe", "invoicefdp.exe"},
		{"every bidi control", "a" + string(bidi) + "b", "ab", "ab"},
		{"isolates around a name", "\u2067Иван\u2069 Петров", "Иван Петров", "Иван Петров"},
		{"marks", "\u200Fright\u200E left\u061C", "right left", "right left"},
		{"zero-width and BOM", "\uFEFFze\u200Bro\u200Dwidth", "zerowidth", "zerowidth"},
		{"control characters", "a\x00b\x07c\x1bd\x7f", "abcd", "abcd"},
		{"line breaks", " first\r\nsecond\rthird\u2028 ", "first\nsecond\nthird", "first second third"},
		{"tabs kept in text", "a\tb", "a\tb", "a b"},
		{"invalid UTF-8", "ok\xff\xfe", "ok", "ok"},
		{"markup is text", `<b>"x"</b>`, `<b>"x"</b>`, `<b>"x"</b>`},
		{"only invisible", "\u202E\u200B \u2066", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.text, cleantext.Text(tt.in)); diff != "" {
				t.Errorf("Text(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.line, cleantext.Line(tt.in)); diff != "" {
				t.Errorf("Line(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestNothingDroppedSurvives checks the rule on every code point: what Text
// returns never holds a character it drops.
func TestNothingDroppedSurvives(t *testing.T) {
	var all []rune
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		all = append(all, r)
	}
	out := cleantext.Text(string(all))
	for _, r := range out {
		if cleantext.Bidi(r) || (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == 0xFEFF || r == 0x200B {
			t.Fatalf("Text kept %U", r)
		}
	}
}
