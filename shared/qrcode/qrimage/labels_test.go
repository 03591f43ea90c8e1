package qrimage

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
)

// pageObjectRE matches a page object's type (not the /Pages tree root).
var pageObjectRE = regexp.MustCompile(`/Type /Page\s`)

const longLine = "Очень длинная строка текста, которая никак не помещается на одной этикетке"

func testLabels(n int) []Label {
	labels := make([]Label, n)
	for i := range labels {
		labels[i] = Label{
			URL:   fmt.Sprintf("https://claims.example.com/q/10ABCD01EFGHX%07d", i),
			Lines: []string{"Холодильник ХР-200 Nord", "Серия 2026-11", fmt.Sprintf("S/N ABC%03d", i), longLine},
		}
	}
	return labels
}

func TestLabelSheetPages(t *testing.T) {
	tests := []struct {
		labels int
		pages  int
	}{
		{1, 1},
		{24, 1},
		{25, 2},
		{30, 2},
		{48, 2},
		{49, 3},
		{MaxLabels, 42},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.labels), func(t *testing.T) {
			b, err := LabelSheet(testLabels(tt.labels))
			if err != nil {
				t.Fatalf("LabelSheet: %v", err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("output starts with %q, want %%PDF-", b[:min(len(b), 8)])
			}
			if diff := cmp.Diff(tt.pages, len(pageObjectRE.FindAll(b, -1))); diff != "" {
				t.Errorf("page count mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLabelSheetErrors(t *testing.T) {
	tooLong := "https://claims.example.com/q/" + strings.Repeat("a", 3000)
	tests := []struct {
		name   string
		labels []Label
		want   []apperr.FieldError
	}{
		{"no labels", nil, []apperr.FieldError{{Field: "labels", Message: "at least one label is required"}}},
		{"too many labels", testLabels(MaxLabels + 1), []apperr.FieldError{{Field: "labels", Message: "at most 1000 labels a sheet, got 1001"}}},
		{
			"every bad label named",
			[]Label{
				{URL: testURL, Lines: []string{"fine"}},
				{URL: "", Lines: []string{"a", "b", "c", "d", "e"}},
				{URL: testURL, Lines: []string{"two\nlines"}},
				{URL: tooLong},
			},
			[]apperr.FieldError{
				{Field: "labels[1].url", Message: "must not be empty"},
				{Field: "labels[1].lines", Message: "at most 4 lines, got 5"},
				{Field: "labels[2].lines", Message: "line 1 contains a control character"},
				{Field: "labels[3].url", Message: "too long for a QR code"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LabelSheet(tt.labels)
			if b != nil {
				t.Errorf("LabelSheet returned %d bytes with error %v", len(b), err)
			}
			code, fields := fieldsOf(err)
			if diff := cmp.Diff(apperr.Invalid, code); diff != "" {
				t.Errorf("error code mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, fields); diff != "" {
				t.Errorf("field errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// needPoppler returns the path of a poppler tool, skipping the test when it
// is missing unless PDF_TESTS=required (as in CI), when it fails instead.
func needPoppler(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("PDF_TESTS") == "required" {
			t.Fatalf("%s (poppler-utils) is required by PDF_TESTS=required: %v", tool, err)
		}
		t.Skipf("%s (poppler-utils) not installed; set PDF_TESTS=required to fail instead", tool)
	}
	return path
}

func TestLabelSheetWithPoppler(t *testing.T) {
	labels := testLabels(30)
	sheet, err := LabelSheet(labels)
	if err != nil {
		t.Fatalf("LabelSheet: %v", err)
	}
	file := t.TempDir() + "/labels.pdf"
	if err := os.WriteFile(file, sheet, 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("text", func(t *testing.T) {
		out, err := exec.Command(needPoppler(t, "pdftotext"), "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := string(out)
		for _, want := range []string{"Холодильник ХР-200 Nord", "Серия 2026-11", "S/N ABC000", "S/N ABC029"} {
			if !strings.Contains(text, want) {
				t.Errorf("extracted text lacks %q:\n%.500s", want, text)
			}
		}
		// The long line is cut short with an ellipsis, once per label.
		cut := regexp.MustCompile(`Очень длинная строка[^\n…]*…`).FindAllString(text, -1)
		if diff := cmp.Diff(30, len(cut)); diff != "" {
			t.Errorf("ellipsised long lines mismatch (-want +got):\n%s", diff)
		}
		if strings.Contains(text, longLine) {
			t.Errorf("the long line was printed whole; want it cut to fit the label")
		}
		if diff := cmp.Diff(2, strings.Count(text, "\f")); diff != "" {
			t.Errorf("pdftotext page breaks mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("qr codes scan", func(t *testing.T) {
		pdftoppm := needPoppler(t, "pdftoppm")
		const dpi = 200
		px := func(mm float64) string { return strconv.Itoa(int(mm * dpi / 25.4)) }
		for _, i := range []int{0, 13, 29} {
			page, slot := i/labelsPerPage+1, i%labelsPerPage
			x := float64(slot%sheetCols) * labelW
			y := marginTop + float64(slot/sheetCols)*labelH
			out, err := exec.Command(pdftoppm, "-png", "-r", strconv.Itoa(dpi),
				"-f", strconv.Itoa(page), "-l", strconv.Itoa(page),
				"-x", px(x), "-y", px(y), "-W", px(labelW), "-H", px(labelH), file).Output()
			if err != nil {
				t.Fatalf("pdftoppm label %d: %v", i, err)
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("decode rendered label %d: %v", i, err)
			}
			if diff := cmp.Diff(labels[i].URL, decodeQR(t, img)); diff != "" {
				t.Errorf("label %d URL mismatch (-want +got):\n%s", i, diff)
			}
		}
	})
}

func BenchmarkLabelSheet(b *testing.B) {
	labels := testLabels(labelsPerPage)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LabelSheet(labels); err != nil {
			b.Fatal(err)
		}
	}
}
