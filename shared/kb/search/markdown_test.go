package search

import "testing"

func TestPlainTextStripsMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# Title\n\nSome **bold** and _em_ text.", "Title\nSome bold and em text."},
		{"See [the manual](https://example.com/manual.pdf \"Manual\").", "See the manual."},
		{"![Wiring diagram](https://cdn.example.com/d.png)", "Wiring diagram"},
		{"Visit <https://example.com> or https://example.org/x now", "Visit   or  now"},
		{"```\ncode_block()\n```\nafter", "code_block()\nafter"},
		{"- item one\n* item two\n> quoted", "item one\nitem two\nquoted"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "a   b\n1   2"},
		{"[ref]: https://example.com/ref\ntext", "text"},
		{"snake_case_name and `inline`", "snake_case_name and inline"},
		{"a < b and <b>bold</b>", "a < b and  bold"},
	} {
		if got := plainText(tc.in); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAnalyzeWord(t *testing.T) {
	for _, tc := range []struct{ in, term, alt string }{
		{"Перегрев", "перегр", ""},
		{"перегрева", "перегр", ""},
		{"перегревается", "перегр", ""},
		{"Ёмкость", "емкост", ""},
		{"не", "", ""},
		{"the", "", ""},
		{"Overheating", "overh", "overheat"},
		{"overheat", "overheat", ""},
		{"TX-200", "tx200", ""},
		{"A3", "a3", ""},
		{"Wi-Fi", "wifi", ""},
	} {
		got := analyzeWord(tc.in)
		if got.term != tc.term || got.alt != tc.alt {
			t.Errorf("analyzeWord(%q) = %q/%q, want %q/%q", tc.in, got.term, got.alt, tc.term, tc.alt)
		}
	}
}
