package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // thumbnails are JPEG or PNG
	_ "image/png"
	"strings"

	"github.com/signintech/gopdf"
	goqrcode "github.com/skip2/go-qrcode"
)

// KV is a line of a key/value block.
type KV struct {
	Key, Value string
}

// KeyValues adds a block of keys (in grey) and their values side by side,
// keyWidth millimetres for the keys (a third of the width when zero). Both
// wrap; a pair may break across pages between lines. Pairs with an empty
// value print "—", so that a missing field shows as missing.
func (d *Doc) KeyValues(pairs []KV, keyWidth float64) {
	if keyWidth <= 0 {
		keyWidth = d.Width() / 3
	}
	keySt := Style{Size: 9, Gray: true}
	valSt := Style{Size: 10}
	lh := valSt.lineHeight()
	valW := d.Width() - keyWidth - 2
	for _, p := range pairs {
		value := p.Value
		if value == "" {
			value = "—"
		}
		keys := d.Wrap(p.Key, keySt, keyWidth)
		vals := d.Wrap(value, valSt, valW)
		n := max(len(keys), len(vals))
		d.Need(lh * float64(min(n, 2)))
		for i := range n {
			d.Need(lh)
			if i < len(keys) {
				d.cell(d.margin, d.y+0.3, keyWidth, keys[i], keySt)
			}
			if i < len(vals) {
				d.cell(d.margin+keyWidth+2, d.y, valW, vals[i], valSt)
			}
			d.y += lh
		}
		d.y += 0.8
	}
}

// Mark adds a boxed, bold, centred notice across the content width (an
// internal copy's mark).
func (d *Doc) Mark(text string) {
	st := Style{Size: 11, Bold: true, Align: AlignCenter}
	lines := d.Wrap(text, st, d.Width()-6)
	h := float64(len(lines))*st.lineHeight() + 4
	d.Need(h)
	d.pdf.SetLineWidth(0.6)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.RectFromUpperLeftWithStyle(d.margin, d.y, d.Width(), h, "D")
	d.pdf.SetLineWidth(0.2)
	y := d.y + 2
	for _, l := range lines {
		d.cell(d.margin+3, y, d.Width()-6, l, st)
		y += st.lineHeight()
	}
	d.y += h + 2
}

// maxImagePixels bounds the images drawn: thumbnails are small, and a
// header claiming a huge image is a decompression bomb, not a thumbnail.
const maxImagePixels = 4 << 20

// ImageAt draws a JPEG or PNG image scaled to fit a box of w by h
// millimetres at x, y (its aspect kept, centred in the box), and reports
// whether it could. Data that is no such image, or too large, draws a
// framed placeholder instead (and reports false): a broken thumbnail does
// not cost the whole document.
func (d *Doc) ImageAt(data []byte, x, y, w, h float64) bool {
	if d.err != nil {
		return false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil && cfg.Width > 0 && cfg.Height > 0 && cfg.Width*cfg.Height <= maxImagePixels {
		scale := min(w/float64(cfg.Width), h/float64(cfg.Height))
		iw, ih := float64(cfg.Width)*scale, float64(cfg.Height)*scale
		ix, iy := x+(w-iw)/2, y+(h-ih)/2
		if holder, err := gopdf.ImageHolderByBytes(data); err == nil {
			if err := d.pdf.ImageByHolder(holder, ix, iy, &gopdf.Rect{W: iw, H: ih}); err == nil {
				return true
			}
		}
		// gopdf parses fewer PNG variants than Go does (16 bits a
		// channel, interlaced): draw the decoded pixels, 8 bits a channel.
		if img, _, err := image.Decode(bytes.NewReader(data)); err == nil {
			rgba := image.NewNRGBA(img.Bounds())
			draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
			if err := d.pdf.ImageFrom(rgba, ix, iy, &gopdf.Rect{W: iw, H: ih}); err == nil {
				return true
			}
		}
	}
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(150, 150, 150)
	d.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "D")
	d.pdf.SetStrokeColor(0, 0, 0)
	d.cell(x, y+h/2-2, w, "?", Style{Size: 12, Gray: true, Align: AlignCenter})
	return false
}

// Thumb is a picture with its caption, for Thumbnails.
type Thumb struct {
	// Image is JPEG or PNG data; nil draws the caption alone in a frame.
	Image   []byte
	Caption string
}

// Thumbnails adds pictures in a grid of boxes side millimetres square,
// each with its caption (wrapped, at most three lines) under it, rows
// breaking across pages.
func (d *Doc) Thumbnails(items []Thumb, side float64) {
	const gap = 4.0
	capSt := Style{Size: 7, Gray: true, Align: AlignCenter}
	perRow := max(1, int((d.Width()+gap)/(side+gap)))
	for start := 0; start < len(items); start += perRow {
		row := items[start:min(start+perRow, len(items))]
		capLines := 1
		for _, it := range row {
			capLines = max(capLines, min(3, len(d.Wrap(it.Caption, capSt, side))))
		}
		h := side + 1 + float64(capLines)*capSt.lineHeight()
		d.Need(h)
		for i, it := range row {
			x := d.margin + float64(i)*(side+gap)
			if it.Image != nil {
				d.ImageAt(it.Image, x, d.y, side, side)
			} else {
				d.pdf.SetLineWidth(0.2)
				d.pdf.SetStrokeColor(150, 150, 150)
				d.pdf.RectFromUpperLeftWithStyle(x, d.y, side, side, "D")
				d.pdf.SetStrokeColor(0, 0, 0)
			}
			lines := d.Wrap(it.Caption, capSt, side)
			if len(lines) > 3 {
				lines = append(lines[:2], d.Fit(lines[2]+" "+lines[3], side, capSt))
			}
			y := d.y + side + 1
			for _, l := range lines {
				d.cell(x, y, side, l, capSt)
				y += capSt.lineHeight()
			}
		}
		d.y += h + gap
	}
}

// QRModules returns url's QR code at error-correction level Medium (about
// 15% of the symbol may be damaged) as a matrix of modules, the quiet zone
// included: m[y][x] is true for a dark module. It fails for an empty URL or
// one too long for any QR code.
func QRModules(url string) ([][]bool, error) {
	if url == "" {
		return nil, fmt.Errorf("qr code: empty content")
	}
	q, err := goqrcode.New(url, goqrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code of %d bytes: %w", len(url), err)
	}
	return q.Bitmap(), nil
}

// ModulesAt draws a QR code's modules (as QRModules returns them) as a
// side by side millimetre square at x, y: black rectangles, one per
// horizontal run of dark modules, so that the code is sharp at any scale.
func (d *Doc) ModulesAt(m [][]bool, x, y, side float64) {
	if len(m) == 0 || d.err != nil {
		return
	}
	mod := side / float64(len(m))
	d.pdf.SetFillColor(0, 0, 0)
	for row, line := range m {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			start := col
			for col < len(line) && line[col] {
				col++
			}
			// A hair wider and taller so that anti-aliasing leaves no
			// seams between neighbouring runs.
			d.pdf.RectFromUpperLeftWithStyle(x+float64(start)*mod, y+float64(row)*mod, float64(col-start)*mod+0.01, mod+0.01, "F")
		}
	}
}

// QRCodeAt draws url's QR code as a side millimetre square at x, y. A URL
// that cannot be encoded is the document's error.
func (d *Doc) QRCodeAt(url string, x, y, side float64) {
	m, err := QRModules(url)
	if err != nil {
		d.fail(fmt.Errorf("pdfdoc: %w", err))
		return
	}
	d.ModulesAt(m, x, y, side)
}

// Signature is a place to sign: who signs (the role), and the name under
// the line when it is known.
type Signature struct {
	Role string
	Name string
	// Date adds a date line ("«___» __________ 20__ г.").
	Date bool
}

// Signatures adds signature blocks, two a row (three on a landscape
// page): the role, a line to sign
// on with "(подпись)" ("(signature)") under it, the name beside it on a
// line of its own (blank to fill in by hand when unknown), and a date line
// when asked for.
func (d *Doc) Signatures(sigs []Signature) {
	perRow := 2
	if d.Width() > 200 {
		perRow = 3
	}
	gap := 10.0
	w := (d.Width() - gap*float64(perRow-1)) / float64(perRow)
	roleSt := Style{Size: 9, Bold: true}
	small := Style{Size: 7, Gray: true}
	sign, dateLabel, datePattern := "(подпись)", "Дата", "«____» ______________ 20____ г."
	if d.cfg.Language == "en" {
		sign, dateLabel, datePattern = "(signature)", "Date", "____ / ____ / 20____"
	}
	for start := 0; start < len(sigs); start += perRow {
		row := sigs[start:min(start+perRow, len(sigs))]
		h := 0.0
		for _, s := range row {
			bh := roleSt.lineHeight()*float64(len(roleLines(d, s.Role, roleSt, w))) + 14
			if s.Date {
				bh += 8
			}
			h = max(h, bh)
		}
		d.Need(h)
		for i, s := range row {
			x := d.margin + float64(i)*(w+gap)
			y := d.y
			for _, l := range roleLines(d, s.Role, roleSt, w) {
				d.cell(x, y, w, l, roleSt)
				y += roleSt.lineHeight()
			}
			y += 8
			lineW := w * 0.45
			d.pdf.SetLineWidth(0.2)
			d.pdf.SetStrokeColor(0, 0, 0)
			d.pdf.Line(x, y, x+lineW, y)
			d.cell(x, y+0.5, lineW, sign, Style{Size: small.Size, Gray: true, Align: AlignCenter})
			if s.Name != "" {
				d.cell(x+lineW+3, y-4, w-lineW-3, d.Fit(s.Name, w-lineW-3, Style{Size: 9}), Style{Size: 9})
			}
			d.pdf.Line(x+lineW+3, y, x+w, y)
			if s.Date {
				d.cell(x, y+5, w, dateLabel+": "+datePattern, Style{Size: 8})
			}
		}
		d.y += h + 4
	}
}

// maxRoleLines keeps a signature block within a page: a longer role is
// cut short with "…".
const maxRoleLines = 4

// roleLines wraps a signature's role into at most maxRoleLines lines.
func roleLines(d *Doc, role string, st Style, w float64) []string {
	lines := d.Wrap(role, st, w)
	if len(lines) > maxRoleLines {
		lines = append(lines[:maxRoleLines-1], d.Fit(strings.Join(lines[maxRoleLines-1:], " "), w, st))
	}
	return lines
}

// RectAt draws the outline of a w by h millimetre rectangle at x, y.
func (d *Doc) RectAt(x, y, w, h float64) {
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "D")
}

// LineAt draws a thin line from x1, y1 to x2, y2.
func (d *Doc) LineAt(x1, y1, x2, y2 float64) {
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.Line(x1, y1, x2, y2)
}

// Field is a line of a paper form: a label, the value written on an
// underlined space after it, and a caption in small print under the line
// saying what goes there ("(наименование организации, адрес)").
type Field struct {
	Label, Value, Caption string
	// LabelWidth is the label's width in millimetres (its text's width
	// when zero); Width the whole field's (the content width when zero).
	LabelWidth, Width float64
}

// FormField adds a form's field in the flow. The value wraps over as many
// underlined lines as it needs.
func (d *Doc) FormField(f Field) {
	labelSt := Style{Size: 8}
	valSt := Style{Size: 9}
	capSt := Style{Size: 6, Gray: true, Align: AlignCenter}
	width := f.Width
	if width <= 0 || width > d.Width() {
		width = d.Width()
	}
	lw := f.LabelWidth
	if lw <= 0 && f.Label != "" {
		lw = min(d.Measure(f.Label, labelSt)+2, width/2)
	}
	vx, vw := d.margin+lw, width-lw
	labels := d.Wrap(f.Label, labelSt, max(lw-1, 1))
	values := d.Wrap(f.Value, valSt, vw-2)
	lh := valSt.lineHeight()
	n := max(len(labels), len(values))
	capH := 0.0
	if f.Caption != "" {
		capH = capSt.lineHeight()
	}
	d.Need(lh*float64(min(n, 2)) + capH)
	for i := range n {
		d.Need(lh + capH)
		if i < len(labels) {
			d.cell(d.margin, d.y+0.4, lw, labels[i], labelSt)
		}
		if i < len(values) {
			d.cell(vx+1, d.y, vw-2, values[i], valSt)
		}
		d.y += lh
		d.LineAt(vx, d.y, vx+vw, d.y)
	}
	if f.Caption != "" {
		d.cell(vx, d.y+0.2, vw, f.Caption, capSt)
		d.y += capH
	}
	d.y += 0.8
}

// WritingLines adds n ruled lines across the content width, 7 mm apart,
// for a form's reader to write on by hand.
func (d *Doc) WritingLines(n int) {
	const gap = 7.0
	for range n {
		d.Need(gap)
		d.y += gap
		d.LineAt(d.margin, d.y-1, d.pageW-d.margin, d.y-1)
	}
	d.y += 1
}
