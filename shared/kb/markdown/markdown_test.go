package markdown

import (
	"strings"
	"testing"
)

// TestRenderKeepsTheArticle: headings, lists, emphasis, tables, code,
// links and the article's own pictures come through.
func TestRenderKeepsTheArticle(t *testing.T) {
	src := "# Перегрев\n\n1. Выключите **прибор**\n2. Очистите *фильтр*\n\n| шаг | время |\n|---|---|\n| 1 | 5 мин |\n\n" +
		"`reset`\n\n[инструкция](https://example.com/manual.pdf) ![фильтр](kb-file:img-1)\n"
	got, err := New().Render(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>Перегрев</h1>", "<ol>", "<li>Выключите <strong>прибор</strong></li>", "<em>фильтр</em>",
		"<table>", "<td>5 мин</td>", "<code>reset</code>", `href="https://example.com/manual.pdf"`, `rel="nofollow noreferrer noopener"`,
		`<img src="kb-file:img-1" alt="фильтр"`} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered HTML lacks %q:\n%s", want, got)
		}
	}
}

// TestRenderMakesTheUsualPayloadsInert: raw HTML, script, event handlers,
// javascript:, vbscript: and data: links and pictures from elsewhere all
// come out without anything a browser would run or fetch.
func TestRenderMakesTheUsualPayloadsInert(t *testing.T) {
	payloads := []string{
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"<svg onload=alert(1)>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](  javascript:alert(1))",
		"[click](java&#x09;script:alert(1))",
		"[click](vbscript:msgbox(1))",
		"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
		"![x](https://tracker.example/pixel.gif)",
		"![x](javascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
		"[x](https://example.com \"a\\\" onmouseover=\\\"alert(1)\")",
		"<style>body{display:none}</style>",
		"<form action=https://evil.example><input name=p></form>",
		"<div style=\"background:url(javascript:alert(1))\">x</div>",
		"[x]: javascript:alert(1)\n\n[y][x]",
	}
	r := New()
	for _, p := range payloads {
		got, err := r.Render(p)
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(got)
		for _, bad := range []string{"<script", "onerror", "onload", "onmouseover=\"", "<iframe", "javascript:", "vbscript:", "data:", "<svg",
			"tracker.example", "<style", "<form", "<input", "style="} {
			if strings.Contains(low, bad) {
				t.Errorf("Render(%q) = %q: contains %q", p, got, bad)
			}
		}
	}
}
