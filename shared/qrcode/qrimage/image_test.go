package qrimage

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	zxqrcode "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/claimsdesk/backend/shared/apperr"
)

const testURL = "https://claims.example.com/q/10ABCD01EFGHXR4T7M2K"

// decodeQR reads the one QR code in img with gozxing.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binary bitmap: %v", err)
	}
	res, err := zxqrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	return res.GetText()
}

// fieldsOf returns the apperr code and field errors of err.
func fieldsOf(err error) (apperr.Code, []apperr.FieldError) {
	e, ok := apperr.As(err)
	if !ok {
		return apperr.CodeOf(err), nil
	}
	return e.Code, e.Fields
}

func TestModulesQuietZone(t *testing.T) {
	m, err := modules(testURL)
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	n := len(m)
	// A 50-byte URL at level Medium needs version 4: 33 modules plus the
	// quiet zone on both sides.
	if diff := cmp.Diff(33+2*quietZone, n); diff != "" {
		t.Fatalf("symbol width mismatch (-want +got):\n%s", diff)
	}
	for y, row := range m {
		if len(row) != n {
			t.Fatalf("row %d has %d modules, want %d", y, len(row), n)
		}
		for x, dark := range row {
			inQuietZone := x < quietZone || y < quietZone || x >= n-quietZone || y >= n-quietZone
			if inQuietZone && dark {
				t.Fatalf("module (%d, %d) in the quiet zone is dark", x, y)
			}
		}
	}
	// The finder patterns' outer corners sit right inside the quiet zone.
	for _, p := range [][2]int{{quietZone, quietZone}, {n - quietZone - 1, quietZone}, {quietZone, n - quietZone - 1}} {
		if !m[p[1]][p[0]] {
			t.Errorf("finder pattern corner (%d, %d) is light", p[0], p[1])
		}
	}
}

func TestPNGDecodes(t *testing.T) {
	tests := []struct {
		name string
		url  string
		size int
	}{
		{"typical code URL at 256 px", testURL, 256},
		{"lower-case code at 256 px", strings.ToLower(testURL), 256},
		{"URL with query at 256 px", "https://claims.example.com/q/10ABCD01EFGHXR4T7M2K?lang=ru&src=label", 256},
		{"smallest size", testURL, MinPNGSize},
		{"size not a multiple of the symbol", testURL, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := PNG(tt.url, tt.size)
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("png.Decode: %v", err)
			}
			if diff := cmp.Diff(image.Rect(0, 0, tt.size, tt.size), img.Bounds()); diff != "" {
				t.Errorf("bounds mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.url, decodeQR(t, img)); diff != "" {
				t.Errorf("decoded URL mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPNGModulesAreWholePixels(t *testing.T) {
	m, err := modules(testURL)
	if err != nil {
		t.Fatal(err)
	}
	const size = 300
	b, err := PNG(testURL, size)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// Sample the centre of every module and compare with the matrix.
	scale := size / len(m)
	offset := (size - scale*len(m)) / 2
	got := make([][]bool, len(m))
	for y := range m {
		got[y] = make([]bool, len(m))
		for x := range m {
			c := color.GrayModel.Convert(img.At(offset+x*scale+scale/2, offset+y*scale+scale/2)).(color.Gray)
			got[y][x] = c.Y < 128
		}
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("module matrix mismatch (-want +got):\n%s", diff)
	}
}

func TestPNGErrors(t *testing.T) {
	long := "https://claims.example.com/q/" + strings.Repeat("a", 3000)
	medium := "https://claims.example.com/q/" + strings.Repeat("x", 1200) // version 29: 133 modules + quiet zone
	tests := []struct {
		name   string
		url    string
		size   int
		wantFd []apperr.FieldError
	}{
		{"size too small", testURL, MinPNGSize - 1, []apperr.FieldError{{Field: "size", Message: "must be 128 to 2048 pixels, got 127"}}},
		{"size too large", testURL, MaxPNGSize + 1, []apperr.FieldError{{Field: "size", Message: "must be 128 to 2048 pixels, got 2049"}}},
		{"negative size", testURL, -4, []apperr.FieldError{{Field: "size", Message: "must be 128 to 2048 pixels, got -4"}}},
		{"empty URL", "", 256, []apperr.FieldError{{Field: "url", Message: "must not be empty"}}},
		{"URL too long for any QR code", long, 256, []apperr.FieldError{{Field: "url", Message: "too long for a QR code"}}},
		{"size too small for the symbol", medium, 128, []apperr.FieldError{{Field: "size", Message: "128 pixels is too small for a 141-module symbol"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := PNG(tt.url, tt.size)
			if b != nil {
				t.Errorf("PNG returned %d bytes with error %v", len(b), err)
			}
			code, fields := fieldsOf(err)
			if diff := cmp.Diff(apperr.Invalid, code); diff != "" {
				t.Errorf("error code mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFd, fields); diff != "" {
				t.Errorf("field errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// svgDoc is the part of an SVG document the tests look at.
type svgDoc struct {
	XMLName        xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	ViewBox        string   `xml:"viewBox,attr"`
	Width          string   `xml:"width,attr"`
	Height         string   `xml:"height,attr"`
	ShapeRendering string   `xml:"shape-rendering,attr"`
	Rects          []struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Paths []struct {
		Fill string `xml:"fill,attr"`
		D    string `xml:"d,attr"`
	} `xml:"path"`
}

var (
	svgRunRE  = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	svgPathRE = regexp.MustCompile(`^(M\d+ \d+h\d+v1h-\d+z)+$`)
)

func TestSVG(t *testing.T) {
	for _, url := range []string{testURL, "https://claims.example.com/q/" + strings.Repeat("7", 200)} {
		t.Run(strconv.Itoa(len(url))+" bytes", func(t *testing.T) {
			b, err := SVG(url)
			if err != nil {
				t.Fatalf("SVG: %v", err)
			}
			// Well-formed XML from start to end, not only the root element.
			dec := xml.NewDecoder(bytes.NewReader(b))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("SVG is not well-formed XML: %v\n%s", err, b)
				}
			}
			var doc svgDoc
			if err := xml.Unmarshal(b, &doc); err != nil {
				t.Fatalf("xml.Unmarshal: %v", err)
			}
			want, err := modules(url)
			if err != nil {
				t.Fatal(err)
			}
			n := strconv.Itoa(len(want))
			gotAttrs := []string{doc.ViewBox, doc.Width, doc.Height, doc.ShapeRendering}
			if diff := cmp.Diff([]string{"0 0 " + n + " " + n, "100%", "", "crispEdges"}, gotAttrs); diff != "" {
				t.Errorf("svg attributes (viewBox, width, height, shape-rendering) mismatch (-want +got):\n%s", diff)
			}
			if len(doc.Rects) != 1 || doc.Rects[0].Width != n || doc.Rects[0].Height != n || doc.Rects[0].Fill != "#fff" {
				t.Errorf("background rects = %+v, want one white %sx%s rect", doc.Rects, n, n)
			}
			if len(doc.Paths) != 1 {
				t.Fatalf("got %d paths, want 1", len(doc.Paths))
			}
			for _, ref := range []string{"href", "url(", "<image", "<use", "<script"} {
				if bytes.Contains(b, []byte(ref)) {
					t.Errorf("SVG contains %q, want no external references", ref)
				}
			}
			d := doc.Paths[0].D
			if !svgPathRE.MatchString(d) {
				t.Fatalf("path d is not a list of unit-high runs: %.200s", d)
			}

			// Redraw the path: it must give back the module matrix, with
			// every horizontal run merged into one subpath.
			got := make([][]bool, len(want))
			for i := range got {
				got[i] = make([]bool, len(want))
			}
			for _, r := range svgRunRE.FindAllStringSubmatch(d, -1) {
				x, _ := strconv.Atoi(r[1])
				y, _ := strconv.Atoi(r[2])
				w, _ := strconv.Atoi(r[3])
				if back, _ := strconv.Atoi(r[4]); back != w {
					t.Fatalf("run %q does not close", r[0])
				}
				if x > 0 && got[y][x-1] {
					t.Fatalf("run %q touches the previous run: not merged", r[0])
				}
				for i := x; i < x+w; i++ {
					if got[y][i] {
						t.Fatalf("run %q overlaps another", r[0])
					}
					got[y][i] = true
				}
				if x+w < len(want) && want[y][x+w] {
					t.Fatalf("run %q stops before the end of a dark run", r[0])
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("module matrix mismatch (-want +got):\n%s", diff)
			}

			// And the redrawn matrix scans back to the URL.
			const scale = 6
			img := image.NewGray(image.Rect(0, 0, len(got)*scale, len(got)*scale))
			for y, row := range got {
				for x, dark := range row {
					c := color.Gray{Y: 255}
					if dark {
						c = color.Gray{}
					}
					for py := y * scale; py < (y+1)*scale; py++ {
						for px := x * scale; px < (x+1)*scale; px++ {
							img.SetGray(px, py, c)
						}
					}
				}
			}
			if diff := cmp.Diff(url, decodeQR(t, img)); diff != "" {
				t.Errorf("decoded URL mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSVGErrors(t *testing.T) {
	_, err := SVG("")
	code, fields := fieldsOf(err)
	if diff := cmp.Diff(apperr.Invalid, code); diff != "" {
		t.Errorf("error code mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]apperr.FieldError{{Field: "url", Message: "must not be empty"}}, fields); diff != "" {
		t.Errorf("field errors mismatch (-want +got):\n%s", diff)
	}
}

func BenchmarkPNG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PNG(testURL, 256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSVG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SVG(testURL); err != nil {
			b.Fatal(err)
		}
	}
}
