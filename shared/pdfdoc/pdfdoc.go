// Package pdfdoc is the one PDF rendering package of the application: A4
// pages (portrait or landscape) laid out top to bottom with headings,
// wrapped text, key/value blocks, tables that break across pages (header
// rows repeated, a hook for page totals), images scaled into a box, QR
// codes, signature lines, and a footer with page numbers ("стр. 2 из 5").
// The claims documents (package documents) and the QR label sheets (package
// qrimage) are drawn with it.
//
// The text is set in the Go fonts (regular and bold), embedded as subsets;
// they cover Latin and Cyrillic. Every string is cleaned before it is
// measured: control characters become spaces, and a character the font
// cannot draw (an emoji, a CJK ideograph) becomes a visible placeholder
// (U+FFFD), so hostile input neither breaks the layout nor vanishes
// silently. The rouble sign, which the Go fonts lack, is written "руб.".
//
// Output is deterministic: the same calls give the same bytes, the creation
// date being the one the caller puts in Config (the document's own date),
// never the clock.
//
// A Doc keeps the first error it meets (like bufio.Writer): the drawing
// methods return nothing, and Bytes returns that error.
//
// It imports gopdf, go-qrcode and the Go fonts, and no AWS package.
//
// Layer: domain.
package pdfdoc

import (
	"fmt"
	"strconv"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Orientation is the pages' orientation.
type Orientation int

// The orientations of an A4 page.
const (
	Portrait Orientation = iota
	Landscape
)

// A4 sizes, in millimetres.
const (
	a4Short = 210.0
	a4Long  = 297.0
)

// ptMM is one typographic point in millimetres.
const ptMM = 25.4 / 72

// Config describes a document.
type Config struct {
	Orientation Orientation
	// Language ("ru" or "en") chooses the words of the page numbers.
	Language string
	// Title, Subject and Author go into the document's information
	// dictionary.
	Title, Subject, Author string
	// Created is the document's creation date as the PDF records it: the
	// document's own date (when the claim was filed, when the act was
	// drawn up), so that rendering it again gives the same bytes. A zero
	// time leaves the date out.
	Created time.Time
	// Footer is printed at the bottom left of every page (cut short with
	// "…" when it does not fit one line).
	Footer string
	// PageNumbers prints "стр. N из M" ("page N of M") at the bottom right
	// of every page.
	PageNumbers bool
	// Margin is the margin on every side, in millimetres (15 when zero).
	// The footer sits inside the bottom margin.
	Margin float64
}

// font is one of the two embedded faces.
type font int

const (
	regular font = iota
	bold
)

var fontFamilies = [...]string{regular: "regular", bold: "bold"}

// Doc is a document being laid out. Create it with New, draw on it, and
// get the PDF with Bytes. It is not safe for concurrent use.
type Doc struct {
	pdf          *gopdf.GoPdf
	cfg          Config
	pageW, pageH float64
	margin       float64
	// y is where the next block starts on the current page.
	y     float64
	pages int
	err   error
	// curFont and curSize are what gopdf is set to, so that a run of
	// cells in one style does not set the font again.
	curFont font
	curSize float64
	// out is the finished PDF: Bytes numbers the pages once.
	out []byte
}

// New starts a document with its first page. It fails only when the
// embedded fonts cannot be loaded.
func New(cfg Config) (*Doc, error) {
	d := &Doc{cfg: cfg, pdf: &gopdf.GoPdf{}, margin: cfg.Margin, curSize: -1}
	if d.margin <= 0 {
		d.margin = 15
	}
	size := *gopdf.PageSizeA4
	d.pageW, d.pageH = a4Short, a4Long
	if cfg.Orientation == Landscape {
		size = *gopdf.PageSizeA4Landscape
		d.pageW, d.pageH = a4Long, a4Short
	}
	d.pdf.Start(gopdf.Config{PageSize: size, Unit: gopdf.UnitMM})
	if err := d.pdf.AddTTFFontData(fontFamilies[regular], goregular.TTF); err != nil {
		return nil, fmt.Errorf("pdfdoc: load Go Regular: %w", err)
	}
	if err := d.pdf.AddTTFFontData(fontFamilies[bold], gobold.TTF); err != nil {
		return nil, fmt.Errorf("pdfdoc: load Go Bold: %w", err)
	}
	d.NewPage()
	return d, d.err
}

// fail keeps the first error.
func (d *Doc) fail(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

// Err returns the first error the document met, if any.
func (d *Doc) Err() error { return d.err }

// NewPage starts a new page; the next block goes at its top.
func (d *Doc) NewPage() {
	d.pdf.AddPage()
	d.pages++
	d.y = d.margin
	// Give the page its content stream now: SetPage, which Bytes uses to
	// number the pages, finds pages by their content streams.
	d.pdf.SetLineWidth(0.2)
	d.curSize = -1
}

// Pages returns the number of pages so far.
func (d *Doc) Pages() int { return d.pages }

// PageSize returns the page's width and height in millimetres.
func (d *Doc) PageSize() (w, h float64) { return d.pageW, d.pageH }

// Left returns the left edge of the content area, in millimetres.
func (d *Doc) Left() float64 { return d.margin }

// Width returns the width of the content area, in millimetres.
func (d *Doc) Width() float64 { return d.pageW - 2*d.margin }

// Y returns where the next block starts on the current page.
func (d *Doc) Y() float64 { return d.y }

// SetY moves where the next block starts on the current page (for blocks
// the caller placed side by side with TextBox and QRCodeAt).
func (d *Doc) SetY(y float64) { d.y = y }

// bottom is the lowest y the content may reach.
func (d *Doc) bottom() float64 { return d.pageH - d.margin }

// Remaining returns the height left on the current page, in millimetres.
func (d *Doc) Remaining() float64 { return d.bottom() - d.y }

// Need starts a new page unless h millimetres are left on this one (and
// the page is not empty already: a block taller than a page starts where
// it is).
func (d *Doc) Need(h float64) {
	if d.y+h > d.bottom() && d.y > d.margin+0.01 {
		d.NewPage()
	}
}

// Space leaves h millimetres of vertical space (nothing at a page's top).
func (d *Doc) Space(h float64) {
	if d.y <= d.margin+0.01 {
		return
	}
	d.y += h
	if d.y > d.bottom() {
		d.NewPage()
	}
}

// Rule draws a thin horizontal line across the content area.
func (d *Doc) Rule() {
	d.Need(2)
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.Line(d.margin, d.y+1, d.pageW-d.margin, d.y+1)
	d.y += 2
}

// setFont sets gopdf's font when it differs from the current one.
func (d *Doc) setFont(f font, size float64) {
	if f == d.curFont && size == d.curSize {
		return
	}
	if err := d.pdf.SetFont(fontFamilies[f], "", size); err != nil {
		d.fail(fmt.Errorf("pdfdoc: set font: %w", err))
		return
	}
	d.curFont, d.curSize = f, size
}

// pageLabel is the words of a page number.
func (d *Doc) pageLabel(n, of int) string {
	if d.cfg.Language == "en" {
		return "page " + strconv.Itoa(n) + " of " + strconv.Itoa(of)
	}
	return "стр. " + strconv.Itoa(n) + " из " + strconv.Itoa(of)
}

// Bytes finishes the document (the footer and the page numbers on every
// page) and returns the PDF, or the first error met while drawing it. The
// document is then done: drawing on it afterwards changes nothing that
// Bytes returns.
func (d *Doc) Bytes() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.out != nil {
		return d.out, nil
	}
	if d.cfg.Footer != "" || d.cfg.PageNumbers {
		st := Style{Size: 7.5, Gray: true}
		y := d.pageH - d.margin + 3
		for p := 1; p <= d.pages; p++ {
			if err := d.pdf.SetPage(p); err != nil {
				return nil, fmt.Errorf("pdfdoc: number page %d: %w", p, err)
			}
			numW := 0.0
			if d.cfg.PageNumbers {
				label := d.pageLabel(p, d.pages)
				numW = d.Measure(label, st) + 5
				d.TextAt(d.margin, y, d.Width(), label, Style{Size: st.Size, Gray: true, Align: AlignRight})
			}
			if d.cfg.Footer != "" {
				d.TextAt(d.margin, y, d.Width()-numW, d.Fit(d.cfg.Footer, d.Width()-numW, st), st)
			}
		}
	}
	d.pdf.SetInfo(gopdf.PdfInfo{
		Title: d.cfg.Title, Subject: d.cfg.Subject, Author: d.cfg.Author,
		Creator: "ClaimsDesk", Producer: "ClaimsDesk (gopdf)", CreationDate: d.cfg.Created,
	})
	if d.err != nil {
		return nil, d.err
	}
	b, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: write pdf: %w", err)
	}
	d.out = b
	return b, nil
}
