package intake

import (
	"bytes"
	"net/http"
	"strings"
)

// SniffLen is how many leading bytes Sniff needs.
const SniffLen = 512

// Sniff names the media type of a file from its first bytes: the image,
// video and document formats claims accept, and whatever the standard
// library recognises otherwise ("application/octet-stream" when unknown).
func Sniff(head []byte) string {
	// ISO base media files (MP4, QuickTime, HEIC) carry their brand in an
	// "ftyp" box at offset 4.
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch brand := string(head[8:12]); {
		case brand == "qt  ":
			return "video/quicktime"
		case brand == "heic" || brand == "heix" || brand == "hevc" || brand == "heim" || brand == "heis":
			return "image/heic"
		case brand == "mif1" || brand == "msf1":
			return "image/heif"
		case brand == "avif" || brand == "avis":
			// AVIF is an ISO media file too, but an image, not a video.
			return "image/avif"
		case brand == "M4A " || brand == "M4B " || brand == "M4P ":
			return "audio/mp4"
		default:
			return "video/mp4"
		}
	}
	if bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}) {
		return "video/webm"
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

// SameMedia reports whether a declared type and a sniffed one are the same
// format, allowing the aliases browsers and phones use.
func SameMedia(declared, sniffed string) bool {
	alias := map[string]string{"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/heif": "image/heic", "video/x-m4v": "video/mp4"}
	norm := func(s string) string {
		if a, ok := alias[s]; ok {
			return a
		}
		return s
	}
	return norm(declared) == norm(sniffed)
}
