package reportfile

import (
	"errors"
	"fmt"

	"github.com/claimsdesk/backend/shared/docfmt"
	"github.com/claimsdesk/backend/shared/pdfdoc"
)

// The charts' size on the page, in millimetres, and their resolution.
const (
	chartHeightMM = 112.0
	chartWidthPx  = 1600
)

// PDF renders the report on A4 landscape pages: the title, subtitle,
// period, filters and generation time; each chart drawn as an image
// (ChartPNG, a chart with no data as a line saying so); then the table,
// its header repeated on every page it continues on, numbers formatted by
// the report's language (docfmt: "1 234,50", "12,5 %", "31.01.2026") and
// the totals row in bold; the report's title and period in every page's
// footer, with page numbers. An empty report gets a page that says there
// is no data. It fails on a report that Validate rejects, or when a chart
// or the document cannot be drawn.
func PDF(r Report) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	w, lang := r.words(), r.lang()
	footer := r.Title
	if r.Period != "" {
		footer += " · " + r.Period
	}
	d, err := pdfdoc.New(pdfdoc.Config{
		Orientation: pdfdoc.Landscape, Language: lang,
		Title: r.Title, Subject: r.Subtitle, Author: "ClaimsDesk", Created: r.GeneratedAt,
		Footer: footer, PageNumbers: true,
	})
	if err != nil {
		return nil, fmt.Errorf("reportfile: start pdf: %w", err)
	}
	d.Title(r.Title)
	if r.Subtitle != "" {
		d.Text(r.Subtitle, pdfdoc.Style{Size: 11, Align: pdfdoc.AlignCenter})
		d.Space(2)
	}
	meta := []pdfdoc.KV{{Key: w.period, Value: r.Period}, {Key: w.filters, Value: r.filtersLine()}}
	if !r.GeneratedAt.IsZero() {
		meta = append(meta, pdfdoc.KV{Key: w.generated, Value: docfmt.DateTime(r.GeneratedAt, r.loc(), lang)})
	}
	d.KeyValues(meta, 35)
	if r.empty() {
		d.Space(4)
		d.Mark(w.noData)
		return finish(d)
	}
	chartHeightPx := int(chartWidthPx * chartHeightMM / d.Width())
	for _, c := range r.Charts {
		png, err := ChartPNG(r, c, chartWidthPx, chartHeightPx)
		if errors.Is(err, ErrNoChartData) {
			d.Space(2)
			d.Text(c.Title+": "+w.noData, pdfdoc.Style{Size: 10, Gray: true})
			continue
		}
		if err != nil {
			return nil, err
		}
		d.Space(2)
		d.Need(chartHeightMM)
		d.ImageAt(png, d.Left(), d.Y(), d.Width(), chartHeightMM)
		d.SetY(d.Y() + chartHeightMM)
	}
	if len(r.Columns) > 0 {
		d.Space(4)
		d.Table(pdfTable(r))
		if len(r.Rows) == 0 {
			d.Text(w.noData, pdfdoc.Style{Size: 10, Gray: true})
		}
	}
	return finish(d)
}

// finish returns the document's bytes.
func finish(d *pdfdoc.Doc) ([]byte, error) {
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reportfile: render pdf: %w", err)
	}
	return b, nil
}

// pdfTable lays the report's table out for pdfdoc: text columns wider
// than numbers, numbers right-aligned, dates centred, the font smaller as
// the columns grow in number.
func pdfTable(r Report) pdfdoc.Table {
	t := pdfdoc.Table{FontSize: 8}
	switch n := len(r.Columns); {
	case n > 16:
		t.FontSize = 5.5
	case n > 10:
		t.FontSize = 6.5
	}
	header := make([]pdfdoc.HeaderCell, len(r.Columns))
	for i, c := range r.Columns {
		col := pdfdoc.Column{Width: 1.6, Align: pdfdoc.AlignRight}
		switch c.Kind {
		case KindText:
			col = pdfdoc.Column{Width: 3.2, Align: pdfdoc.AlignLeft}
		case KindDate:
			col = pdfdoc.Column{Width: 1.5, Align: pdfdoc.AlignCenter}
		}
		t.Columns = append(t.Columns, col)
		header[i] = pdfdoc.HeaderCell{Text: r.heading(c)}
	}
	t.Header = [][]pdfdoc.HeaderCell{header}
	row := func(values []Value, bold bool) pdfdoc.Row {
		cells := make([]pdfdoc.Cell, len(values))
		for i, v := range values {
			cells[i] = pdfdoc.Cell{Text: display(r, r.Columns[i].Kind, v)}
		}
		return pdfdoc.Row{Cells: cells, Bold: bold}
	}
	t.Rows = make([]pdfdoc.Row, len(r.Rows))
	for i, v := range r.Rows {
		t.Rows[i] = row(v, false)
	}
	if totals := r.totals(); totals != nil {
		t.Footer = []pdfdoc.Row{row(totals, true)}
	}
	return t
}
