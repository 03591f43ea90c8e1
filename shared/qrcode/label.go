package qrcode

// PNG size limits of a code's image, in pixels: below MinPNGSize phone
// cameras struggle with a printed code; above MaxPNGSize the image only
// costs memory. Package qrimage draws within them; the HTTP edge checks a
// requested size against them.
const (
	MinPNGSize = 128
	MaxPNGSize = 2048
)

// Label is one label on a printed sheet: a QR code of URL with lines of
// text under it (e.g. the model, "Серия 2026-11", "S/N ABC123", the code
// itself). Package qrimage draws sheets of them.
type Label struct {
	URL   string
	Lines []string
}
