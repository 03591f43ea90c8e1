package claimdocs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // photos are JPEG or PNG (and WebP below)

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/claimsdesk/backend/shared/claims"
)

// Thumbnails on the claim's PDF: at most MaxThumbnails photos, each read
// only when at most MaxPhotoBytes and MaxPhotoPixels (a decoded photo
// takes about 4 bytes a pixel), scaled to ThumbnailSide on its long side.
const (
	MaxThumbnails  = 24
	MaxPhotoBytes  = 15 << 20
	MaxPhotoPixels = 40_000_000
	ThumbnailSide  = 320
)

// thumbnailable reports whether a file is a photo the PDF shows small.
func thumbnailable(a claims.Attachment) bool {
	switch a.ContentType {
	case "image/jpeg", "image/png", "image/webp":
		return a.Size > 0 && a.Size <= MaxPhotoBytes
	}
	return false
}

// thumbnail reads a photo and returns it as a small JPEG.
func (s *Service) thumbnail(ctx context.Context, a claims.Attachment) ([]byte, error) {
	b, err := s.cfg.Files.ReadFile(ctx, a.Key, MaxPhotoBytes)
	if err != nil {
		return nil, err
	}
	return Thumbnail(b)
}

// Thumbnail scales a JPEG, PNG or WebP image down to ThumbnailSide on its
// long side (never up) and encodes it as JPEG. It refuses an image larger
// than MaxPhotoPixels before decoding it.
func Thumbnail(photo []byte) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(photo))
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPhotoPixels {
		return nil, fmt.Errorf("thumbnail: a %dx%d image is too large to decode", cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	w, h := cfg.Width, cfg.Height
	if w > ThumbnailSide || h > ThumbnailSide {
		if w >= h {
			w, h = ThumbnailSide, max(1, h*ThumbnailSide/w)
		} else {
			w, h = max(1, w*ThumbnailSide/h), ThumbnailSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	return out.Bytes(), nil
}
