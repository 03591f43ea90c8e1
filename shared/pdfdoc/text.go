package pdfdoc

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Align is a text's horizontal alignment.
type Align int

// The alignments. AlignDefault is left for text and the column's alignment
// for a table cell.
const (
	AlignDefault Align = iota
	AlignLeft
	AlignCenter
	AlignRight
)

// Style is how a piece of text is set.
type Style struct {
	// Size is the font size in points (10 when zero).
	Size  float64
	Bold  bool
	Align Align
	// Gray sets the text in dark grey, for captions and notes.
	Gray bool
}

func (s Style) size() float64 {
	if s.Size <= 0 {
		return 10
	}
	return s.Size
}

func (s Style) font() font {
	if s.Bold {
		return bold
	}
	return regular
}

// lineHeight is the distance between baselines, in millimetres.
func (s Style) lineHeight() float64 { return s.size() * 1.25 * ptMM }

// Placeholder replaces a character the font cannot draw.
const Placeholder = '\uFFFD'

// metrics are what the layout needs of a font: which characters it has and
// how wide each is, in thousandths of an em (gopdf's unit, so measured
// widths match what gopdf draws).
type metrics struct {
	widths map[rune]int
}

var (
	metricsOnce sync.Once
	fontMetrics [2]metrics
)

// loadMetrics reads the Go fonts' character maps and advance widths once
// per process (the Basic Multilingual Plane: the fonts have nothing above).
func loadMetrics() {
	for i, ttf := range [][]byte{regular: goregular.TTF, bold: gobold.TTF} {
		m := metrics{widths: make(map[rune]int, 800)}
		f, err := sfnt.Parse(ttf)
		if err == nil {
			var buf sfnt.Buffer
			upem := int(f.UnitsPerEm())
			ppem := fixed.I(upem)
			for r := rune(0); r < 0x10000; r++ {
				idx, err := f.GlyphIndex(&buf, r)
				if err != nil || idx == 0 {
					continue
				}
				adv, err := f.GlyphAdvance(&buf, idx, ppem, xfont.HintingNone)
				if err != nil {
					continue
				}
				m.widths[r] = adv.Round() * 1000 / upem
			}
		}
		fontMetrics[i] = m
	}
}

func metricsOf(f font) *metrics {
	metricsOnce.Do(loadMetrics)
	return &fontMetrics[f]
}

// substitutes are what stands for a character the Go fonts lack when it has
// a usual spelling.
var substitutes = map[rune]string{
	'₽':      "руб.",
	'\u2009': "\u00a0", // thin space
	'\u202f': "\u00a0", // narrow no-break space
	'\u2007': "\u00a0", // figure space
	'\u2212': "-",      // minus sign
}

// invisible characters are dropped: they draw nothing in any font.
func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return unicode.Is(unicode.Variation_Selector, r)
}

// clean prepares s for font f: line ends become "\n", tabs and other
// control characters spaces, characters the font lacks their substitutes or
// the placeholder. The text is otherwise kept as it is (HTML included: it
// is printed, never interpreted).
func clean(s string, f font) string {
	m := metricsOf(f)
	ok := true
	for _, r := range s {
		if _, has := m.widths[r]; r == '\n' || (has && r >= ' ' && r != '\u007f' && !invisible(r)) {
			continue
		}
		ok = false
		break
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\r':
			b.WriteByte('\n')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case invisible(r):
		default:
			if _, has := m.widths[r]; has {
				b.WriteRune(r)
			} else if sub, ok := substitutes[r]; ok {
				b.WriteString(sub)
			} else {
				b.WriteRune(Placeholder)
			}
		}
	}
	return b.String()
}

// units returns the width of cleaned text in thousandths of an em.
func units(s string, f font) int {
	m := metricsOf(f)
	n := 0
	for _, r := range s {
		n += m.widths[r]
	}
	return n
}

// mmPerUnit converts thousandths of an em at size points to millimetres.
func mmPerUnit(size float64) float64 { return size / 1000 * ptMM }

// Measure returns the width text takes on one line in style st, in
// millimetres (after the cleaning every drawn text gets).
func (d *Doc) Measure(text string, st Style) float64 {
	f := st.font()
	return float64(units(clean(text, f), f)) * mmPerUnit(st.size())
}

// wrap breaks cleaned text into lines no wider than width millimetres: at
// spaces, at "\n", and inside a word that alone is wider than a line. A
// paragraph that is empty gives an empty line. No-break spaces do not
// break.
func wrap(text string, f font, size, width float64) []string {
	limit := int(width / mmPerUnit(size))
	if limit < 1 {
		limit = 1
	}
	m := metricsOf(f)
	space := m.widths[' ']
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		var line strings.Builder
		lineW := 0
		for _, word := range strings.Split(para, " ") {
			if word == "" {
				continue
			}
			ww := units(word, f)
			if line.Len() > 0 {
				if lineW+space+ww <= limit {
					line.WriteByte(' ')
					line.WriteString(word)
					lineW += space + ww
					continue
				}
				lines = append(lines, line.String())
				line.Reset()
				lineW = 0
			}
			if ww <= limit {
				line.WriteString(word)
				lineW = ww
				continue
			}
			// A word wider than the line: as many characters a line as
			// fit (at least one, so that the loop ends).
			for _, r := range word {
				rw := m.widths[r]
				if lineW+rw > limit && line.Len() > 0 {
					lines = append(lines, line.String())
					line.Reset()
					lineW = 0
				}
				line.WriteRune(r)
				lineW += rw
			}
		}
		lines = append(lines, line.String())
	}
	return lines
}

// Wrap returns the lines text takes in style st within width millimetres.
func (d *Doc) Wrap(text string, st Style, width float64) []string {
	f := st.font()
	return wrap(clean(text, f), f, st.size(), width)
}

// Fit returns text, or its longest beginning followed by "…" that fits in
// width millimetres in style st, on one line.
func (d *Doc) Fit(text string, width float64, st Style) string {
	f := st.font()
	text = strings.ReplaceAll(clean(text, f), "\n", " ")
	limit := int(width / mmPerUnit(st.size()))
	if units(text, f) <= limit {
		return text
	}
	m := metricsOf(f)
	n := m.widths['…']
	end := 0
	for i, r := range text {
		n += m.widths[r]
		if n > limit {
			break
		}
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimRightFunc(text[:end], unicode.IsSpace) + "…"
}

// cell draws one line of cleaned text in a box of width w whose top is at
// y, aligned within the box.
func (d *Doc) cell(x, y, w float64, line string, st Style) {
	if line == "" || d.err != nil {
		return
	}
	d.setFont(st.font(), st.size())
	if st.Gray {
		d.pdf.SetTextColor(80, 80, 80)
	} else {
		d.pdf.SetTextColor(0, 0, 0)
	}
	align := gopdf.Left
	switch st.Align {
	case AlignCenter:
		align = gopdf.Center
	case AlignRight:
		align = gopdf.Right
	}
	d.pdf.SetXY(x, y)
	if err := d.pdf.CellWithOption(&gopdf.Rect{W: w, H: st.lineHeight()}, line, gopdf.CellOption{Align: align | gopdf.Top}); err != nil {
		d.fail(fmt.Errorf("pdfdoc: draw text: %w", err))
	}
}

// TextAt draws text on one line in a box of width w whose top is at x, y,
// aligned by st.Align, without moving the flow. Text too wide for the box
// runs over it: use Fit to cut it short.
func (d *Doc) TextAt(x, y, w float64, text string, st Style) {
	d.cell(x, y, w, strings.ReplaceAll(clean(text, st.font()), "\n", " "), st)
}

// TextBox draws text wrapped to width w from x, y down, without page
// breaks and without moving the flow, and returns the y below its last
// line. It is for short blocks placed side by side (a letterhead beside a
// QR code).
func (d *Doc) TextBox(x, y, w float64, text string, st Style) float64 {
	lh := st.lineHeight()
	for _, line := range d.Wrap(text, st, w) {
		d.cell(x, y, w, line, st)
		y += lh
	}
	return y
}

// Text adds wrapped text across the content width in the flow, breaking
// pages between lines as needed.
func (d *Doc) Text(text string, st Style) {
	d.IndentedText(0, text, st)
}

// IndentedText adds wrapped text indented by indent millimetres.
func (d *Doc) IndentedText(indent float64, text string, st Style) {
	lh := st.lineHeight()
	w := d.Width() - indent
	for _, line := range d.Wrap(text, st, w) {
		d.Need(lh)
		d.cell(d.margin+indent, d.y, w, line, st)
		d.y += lh
	}
}

// Title adds the document's title: large, bold, centred.
func (d *Doc) Title(text string) {
	d.Need(20)
	d.Text(text, Style{Size: 14, Bold: true, Align: AlignCenter})
	d.y += 2
}

// Heading adds a section heading, kept on the same page as at least the
// two lines that follow it.
func (d *Doc) Heading(text string) {
	st := Style{Size: 11, Bold: true}
	d.Space(2)
	d.Need(st.lineHeight()*float64(len(d.Wrap(text, st, d.Width()))) + 10)
	d.Text(text, st)
	d.y += 1
}

// LineHeight returns the distance between the lines of text in style s,
// in millimetres.
func (s Style) LineHeight() float64 { return s.lineHeight() }
