// Package popplertest reads rendered PDFs back in tests with poppler-utils:
// their text (pdftotext -layout) and page count (pdfinfo). When a tool is
// missing the test is skipped, unless PDF_TESTS=required (as in CI), where
// that is a failure.
//
// It imports only the standard library and package testing.
//
// Layer: testing.
package popplertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Tool returns the path of a poppler tool, skipping the test when it is
// missing unless PDF_TESTS=required, when it fails instead.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("PDF_TESTS") == "required" {
			t.Fatalf("%s (poppler-utils) is required by PDF_TESTS=required: %v; install it: apt-get install -y poppler-utils", name, err)
		}
		t.Skipf("%s (poppler-utils) not installed; set PDF_TESTS=required to fail instead", name)
	}
	return path
}

// write saves pdf in the test's temporary directory.
func write(t testing.TB, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Text returns the text of pdf as pdftotext -layout extracts it, pages
// separated by form feeds.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin := Tool(t, "pdftotext")
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", write(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Pages returns the text of each page of pdf (pdftotext -layout).
func Pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	pages := strings.Split(Text(t, pdf), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

var pagesRE = regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`)

// PageCount returns the number of pages pdfinfo finds in pdf (and fails
// the test when pdfinfo reports an error: a malformed file).
func PageCount(t testing.TB, pdf []byte) int {
	t.Helper()
	bin := Tool(t, "pdfinfo")
	out, err := exec.Command(bin, write(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	m := pagesRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo printed no page count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var spaces = regexp.MustCompile(`[ \t\x{00a0}]+`)

// Squash joins the words of text with single spaces (no-break spaces and
// line breaks included), for checks that do not care about the layout.
func Squash(text string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(strings.Join(strings.Fields(text), " "), " "))
}
