// Package qrimage renders QR codes: PNG and SVG images of a code's
// claim-form URL and printable A4 label sheets (PDF) for a production batch.
//
// It is apart from package qrcode (signed codes and their records) so that
// only the functions that draw codes link the rendering libraries
// (go-qrcode, and gopdf with the Go fonts through package pdfdoc, which
// lays out the label sheets): the storage adapter, and with it every
// function, needs the records, not the pictures.
//
// It imports only the standard library and packages apperr, qrcode and
// pdfdoc (which encodes the codes with go-qrcode); it must not import any
// AWS package.
//
// Layer: domain.
package qrimage

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/pdfdoc"
	"github.com/claimsdesk/backend/shared/qrcode"
)

// PNG size limits, in pixels (qrcode's): below MinPNGSize phone cameras
// struggle with a printed code; above MaxPNGSize the image only costs
// memory.
const (
	MinPNGSize = qrcode.MinPNGSize
	MaxPNGSize = qrcode.MaxPNGSize
)

// Images draws codes and label sheets with this package's functions: what
// the HTTP edge is given by the one function that draws them, so that the
// others do not link the rendering libraries.
type Images struct{}

// PNG is the package's PNG.
func (Images) PNG(url string, sizePx int) ([]byte, error) { return PNG(url, sizePx) }

// SVG is the package's SVG.
func (Images) SVG(url string) ([]byte, error) { return SVG(url) }

// LabelSheet is the package's LabelSheet.
func (Images) LabelSheet(labels []Label) ([]byte, error) { return LabelSheet(labels) }

// quietZone is the light border, in modules, that scanners need around a
// symbol. go-qrcode's bitmap already includes it (the tests check).
const quietZone = 4

// modules returns the module matrix of url at error-correction level Medium
// (about 15% of the symbol may be damaged, enough for some dirt on a label),
// including the quiet zone: m[y][x] is true for a dark module. A URL empty or
// too long for a QR code yields an apperr.Invalid error for field "url".
func modules(url string) ([][]bool, error) {
	if url == "" {
		return nil, apperr.InvalidField("url", "must not be empty")
	}
	m, err := pdfdoc.QRModules(url)
	if err != nil {
		// go-qrcode fails only when the content does not fit in version 40.
		return nil, fmt.Errorf("encode %d-byte URL as QR code: %w", len(url),
			apperr.InvalidField("url", "too long for a QR code"))
	}
	return m, nil
}

// PNG returns a sizePx x sizePx black-on-white PNG image of url as a QR code
// (error correction Medium, quiet zone of 4 modules). Every module is drawn as
// the same whole number of pixels, so a size that is not a multiple of the
// symbol's width gets a slightly wider white margin.
//
// It returns an apperr.Invalid error for field "size" when sizePx is outside
// MinPNGSize..MaxPNGSize or too small for the URL's symbol, and for field
// "url" when url is empty or too long to encode.
func PNG(url string, sizePx int) ([]byte, error) {
	if sizePx < MinPNGSize || sizePx > MaxPNGSize {
		return nil, apperr.InvalidField("size", fmt.Sprintf("must be %d to %d pixels, got %d", MinPNGSize, MaxPNGSize, sizePx))
	}
	m, err := modules(url)
	if err != nil {
		return nil, fmt.Errorf("qr code png: %w", err)
	}
	scale := sizePx / len(m)
	if scale < 1 {
		return nil, apperr.InvalidField("size", fmt.Sprintf("%d pixels is too small for a %d-module symbol", sizePx, len(m)))
	}
	b, err := encodePNG(m, scale, sizePx)
	if err != nil {
		return nil, fmt.Errorf("qr code png of %d px: %w", sizePx, err)
	}
	return b, nil
}

// encodePNG draws m with each module scale x scale pixels, centred in a
// sizePx square, and encodes it as a two-colour (1 bit a pixel) PNG.
func encodePNG(m [][]bool, scale, sizePx int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, sizePx, sizePx), color.Palette{color.White, color.Black})
	offset := (sizePx - scale*len(m)) / 2
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := offset + y*scale; py < offset+(y+1)*scale; py++ {
				line := img.Pix[py*img.Stride:]
				for px := offset + x*scale; px < offset+(x+1)*scale; px++ {
					line[px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// SVG returns url as a QR code (error correction Medium, quiet zone of 4
// modules) in a self-contained SVG document: a white background and one path
// of the dark modules, with horizontal runs merged. The viewBox is in modules
// ("0 0 N N"); the width is 100% of the container, so the page that embeds the
// image decides its printed size. It references nothing external.
//
// It returns an apperr.Invalid error for field "url" when url is empty or too
// long to encode.
func SVG(url string) ([]byte, error) {
	m, err := modules(url)
	if err != nil {
		return nil, fmt.Errorf("qr code svg: %w", err)
	}
	n := strconv.Itoa(len(m))
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 ` + n + ` ` + n +
		`" width="100%" shape-rendering="crispEdges">` + "\n")
	b.WriteString(`<rect width="` + n + `" height="` + n + `" fill="#fff"/>` + "\n")
	b.WriteString(`<path fill="#000" d="`)
	for y, row := range m {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			// A run of dark modules: move to its top left, right by its
			// length, down one, back left, close.
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes(), nil
}
