package claims

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
)

func TestCleanText(t *testing.T) {
	in := "  Строка\r\nвторая\x00\x07 \u200bскрытое\u2028 <b>жирный</b>\t "
	want := "Строка\nвторая скрытое <b>жирный</b>"
	if got := CleanText(in); got != want {
		t.Errorf("CleanText = %q, want %q (markup kept as text, controls dropped)", got, want)
	}
}

// TestNormalizeDropsBidiControls: every text field of a draft loses its
// bidirectional controls.
func TestNormalizeDropsBidiControls(t *testing.T) {
	laced := func(s string) string { return "\u202E" + s + "\u2066\u2069\u200F\u061C" }
	d := Draft{
		Claimant: Claimant{Name: laced("Иван"), Company: laced("ООО Тепло"), TaxID: laced("7701234567"), Email: "ivan@example.com"},
		DealerID: laced("DLR-1"),
		Product: Product{Model: laced("TH-2000"), Name: laced("Обогреватель"), Category: laced("heaters"), Series: laced("S-1"),
			Serial: laced("SN-1"), PurchaseDate: laced("2026-01-10")},
		Order:   Order{Reference: laced("O-1"), Items: []OrderItem{{SKU: laced("A-1"), Name: laced("Лампа"), Unit: laced("шт"), Quantity: 1}}},
		Essence: laced("Гудит при включении."), DesiredFix: laced("Заменить"),
	}
	if f := d.Normalize(); len(f) != 0 {
		t.Fatalf("Normalize: %v", f)
	}
	want := Draft{
		Claimant: Claimant{Name: "Иван", Company: "ООО Тепло", TaxID: "7701234567", Email: "ivan@example.com"},
		DealerID: "DLR-1",
		Product:  Product{Model: "TH-2000", Name: "Обогреватель", Category: "heaters", Series: "S-1", Serial: "SN-1", PurchaseDate: "2026-01-10"},
		Order:    Order{Reference: "O-1", Items: []OrderItem{{SKU: "A-1", Name: "Лампа", Unit: "шт", Quantity: 1}}},
		Essence:  "Гудит при включении.", DesiredFix: "Заменить", Language: "ru",
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("normalised draft mismatch (-want +got):\n%s", diff)
	}
}

func testCatalog() *catalog.Catalog {
	return &catalog.Catalog{
		Categories: []catalog.Category{{ID: "defect", Name: catalog.Text{"ru": "Брак"}, Active: true}, {ID: "old", Name: catalog.Text{"ru": "Старое"}, Active: false}},
		Types: []catalog.Type{
			{ID: "noise", CategoryID: "defect", Name: catalog.Text{"ru": "Шум"}, RequiredFields: []string{"product.serial", "order.items"}, DefaultPriority: catalog.Normal, Active: true},
			{ID: "gone", CategoryID: "old", Name: catalog.Text{"ru": "Нет"}, DefaultPriority: catalog.Normal, Active: true},
		},
	}
}

func validDraft() Draft {
	return Draft{
		Channel:    ChannelAPI,
		Claimant:   Claimant{Name: "Иван Петров", Email: "ivan@example.com"},
		Product:    Product{Model: "TH-2000", Serial: "SN-1", PurchaseDate: "2026-01-10"},
		Order:      Order{Reference: "O-1", Items: []OrderItem{{SKU: "A-1", Quantity: 1}}},
		CategoryID: "defect", TypeID: "noise", Essence: "Гудит при включении.", DesiredResult: Repair,
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		mut  func(*Draft)
		want []string
	}{
		{"valid", func(*Draft) {}, nil},
		{"no contact", func(d *Draft) { d.Claimant.Email = "" }, []string{"claimant.email"}},
		{"short essence", func(d *Draft) { d.Essence = "коротко" }, []string{"essence"}},
		{"long name", func(d *Draft) { d.Claimant.Name = strings.Repeat("я", MaxName+1) }, []string{"claimant.name"}},
		{"required by type", func(d *Draft) { d.Product.Serial = ""; d.Order.Items = nil }, []string{"order.items", "product.serial"}},
		{"serial with spaces", func(d *Draft) { d.Product.Serial = "SN 1" }, []string{"product.serial"}},
		{"future date", func(d *Draft) { d.Product.PurchaseDate = "2027-01-01" }, []string{"product.purchaseDate"}},
		{"bad date", func(d *Draft) { d.Product.PurchaseDate = "10.01.2026" }, []string{"product.purchaseDate"}},
		{"bad item", func(d *Draft) { d.Order.Items = []OrderItem{{SKU: "", Quantity: -1}} }, []string{"order.items[0].quantity", "order.items[0].sku"}},
		{"inactive category", func(d *Draft) { d.CategoryID, d.TypeID = "old", "gone" }, []string{"categoryId"}},
		{"type of another category", func(d *Draft) { d.TypeID = "gone" }, []string{"typeId"}},
		{"bad enum", func(d *Draft) { d.DesiredResult = "money" }, []string{"desiredResult"}},
		{"bad channel", func(d *Draft) { d.Channel = "fax" }, []string{"channel"}},
		{"bad tax id", func(d *Draft) { d.Claimant.TaxID = "12345" }, []string{"claimant.taxId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDraft()
			tt.mut(&d)
			var got []string
			for _, f := range d.Validate(testCatalog(), now) {
				got = append(got, f.Field)
			}
			sortStrings(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestHistoryChain(t *testing.T) {
	c := &Claim{ID: "RC-2026-000001"}
	var h []Event
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, typ := range []string{EventCreated, "stage.changed", EventAttachmentAdded} {
		e, err := Next(c, typ, "manager:m1", at.Add(time.Duration(i)*time.Minute), nil, map[string]any{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, e)
	}
	if c.Version != 3 {
		t.Errorf("version = %d, want 3", c.Version)
	}
	if seq, ok := VerifyChain(h); !ok {
		t.Fatalf("a fresh chain fails at %d", seq)
	}
	tampered := append([]Event(nil), h...)
	tampered[1].Actor = "someone else"
	if seq, ok := VerifyChain(tampered); ok || seq != 2 {
		t.Errorf("editing entry 2: VerifyChain = %d, %v; want 2, false", seq, ok)
	}
	dropped := append([]Event{h[0]}, h[2])
	if seq, ok := VerifyChain(dropped); ok || seq != 3 {
		t.Errorf("removing entry 2: VerifyChain = %d, %v; want 3, false", seq, ok)
	}
}
