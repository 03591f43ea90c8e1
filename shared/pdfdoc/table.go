package pdfdoc

// Column is a table column.
type Column struct {
	// Width is the column's share of the table's width: the widths are
	// scaled so that they add up to the content width (give millimetres
	// or any other unit).
	Width float64
	// Align aligns the column's data cells (left when AlignDefault).
	Align Align
}

// HeaderCell is a cell of a table's header rows. It spans Span columns and
// RowSpan header rows (one each when zero).
type HeaderCell struct {
	Text          string
	Span, RowSpan int
}

// Cell is a data cell; it spans Span columns (one when zero). Align
// overrides the column's alignment.
type Cell struct {
	Text  string
	Span  int
	Align Align
	Bold  bool
}

// Row is a data row. Bold sets every cell in bold (totals).
type Row struct {
	Cells []Cell
	Bold  bool
}

// TextRow returns a row of one-column cells with the given texts.
func TextRow(texts ...string) Row {
	r := Row{Cells: make([]Cell, len(texts))}
	for i, t := range texts {
		r.Cells[i].Text = t
	}
	return r
}

// Table is a table for Doc.Table.
type Table struct {
	Columns []Column
	// Header is the header rows, drawn at the table's top and again at the
	// top of every page the table continues on.
	Header [][]HeaderCell
	Rows   []Row
	// FontSize is the cells' font size in points (8 when zero).
	FontSize float64
	// PageFooter, when set, gives the rows printed under the table's part
	// on each page (page totals), given the data rows of that page:
	// Rows[first:end]. A row broken across pages counts on the page it
	// starts on. It is called for every page, the last included, and
	// also to measure the space to keep for its rows, so it must not have
	// side effects.
	PageFooter func(first, end int) []Row
	// Footer is the rows printed once after the last data row (and the
	// last page footer): the grand totals.
	Footer []Row
}

// Table padding, in millimetres.
const (
	cellPadX = 1.0
	cellPadY = 0.8
)

// laidCell is a cell wrapped into its box.
type laidCell struct {
	x, w  float64
	lines []string
	st    Style
}

// laidRow is a row wrapped into its cells.
type laidRow struct {
	cells []laidCell
	lines int
}

// tableLayout holds what drawing a table needs.
type tableLayout struct {
	t       Table
	xs, ws  []float64 // columns' left edges and widths
	st      Style
	lh      float64
	headerH float64
	header  []laidHeader
}

// laidHeader is a header cell placed in the header's grid.
type laidHeader struct {
	x, w, y, h float64
	lines      []string
}

func (d *Doc) layoutTable(t Table) *tableLayout {
	size := t.FontSize
	if size <= 0 {
		size = 8
	}
	tl := &tableLayout{t: t, st: Style{Size: size}}
	tl.lh = tl.st.lineHeight()
	total := 0.0
	for _, c := range t.Columns {
		total += max(c.Width, 0)
	}
	x := d.margin
	for _, c := range t.Columns {
		w := d.Width() / float64(len(t.Columns))
		if total > 0 {
			w = d.Width() * max(c.Width, 0) / total
		}
		tl.xs = append(tl.xs, x)
		tl.ws = append(tl.ws, w)
		x += w
	}
	d.layoutHeader(tl)
	return tl
}

// span returns the x and width of columns [c, c+n), clipped to the table.
func (tl *tableLayout) span(c, n int) (float64, float64) {
	if c >= len(tl.xs) {
		return 0, 0
	}
	n = max(n, 1)
	end := min(c+n, len(tl.xs))
	return tl.xs[c], tl.xs[end-1] + tl.ws[end-1] - tl.xs[c]
}

func (d *Doc) layoutHeader(tl *tableLayout) {
	rows := len(tl.t.Header)
	if rows == 0 {
		return
	}
	hst := Style{Size: tl.st.size(), Bold: true, Align: AlignCenter}
	busy := make([][]bool, rows) // busy[r][c]: taken by a cell from above
	for r := range busy {
		busy[r] = make([]bool, len(tl.ws))
	}
	type placed struct {
		c, n, r, rs int
		lines       []string
	}
	var cells []placed
	for r, row := range tl.t.Header {
		c := 0
		for _, hc := range row {
			for c < len(tl.ws) && busy[r][c] {
				c++
			}
			if c >= len(tl.ws) {
				break
			}
			n, rs := max(hc.Span, 1), max(hc.RowSpan, 1)
			n, rs = min(n, len(tl.ws)-c), min(rs, rows-r)
			for rr := r; rr < r+rs; rr++ {
				for cc := c; cc < c+n; cc++ {
					busy[rr][cc] = true
				}
			}
			_, w := tl.span(c, n)
			cells = append(cells, placed{c, n, r, rs, d.Wrap(hc.Text, hst, w-2*cellPadX)})
			c += n
		}
	}
	heights := make([]float64, rows)
	for r := range heights {
		heights[r] = tl.lh + 2*cellPadY
	}
	for _, p := range cells {
		if p.rs == 1 {
			heights[p.r] = max(heights[p.r], float64(len(p.lines))*tl.lh+2*cellPadY)
		}
	}
	for _, p := range cells {
		if p.rs > 1 {
			have := 0.0
			for r := p.r; r < p.r+p.rs; r++ {
				have += heights[r]
			}
			if need := float64(len(p.lines))*tl.lh + 2*cellPadY; need > have {
				heights[p.r+p.rs-1] += need - have
			}
		}
	}
	tops := make([]float64, rows+1)
	for r, h := range heights {
		tops[r+1] = tops[r] + h
	}
	tl.headerH = tops[rows]
	for _, p := range cells {
		x, w := tl.span(p.c, p.n)
		tl.header = append(tl.header, laidHeader{x: x, w: w, y: tops[p.r], h: tops[p.r+p.rs] - tops[p.r], lines: p.lines})
	}
}

func (d *Doc) drawHeader(tl *tableLayout) {
	hst := Style{Size: tl.st.size(), Bold: true, Align: AlignCenter}
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.SetFillColor(232, 232, 232)
	for _, h := range tl.header {
		d.pdf.RectFromUpperLeftWithStyle(h.x, d.y+h.y, h.w, h.h, "FD")
	}
	for _, h := range tl.header {
		y := d.y + h.y + (h.h-float64(len(h.lines))*tl.lh)/2
		for _, l := range h.lines {
			d.cell(h.x+cellPadX, y, h.w-2*cellPadX, l, hst)
			y += tl.lh
		}
	}
	d.y += tl.headerH
}

func (d *Doc) layoutRow(tl *tableLayout, r Row) laidRow {
	var lr laidRow
	c := 0
	for _, cell := range r.Cells {
		if c >= len(tl.ws) {
			break
		}
		n := max(cell.Span, 1)
		x, w := tl.span(c, n)
		st := Style{Size: tl.st.size(), Bold: r.Bold || cell.Bold, Align: cell.Align}
		if st.Align == AlignDefault {
			st.Align = tl.t.Columns[c].Align
		}
		lines := d.Wrap(cell.Text, st, w-2*cellPadX)
		lr.cells = append(lr.cells, laidCell{x: x, w: w, lines: lines, st: st})
		lr.lines = max(lr.lines, len(lines))
		c += n
	}
	// Columns the row leaves out still get their borders.
	for ; c < len(tl.ws); c++ {
		lr.cells = append(lr.cells, laidCell{x: tl.xs[c], w: tl.ws[c]})
	}
	lr.lines = max(lr.lines, 1)
	return lr
}

func (tl *tableLayout) height(lines int) float64 { return float64(lines)*tl.lh + 2*cellPadY }

// drawRow draws lines [from, to) of a laid-out row at the flow's y.
func (d *Doc) drawRow(tl *tableLayout, lr laidRow, from, to int) {
	h := tl.height(to - from)
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(0, 0, 0)
	for _, c := range lr.cells {
		d.pdf.RectFromUpperLeftWithStyle(c.x, d.y, c.w, h, "D")
		y := d.y + cellPadY
		for i := from; i < to && i < len(c.lines); i++ {
			d.cell(c.x+cellPadX, y, c.w-2*cellPadX, c.lines[i], c.st)
			y += tl.lh
		}
	}
	d.y += h
}

// rowsHeight returns the height rows take.
func (d *Doc) rowsHeight(tl *tableLayout, rows []Row) float64 {
	h := 0.0
	for _, r := range rows {
		h += tl.height(d.layoutRow(tl, r).lines)
	}
	return h
}

// drawRows draws whole rows with no page checks (their space was kept).
func (d *Doc) drawRows(tl *tableLayout, rows []Row) {
	for _, r := range rows {
		lr := d.layoutRow(tl, r)
		d.drawRow(tl, lr, 0, lr.lines)
	}
}

// Table adds a table. Rows wrap their cells' text; a page break repeats the
// header rows, and PageFooter's rows close each page's part. A row taller
// than a page is broken between its lines.
func (d *Doc) Table(t Table) {
	if len(t.Columns) == 0 || d.err != nil {
		return
	}
	tl := d.layoutTable(t)
	pageFooter := func(first, end int) []Row {
		if t.PageFooter == nil {
			return nil
		}
		return t.PageFooter(first, end)
	}
	footerH := d.rowsHeight(tl, t.Footer)
	breakPage := func(first, end int) {
		d.drawRows(tl, pageFooter(first, end))
		d.NewPage()
		d.drawHeader(tl)
	}

	// Start on a new page unless the header, the first row and what closes
	// the page fit here.
	firstH := tl.lh + 2*cellPadY
	if len(t.Rows) > 0 {
		firstH = tl.height(d.layoutRow(tl, t.Rows[0]).lines)
	}
	d.Need(tl.headerH + min(firstH, 3*tl.lh) + d.rowsHeight(tl, pageFooter(0, min(1, len(t.Rows)))))
	d.drawHeader(tl)

	first := 0
	for i, r := range t.Rows {
		lr := d.layoutRow(tl, r)
		for from := 0; from < lr.lines; {
			reserve := d.rowsHeight(tl, pageFooter(first, i+1))
			if i == len(t.Rows)-1 {
				reserve += footerH
			}
			avail := d.bottom() - d.y - reserve
			if need := tl.height(lr.lines - from); need <= avail {
				d.drawRow(tl, lr, from, lr.lines)
				break
			}
			if from == 0 && i > first {
				breakPage(first, i)
				first = i
				continue
			}
			// Alone on its page and still too tall: as many lines as
			// fit here (at least one, so that the loop ends), the rest
			// on the next page.
			k := max(1, int((avail-2*cellPadY)/tl.lh))
			to := min(lr.lines, from+k)
			d.drawRow(tl, lr, from, to)
			from = to
			if from < lr.lines {
				breakPage(first, i+1)
				first = i + 1
			}
		}
	}
	d.drawRows(tl, pageFooter(first, len(t.Rows)))
	if len(t.Footer) > 0 && d.y+footerH > d.bottom() {
		d.NewPage()
		d.drawHeader(tl)
	}
	d.drawRows(tl, t.Footer)
	d.y += 2
}
