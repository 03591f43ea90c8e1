package reportfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// streamed writes r's rows through a Stream of format.
func streamed(t *testing.T, r Report, format string) []byte {
	t.Helper()
	rows := r.Rows
	r.Rows, r.Totals, r.Charts = nil, nil, nil
	var buf bytes.Buffer
	s, err := NewStream(r, format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := s.Row(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Rows() != len(rows) {
		t.Errorf("Rows() = %d, want %d", s.Rows(), len(rows))
	}
	return buf.Bytes()
}

// plainTable is r without totals and charts: what a stream makes.
func plainTable(n int) Report {
	r := testReport("ru", n)
	r.Totals, r.Charts = nil, nil
	return r
}

// TestStreamCSVIsCSV: a streamed CSV is byte for byte the CSV of the same
// rows.
func TestStreamCSVIsCSV(t *testing.T) {
	for _, n := range []int{0, 3, 2500} {
		r := plainTable(n)
		want, err := CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := streamed(t, r, StreamCSV); !bytes.Equal(got, want) {
			t.Errorf("%d rows: the streamed CSV differs from CSV (%d vs %d bytes)", n, len(got), len(want))
		}
	}
}

// TestStreamXLSXIsXLSX: a streamed workbook holds the cells, formats and
// column widths XLSX writes for the same rows, with fewer rows than the
// width sample, more, and none.
func TestStreamXLSXIsXLSX(t *testing.T) {
	for _, n := range []int{0, 5, widthSample + 300} {
		r := plainTable(n)
		want, err := XLSX(r)
		if err != nil {
			t.Fatal(err)
		}
		a, b := openXLSX(t, want), openXLSX(t, streamed(t, r, StreamXLSX))
		sheet := vocabulary["ru"].dataSheet
		wantRows, err := a.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		gotRows, err := b.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRows, gotRows); diff != "" {
			t.Errorf("%d rows: sheet mismatch (-XLSX +stream):\n%s", n, diff)
		}
		for _, cell := range []string{"B8", "D8", "G8", "H8", "A7"} {
			if w, g := cellFormat(t, a, sheet, cell), cellFormat(t, b, sheet, cell); w != g {
				t.Errorf("%d rows: %s format %q, want %q", n, cell, g, w)
			}
		}
		for _, col := range []string{"A", "C", "H"} {
			w, _ := a.GetColWidth(sheet, col)
			g, _ := b.GetColWidth(sheet, col)
			if w != g {
				t.Errorf("%d rows: column %s width %v, want %v", n, col, g, w)
			}
		}
	}
}

// TestStreamRefuses: rows given in the report, a row of the wrong length,
// an unknown format.
func TestStreamRefuses(t *testing.T) {
	var buf bytes.Buffer
	if _, err := NewStream(plainTable(1), StreamCSV, &buf); err == nil {
		t.Error("a report with rows streams")
	}
	if _, err := NewStream(plainTable(0), "pdf", &buf); err == nil {
		t.Error("a PDF stream was made")
	}
	s, err := NewStream(plainTable(0), StreamXLSX, &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Row([]Value{Text("one")}); err == nil {
		t.Error("a row of one value for eight columns was written")
	}
}

// TestXLSXPrintsOnePageWide: the data sheet, written whole or streamed,
// prints on A4 landscape with every column on the page's width and the
// header on every page, each heading whole (it printed portrait, its
// columns split across pages, and a two-line header row cut longer
// headings).
func TestXLSXPrintsOnePageWide(t *testing.T) {
	r := plainTable(3)
	whole, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"XLSX": whole, "stream": streamed(t, r, StreamXLSX)} {
		// The header row holds the tallest heading wrapped at its
		// column's width: "Среднее / время / обработки, / раб. ч".
		if h, err := openXLSX(t, b).GetRowHeight("Данные", 7); err != nil || h < 4*14 {
			t.Errorf("%s: header row %v points high (%v), want room for 4 lines", name, h, err)
		}
		parts := zipParts(t, b)
		for part, wants := range map[string][]string{
			"xl/worksheets/sheet1.xml": {`<pageSetUpPr fitToPage="true"`, `orientation="landscape"`, `paperSize="9"`, `fitToHeight="0"`, `fitToWidth="1"`},
			// The lines above the table and its header (row 7).
			"xl/workbook.xml": {`localSheetId="0" name="_xlnm.Print_Titles">&#39;Данные&#39;!$1:$7</definedName>`},
		} {
			for _, want := range wants {
				if !strings.Contains(parts[part], want) {
					t.Errorf("%s: %s lacks %s:\n%s", name, part, want, parts[part])
				}
			}
		}
	}
}
