package reportfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Stream writes a table whose rows come one at a time (a list too long to
// hold in memory: the background export of the claims list) as CSV or
// XLSX, the same file CSV and XLSX make of the same rows. The CSV goes to
// the writer row by row; the XLSX's sheet streams through excelize's
// StreamWriter (which keeps what it has written in a temporary file past
// 16 MB) and its column widths are measured on the first rows, which are
// held until then. A streamed table has no totals row and no charts.
type Stream struct {
	r      Report
	format string
	out    io.Writer
	rows   int
	closed bool

	// CSV.
	csv    *csv.Writer
	record []string

	// XLSX.
	x       *xlsxWriter
	sw      *excelize.StreamWriter
	sample  [][]Value
	values  []any
	row     int
	started bool
	header  int
}

// Stream formats.
const (
	StreamCSV  = "csv"
	StreamXLSX = "xlsx"
)

// NewStream starts a file of format (StreamCSV or StreamXLSX) on out with
// r's title, period, filters, columns and language; r must have no rows,
// totals or charts (they come through Row). It fails on an unknown format
// or a report Validate rejects.
func NewStream(r Report, format string, out io.Writer) (*Stream, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if len(r.Rows) > 0 || r.Totals != nil || len(r.Charts) > 0 {
		return nil, errors.New("reportfile: a streamed table takes its rows through Row and has no totals or charts")
	}
	if len(r.Columns) == 0 {
		return nil, errors.New("reportfile: a streamed table needs columns")
	}
	s := &Stream{r: r, format: format, out: out}
	switch format {
	case StreamCSV:
		if _, err := io.WriteString(out, bom); err != nil {
			return nil, fmt.Errorf("reportfile: write csv: %w", err)
		}
		s.csv = csv.NewWriter(out)
		s.csv.UseCRLF = true
		s.record = make([]string, len(r.Columns))
		for i, c := range r.Columns {
			s.record[i] = csvText(r.heading(c))
		}
		if err := s.csv.Write(s.record); err != nil {
			return nil, fmt.Errorf("reportfile: write csv header: %w", err)
		}
	case StreamXLSX:
		s.x = &xlsxWriter{r: r, w: r.words(), f: excelize.NewFile()}
		if err := s.x.styles(); err != nil {
			s.x.f.Close()
			return nil, fmt.Errorf("reportfile: xlsx styles: %w", err)
		}
		s.values = make([]any, len(r.Columns))
	default:
		return nil, fmt.Errorf("reportfile: unknown stream format %q: want csv or xlsx", format)
	}
	return s, nil
}

// Rows returns how many rows were written.
func (s *Stream) Rows() int { return s.rows }

// Row writes one row, a value per column. It fails on a row of the wrong
// length, past MaxRows, or when writing fails.
func (s *Stream) Row(v []Value) error {
	if s.closed {
		return errors.New("reportfile: row after Close")
	}
	if len(v) != len(s.r.Columns) {
		return fmt.Errorf("reportfile: row %d has %d values for %d columns", s.rows+1, len(v), len(s.r.Columns))
	}
	if s.rows >= MaxRows {
		return fmt.Errorf("reportfile: more than %d rows", MaxRows)
	}
	s.rows++
	if s.csv != nil {
		for i, val := range v {
			s.record[i] = csvValue(s.r, s.r.Columns[i].Kind, val)
		}
		if err := s.csv.Write(s.record); err != nil {
			return fmt.Errorf("reportfile: write csv row %d: %w", s.rows, err)
		}
		return nil
	}
	if !s.started {
		s.sample = append(s.sample, v)
		if len(s.sample) < widthSample {
			return nil
		}
		return s.start()
	}
	return s.writeRow(v)
}

// start begins the data sheet: the widths measured on the held rows, the
// lines above the table, the header; then the held rows.
func (s *Stream) start() error {
	s.started = true
	x := s.x
	x.r.Rows = s.sample
	widths := x.widths()
	x.r.Rows = nil
	sheet := x.w.dataSheet
	if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	if err := x.printSetup(sheet, len(x.metaLines())+2); err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	s.sw = sw
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
		}
	}
	lines := x.metaLines()
	s.header = len(lines) + 2
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: s.header, TopLeftCell: cellName(1, s.header+1),
		ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	for i, c := range lines {
		if err := sw.SetRow(cellName(1, i+1), []any{c}); err != nil {
			return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
		}
	}
	header := make([]any, len(x.r.Columns))
	for i, h := range x.headings() {
		header[i] = excelize.Cell{StyleID: x.header, Value: h}
	}
	if err := sw.SetRow(cellName(1, s.header), header, excelize.RowOpts{Height: x.headerHeight(widths)}); err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	s.row = s.header
	for _, v := range s.sample {
		if err := s.writeRow(v); err != nil {
			return err
		}
	}
	s.sample = nil
	return nil
}

func (s *Stream) writeRow(v []Value) error {
	s.row++
	for i, c := range s.r.Columns {
		s.values[i] = excelize.Cell{StyleID: s.x.style[i], Value: s.x.cellValue(c.Kind, v[i])}
	}
	if err := s.sw.SetRow(cellName(1, s.row), s.values); err != nil {
		return fmt.Errorf("reportfile: xlsx row %d: %w", s.rows, err)
	}
	return nil
}

// Close finishes the file and writes what remains of it to the writer
// (the whole workbook, for XLSX). It must be called once; a Stream that
// failed should still be closed to free the workbook's temporary files.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.csv != nil {
		s.csv.Flush()
		if err := s.csv.Error(); err != nil {
			return fmt.Errorf("reportfile: write csv: %w", err)
		}
		return nil
	}
	x := s.x
	defer x.f.Close()
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	lastData := s.row
	if s.rows == 0 {
		s.row++
		if err := s.sw.SetRow(cellName(1, s.row), []any{excelize.Cell{StyleID: x.boldStyle, Value: x.w.noData}}); err != nil {
			return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
		}
	}
	ref := cellName(1, s.header) + ":" + cellName(len(x.r.Columns), max(lastData, s.header+1))
	if err := s.sw.AddTable(&excelize.Table{Range: ref, Name: "Report", StyleName: "TableStyleLight1",
		ShowRowStripes: new(bool)}); err != nil {
		return fmt.Errorf("reportfile: xlsx table %s: %w", ref, err)
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("reportfile: xlsx data sheet: %w", err)
	}
	x.f.SetDocProps(&excelize.DocProperties{
		Title: xmlText(x.r.Title), Subject: xmlText(x.r.Subtitle), Creator: "ClaimsDesk",
		Created: x.r.GeneratedAt.UTC().Format(time.RFC3339), Language: x.r.lang(),
	})
	if err := x.f.Write(s.out); err != nil {
		return fmt.Errorf("reportfile: write xlsx: %w", err)
	}
	return nil
}
