package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/qrcode"
)

func TestCatalogPutRoundTrip(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	empty, err := db.store.Catalog(ctx)
	if err != nil {
		t.Fatalf("Catalog of an empty table: %v", err)
	}
	if len(empty.Categories)+len(empty.Types) != 0 {
		t.Errorf("empty table has catalog %+v", empty)
	}

	want := &catalog.Catalog{
		Categories: []catalog.Category{
			{ID: "defect", Name: catalog.Text{"ru": "Брак", "en": "Defect"}, Order: 1, Active: true},
			{ID: "archive", Name: catalog.Text{"ru": "Архив"}, Description: catalog.Text{"ru": "Старое"}, Order: 9},
		},
		Types: []catalog.Type{{
			ID: "noise", CategoryID: "defect", Name: catalog.Text{"ru": "Шум", "en": "Noise"},
			Instructions:    catalog.Text{"ru": "Снимите видео", "en": "Record a video"},
			SampleDocuments: []catalog.Document{{Title: catalog.Text{"ru": "Образец"}, URL: "/samples/act.pdf"}},
			PhotoZones: []catalog.PhotoZone{{ID: "video", Title: catalog.Text{"ru": "Видео"}, Min: 1, Max: 2,
				MediaTypes: []string{"video/mp4", "video/quicktime"}, MaxBytes: 200 << 20}},
			RequiredFields: []string{"product.serial"}, DefaultPriority: catalog.Normal, Order: 2, Active: true,
		}},
	}
	for _, c := range want.Categories {
		if err := db.store.PutCategory(ctx, c); err != nil {
			t.Fatalf("PutCategory %s: %v", c.ID, err)
		}
	}
	if err := db.store.PutType(ctx, want.Types[0]); err != nil {
		t.Fatalf("PutType: %v", err)
	}
	got, err := db.store.Catalog(ctx)
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catalog mismatch (-want +got):\n%s", diff)
	}

	// Put replaces.
	renamed := want.Types[0]
	renamed.Name = catalog.Text{"ru": "Посторонний шум"}
	renamed.PhotoZones = nil
	if err := db.store.PutType(ctx, renamed); err != nil {
		t.Fatalf("PutType again: %v", err)
	}
	got, err = db.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]catalog.Type{renamed}, got.Types); diff != "" {
		t.Errorf("types after a replacement mismatch (-want +got):\n%s", diff)
	}
}

func TestSeedCatalog(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	cat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	added, err := db.store.SeedCatalog(ctx, cat)
	if err != nil {
		t.Fatalf("SeedCatalog: %v", err)
	}
	if want := len(cat.Categories) + len(cat.Types) + len(cat.RootCauses) + len(cat.Models); added != want {
		t.Errorf("first seed added %d entries, want %d", added, want)
	}
	got, err := db.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cat, got); diff != "" {
		t.Errorf("seeded catalog mismatch (-want +got):\n%s", diff)
	}

	// An administrator raises a type's priority and deletes nothing; a later
	// deploy seeds again, with one entry the table lacks.
	edited := *mustType(t, got, "noise")
	edited.DefaultPriority = catalog.Critical
	if err := db.store.PutType(ctx, edited); err != nil {
		t.Fatal(err)
	}
	added, err = db.store.SeedCatalog(ctx, cat)
	if err != nil || added != 0 {
		t.Errorf("second seed added %d, %v; want 0", added, err)
	}
	next := *cat
	next.Types = append(append([]catalog.Type(nil), cat.Types...), catalog.Type{
		ID: "smell", CategoryID: "defect", Name: catalog.Text{"ru": "Запах"}, DefaultPriority: catalog.Normal, Active: true,
	})
	added, err = db.store.SeedCatalog(ctx, &next)
	if err != nil || added != 1 {
		t.Errorf("seed with one new type added %d, %v; want 1", added, err)
	}
	got, err = db.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := mustType(t, got, "noise").DefaultPriority; p != catalog.Critical {
		t.Errorf("the seed overwrote an administrator's edit: priority %q, want %q", p, catalog.Critical)
	}
	mustType(t, got, "smell")
}

func mustType(t *testing.T, c *catalog.Catalog, id string) *catalog.Type {
	t.Helper()
	tp, ok := c.Type(id)
	if !ok {
		t.Fatalf("catalog has no type %s", id)
	}
	return tp
}

func TestQRCodes(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	issued := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	var records []qrcode.Record
	for i := range 60 {
		// IDs in reverse alphabetical order: the batch order must be the issue order.
		records = append(records, qrcode.Record{
			ID: fmt.Sprintf("Z%03d", 99-i), Code: fmt.Sprintf("CODE-%03d", i), Kind: qrcode.KindSerial, Model: "KX-200",
			ProductName: "Kettle", Series: "KX-2025", Serial: fmt.Sprintf("SN-%05d", i), BatchID: "B-1",
			IssuedBy: "admins:a-1", IssuedAt: issued,
		})
	}
	other := qrcode.Record{ID: "M001", Code: "CODE-M", Kind: qrcode.KindModel, Model: "KX-300", BatchID: "B-2", IssuedBy: "admins:a-1", IssuedAt: issued, Note: "showroom"}
	if err := db.store.PutQRCodes(ctx, records); err != nil {
		t.Fatalf("PutQRCodes: %v", err)
	}
	if err := db.store.PutQRCodes(ctx, []qrcode.Record{other}); err != nil {
		t.Fatalf("PutQRCodes: %v", err)
	}

	got, err := db.store.QRBatch(ctx, "B-1")
	if err != nil {
		t.Fatalf("QRBatch: %v", err)
	}
	if diff := cmp.Diff(records, got); diff != "" {
		t.Errorf("batch mismatch (-want +got):\n%s", diff)
	}
	one, err := db.store.QRCode(ctx, records[42].ID)
	if err != nil {
		t.Fatalf("QRCode: %v", err)
	}
	if diff := cmp.Diff(&records[42], one); diff != "" {
		t.Errorf("QRCode mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.store.QRBatch(ctx, "B-2"); err != nil || !cmp.Equal([]qrcode.Record{other}, got) {
		t.Errorf("QRBatch(B-2) = %v, %v; want the one model code", got, err)
	}

	_, errCode := db.store.QRCode(ctx, "NOPE")
	_, errBatch := db.store.QRBatch(ctx, "B-404")
	codes := []apperr.Code{apperr.CodeOf(errCode), apperr.CodeOf(errBatch)}
	if diff := cmp.Diff([]apperr.Code{apperr.NotFound, apperr.NotFound}, codes); diff != "" {
		t.Errorf("unknown code and batch mismatch (-want +got):\n%s", diff)
	}
}

func mustSeed(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
