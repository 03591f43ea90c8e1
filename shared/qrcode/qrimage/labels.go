package qrimage

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/pdfdoc"
	"github.com/claimsdesk/backend/shared/qrcode"
)

// Label sheet limits.
const (
	// MaxLabels is the most labels one LabelSheet call renders (42 pages).
	MaxLabels = 1000
	// MaxLabelLines is the most text lines under one label's QR code.
	MaxLabelLines = 4
)

// Sheet geometry, in millimetres. The grid matches the common A4 stock of
// 3 x 8 labels of 70 x 36 mm with 4.5 mm top and bottom margins, and keeps
// every mark at least 5 mm from the page edge so plain-paper printers do not
// clip it either.
const (
	pageW, pageH   = 210.0, 297.0
	sheetCols      = 3
	sheetRows      = 8
	labelsPerPage  = sheetCols * sheetRows
	marginTop      = 4.5
	labelW, labelH = pageW / sheetCols, (pageH - 2*marginTop) / sheetRows
	labelPadTop    = 1.0
	labelPadSide   = 4.0
	qrSide         = 21.0 // about 0.5 mm a module for a 50-character URL (version 4)
	textGap        = 0.5
	lineH          = 3.1
	fontSizePt     = 7.0
)

// Label is one label on a sheet: a QR code of URL with up to MaxLabelLines
// lines of text under it (e.g. the model, "Серия 2026-11", "S/N ABC123", the
// code itself).
type Label = qrcode.Label

// LabelSheet renders labels as an A4 PDF for a production line to print: a
// grid of 3 columns by 8 rows a page, as many pages as needed, each label a QR
// code (drawn as vector modules, sharp at any scale) with its lines of text
// centred under it in Go Regular (which covers Latin and Cyrillic), laid out
// with package pdfdoc. A line too wide for its label is cut short with "…".
//
// It returns an apperr.Invalid error when there are no labels or more than
// MaxLabels (field "labels"), and one listing every bad label field when a
// URL is empty or too long to encode ("labels[i].url"), or a label has more
// than MaxLabelLines lines or a line with control characters such as a
// newline ("labels[i].lines"). Failures of the PDF library are returned
// wrapped, without an apperr code.
func LabelSheet(labels []Label) ([]byte, error) {
	switch {
	case len(labels) == 0:
		return nil, apperr.InvalidField("labels", "at least one label is required")
	case len(labels) > MaxLabels:
		return nil, apperr.InvalidField("labels", fmt.Sprintf("at most %d labels a sheet, got %d", MaxLabels, len(labels)))
	}
	// Check everything before rendering anything, so the caller learns about
	// every bad label at once.
	matrices := make([][][]bool, len(labels))
	var fields []apperr.FieldError
	for i, l := range labels {
		m, err := modules(l.URL)
		if err != nil {
			msg := "cannot be encoded"
			if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
				msg = e.Fields[0].Message
			}
			fields = append(fields, apperr.FieldError{Field: fmt.Sprintf("labels[%d].url", i), Message: msg})
		}
		matrices[i] = m
		if msg := checkLines(l.Lines); msg != "" {
			fields = append(fields, apperr.FieldError{Field: fmt.Sprintf("labels[%d].lines", i), Message: msg})
		}
	}
	if err := apperr.Validation(fields); err != nil {
		return nil, err
	}

	d, err := pdfdoc.New(pdfdoc.Config{Title: "QR code labels", Margin: marginTop})
	if err != nil {
		return nil, fmt.Errorf("label sheet: %w", err)
	}
	for i, l := range labels {
		if i > 0 && i%labelsPerPage == 0 {
			d.NewPage()
		}
		slot := i % labelsPerPage
		x := float64(slot%sheetCols) * labelW
		y := marginTop + float64(slot/sheetCols)*labelH
		drawLabel(d, x, y, matrices[i], l.Lines)
	}
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("label sheet: %w", err)
	}
	return b, nil
}

// checkLines returns why lines cannot go on a label, or "".
func checkLines(lines []string) string {
	if len(lines) > MaxLabelLines {
		return fmt.Sprintf("at most %d lines, got %d", MaxLabelLines, len(lines))
	}
	for i, line := range lines {
		if strings.ContainsFunc(line, unicode.IsControl) {
			return fmt.Sprintf("line %d contains a control character", i+1)
		}
	}
	return ""
}

// drawLabel draws one label with its top left corner at x, y.
func drawLabel(d *pdfdoc.Doc, x, y float64, m [][]bool, lines []string) {
	d.ModulesAt(m, x+(labelW-qrSide)/2, y+labelPadTop, qrSide)
	textW := labelW - 2*labelPadSide
	textY := y + labelPadTop + qrSide + textGap
	st := pdfdoc.Style{Size: fontSizePt, Align: pdfdoc.AlignCenter}
	for i, line := range lines {
		if line == "" {
			continue
		}
		d.TextAt(x+labelPadSide, textY+float64(i)*lineH, textW, d.Fit(line, textW, st), st)
	}
}
