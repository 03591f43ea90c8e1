package claimdocs

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestThumbnail: a photo is scaled down to ThumbnailSide on its long side
// as a JPEG, keeping its proportions; a small one is not scaled up; what is
// no image is refused.
func TestThumbnail(t *testing.T) {
	for _, tt := range []struct{ w, h, wantW, wantH int }{{1000, 500, 320, 160}, {300, 900, 106, 320}, {200, 100, 200, 100}} {
		b, err := Thumbnail(pngOf(t, tt.w, tt.h))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%dx%d: not a JPEG: %v", tt.w, tt.h, err)
		}
		if got := img.Bounds().Size(); got.X != tt.wantW || got.Y != tt.wantH {
			t.Errorf("%dx%d -> %v, want %dx%d", tt.w, tt.h, got, tt.wantW, tt.wantH)
		}
	}
	if _, err := Thumbnail([]byte("%PDF-1.7 not a photo")); err == nil {
		t.Error("a PDF made a thumbnail")
	}
}

// TestClaimSheetShowsFilesByZone: the sheet names each file's photo zone in
// the claim's language, gives photos a thumbnail and other files none, and
// fills the order's lines with the source order's prices.
func TestClaimSheetShowsFilesByZone(t *testing.T) {
	e := newEnv(t)
	e.svc.cfg.Catalog = staticCatalog{&catalog.Catalog{
		Categories: []catalog.Category{{ID: "discrepancy", Name: catalog.Text{"ru": "Расхождение", "en": "Discrepancy"}, Active: true}},
		Types: []catalog.Type{{ID: "shortage", CategoryID: "discrepancy", Name: catalog.Text{"ru": "Недостача", "en": "Shortage"}, Active: true,
			PhotoZones: []catalog.PhotoZone{{ID: "package", Title: catalog.Text{"ru": "Упаковка", "en": "Package"}}, {ID: "documents", Title: catalog.Text{"ru": "Документы", "en": "Documents"}}}}},
	}}
	e.files.files["uploads/a/1"] = pngOf(t, 800, 600)
	e.files.files["uploads/a/2"] = []byte("%PDF-1.7 delivery note")
	e.store.files[claimID] = []claims.Attachment{
		{ID: "1", Zone: "package", Key: "uploads/a/1", FileName: "box.png", ContentType: "image/png", Size: 1000, UploadedAt: now},
		{ID: "2", Zone: "documents", Key: "uploads/a/2", FileName: "ttn.pdf", ContentType: "application/pdf", Size: 22, UploadedAt: now.Add(time.Minute)},
	}
	d, err := e.store.ClaimDetail(ctx, claimID)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := e.svc.claimSheet(ctx, d, false, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet.Files) != 2 || sheet.Files[0].Zone != "Упаковка" || len(sheet.Files[0].Thumbnail) == 0 || sheet.Files[1].Zone != "Документы" || sheet.Files[1].Thumbnail != nil {
		t.Errorf("files %+v", sheet.Files)
	}
	if sheet.Category != "Расхождение" || sheet.Type != "Недостача" || len(sheet.Lines) != 1 || sheet.Lines[0].Price != 12050 {
		t.Errorf("sheet %+v", sheet)
	}
	if sheet.TrackingURL == "" || sheet.Company.LegalName != "ООО «Фурнитура Демо»" {
		t.Errorf("claimant's copy: tracking %q, company %+v", sheet.TrackingURL, sheet.Company)
	}
	internal, err := e.svc.claimSheet(ctx, d, true, "", 1)
	if err != nil || internal.TrackingURL != "" || !internal.Internal {
		t.Errorf("internal copy: %+v, %v", internal, err)
	}
}
