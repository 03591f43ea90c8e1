package reportfile

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// bom is the UTF-8 byte order mark: Excel reads a CSV without it in the
// machine's legacy code page and mangles Cyrillic.
const bom = "\ufeff"

// CSV renders the table as CSV (RFC 4180: commas, quoted fields, CRLF line
// ends), UTF-8 with a byte order mark: a header row of the columns' titles
// (with their units), a row per table row, and the totals row when the
// report has one. Numbers are machine-readable: a dot for the decimal
// point, no thousands separators, full precision (percentages as shares
// from 0 to 1, amounts in roubles with two decimals); dates are ISO
// (2026-01-31) in the report's time zone; blanks are empty fields. Text
// that a spreadsheet would take for a formula (starting with =, +, -, @,
// a tab or a carriage return) is prefixed with an apostrophe. The title,
// period and filters are not in the CSV: it stays one table for parsers.
// It fails only on a report that Validate rejects.
func CSV(r Report) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(bom)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	record := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		record[i] = csvText(r.heading(c))
	}
	if err := w.Write(record); err != nil {
		return nil, fmt.Errorf("reportfile: write csv header: %w", err)
	}
	rows := r.Rows
	if t := r.totals(); t != nil {
		rows = append(rows[:len(rows):len(rows)], t)
	}
	for n, row := range rows {
		for i, v := range row {
			record[i] = csvValue(r, r.Columns[i].Kind, v)
		}
		if err := w.Write(record); err != nil {
			return nil, fmt.Errorf("reportfile: write csv row %d: %w", n+1, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("reportfile: write csv: %w", err)
	}
	return buf.Bytes(), nil
}

// csvValue writes a cell machine-readably.
func csvValue(r Report, k Kind, v Value) string {
	switch v.kind {
	case textValue:
		return csvText(v.text)
	case timeValue:
		if k == KindDate {
			return v.t.In(r.loc()).Format(time.DateOnly)
		}
		return v.t.In(r.loc()).Format(time.RFC3339)
	case intValue, numberValue:
		if k == KindMoney {
			kop, _ := v.kopecks()
			return plainMoney(kop)
		}
		if v.kind == intValue {
			return strconv.FormatInt(v.i, 10)
		}
		return strconv.FormatFloat(v.f, 'f', -1, 64)
	}
	return ""
}

// csvText defuses text a spreadsheet would evaluate: a leading apostrophe
// makes Excel and LibreOffice show it as text (OWASP's advice for CSV
// injection).
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// plainMoney writes kopecks as roubles with two decimals and no grouping:
// "-1234.05".
func plainMoney(kop int64) string {
	sign := ""
	u := uint64(kop)
	if kop < 0 {
		sign = "-"
		u = uint64(-(kop + 1)) + 1
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
