package orders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/orders"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func validERP() orders.ERPOrder {
	return orders.ERPOrder{
		Customer:     orders.Customer{Name: "  Ivan   Petrov ", Email: "Ivan.Petrov@Example.com", Phone: "8 (916) 123-45-67", TaxID: "7701234567"},
		DealerID:     "D-100",
		Items:        []orders.Item{{SKU: "KX-200-W", Name: "Kettle", Quantity: 2, Unit: "pcs", Price: 349900}},
		Currency:     "rub",
		Status:       " shipped ",
		SalesManager: "mgr-sales-1",
		ERPVersion:   3,
	}
}

func TestFromERP(t *testing.T) {
	got, err := orders.FromERP("SO-77", validERP(), "integrations:erp", now)
	if err != nil {
		t.Fatalf("valid upsert: %v", err)
	}
	want := orders.Order{
		Number: "SO-77", Kind: orders.Source,
		Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan.petrov@example.com", Phone: "+79161234567", TaxID: "7701234567"},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Name: "Kettle", Quantity: 2, Unit: "pcs", Price: 349900}},
		Currency: "RUB", Status: "shipped", SalesManager: "mgr-sales-1", ERPVersion: 3,
		CreatedBy: "integrations:erp", CreatedAt: now, UpdatedAt: now,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
	if _, err := orders.FromERP("ЗК-000123", validERP(), "erp", now); err != nil {
		t.Errorf("a Cyrillic 1C number is refused: %v", err)
	}

	tests := []struct {
		name   string
		number string
		edit   func(o *orders.ERPOrder)
		want   []string
	}{
		{"number with a slash", "SO/77", nil, []string{"number"}},
		{"number too long", strings.Repeat("9", 65), nil, []string{"number"}},
		{"body number differs", "SO-77", func(o *orders.ERPOrder) { o.Number = "SO-78" }, []string{"number"}},
		{"no items", "SO-77", func(o *orders.ERPOrder) { o.Items = nil }, []string{"items"}},
		{"too many items", "SO-77", func(o *orders.ERPOrder) {
			o.Items = make([]orders.Item, orders.MaxItems+1)
		}, []string{"items"}},
		{"bad item", "SO-77", func(o *orders.ERPOrder) {
			o.Items = append(o.Items, orders.Item{SKU: " ", Quantity: 0, Price: -1})
		}, []string{"items[1].sku", "items[1].quantity", "items[1].price"}},
		{"bad contacts", "SO-77", func(o *orders.ERPOrder) {
			o.Customer.Email, o.Customer.Phone, o.Customer.TaxID = "not-an-email", "12", "123"
		}, []string{"customer.taxId", "customer.email", "customer.phone"}},
		{"bad currency", "SO-77", func(o *orders.ERPOrder) { o.Currency = "RUBL" }, []string{"currency"}},
		{"prices without currency", "SO-77", func(o *orders.ERPOrder) { o.Currency = "" }, []string{"currency"}},
		{"no status", "SO-77", func(o *orders.ERPOrder) { o.Status = "  " }, []string{"status"}},
		{"status too long", "SO-77", func(o *orders.ERPOrder) { o.Status = strings.Repeat("s", 65) }, []string{"status"}},
		{"sales manager without contacts", "SO-77", func(o *orders.ERPOrder) {
			o.Customer.Email, o.Customer.Phone = "", ""
		}, []string{"salesManager"}},
		{"no version", "SO-77", func(o *orders.ERPOrder) { o.ERPVersion = 0 }, []string{"erpVersion"}},
		{"negative version", "SO-77", func(o *orders.ERPOrder) { o.ERPVersion = -2 }, []string{"erpVersion"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validERP()
			if tt.edit != nil {
				tt.edit(&in)
			}
			_, err := orders.FromERP(tt.number, in, "erp", now)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error = %v, want invalid", err)
			}
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusReport(t *testing.T) {
	r := orders.StatusReport{Status: " in production\n", ERPVersion: 2}
	if err := r.Validate(); err != nil || r.Status != "in production" {
		t.Errorf("valid report: %q, %v", r.Status, err)
	}
	r = orders.StatusReport{}
	if diff := cmp.Diff([]string{"status", "erpVersion"}, fields(r.Validate())); diff != "" {
		t.Errorf("empty report fields mismatch (-want +got):\n%s", diff)
	}
}

func TestNumbers(t *testing.T) {
	claim := "RC-2026-000123"
	existing := []string{"RW-RC-2026-000123-1", "AD-RC-2026-000123-1", "RW-RC-2026-000123-2"}
	if got := orders.NextNumber(orders.Rework, claim, existing); got != "RW-RC-2026-000123-3" {
		t.Errorf("next rework = %s", got)
	}
	if got := orders.NextNumber(orders.Additional, claim, existing); got != "AD-RC-2026-000123-2" {
		t.Errorf("next additional = %s", got)
	}
	if got := orders.NextNumber(orders.Additional, claim, nil); got != "AD-RC-2026-000123-1" {
		t.Errorf("first additional = %s", got)
	}
	for _, n := range []string{"RW-RC-2026-000123-3", "AD-RC-2026-000123-12"} {
		if !orders.ValidNumber(n) {
			t.Errorf("%s is not a valid order number", n)
		}
	}
	tests := []struct {
		number string
		kind   orders.Kind
		claim  string
		ok     bool
	}{
		{"RW-RC-2026-000123-1", orders.Rework, claim, true},
		{"AD-RC-2026-000123-10", orders.Additional, claim, true},
		{"RW-RC-2026-000123-0", "", "", false},
		{"SO-77", "", "", false},
		{"XX-RC-2026-000123-1", "", "", false},
	}
	for _, tt := range tests {
		k, c, ok := orders.ParseCreated(tt.number)
		if k != tt.kind || c != tt.claim || ok != tt.ok {
			t.Errorf("ParseCreated(%s) = %s, %s, %v; want %s, %s, %v", tt.number, k, c, ok, tt.kind, tt.claim, tt.ok)
		}
	}
}

func TestCreateRequest(t *testing.T) {
	r := orders.CreateRequest{Kind: orders.Rework, Note: "  new lid \r\n"}
	if err := r.Validate(); err != nil || r.Note != "new lid" {
		t.Errorf("valid request without items: %q, %v", r.Note, err)
	}
	r = orders.CreateRequest{Kind: "refund", Items: []orders.Item{{SKU: "A", Quantity: -1}}, Note: strings.Repeat("n", 2001)}
	if diff := cmp.Diff([]string{"kind", "items[0].quantity", "note"}, fields(r.Validate())); diff != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", diff)
	}
}

func TestFromClaim(t *testing.T) {
	origin := orders.Origin{
		Claim: "RC-2026-000123", Orders: []string{"RW-RC-2026-000123-1"}, Decided: true, WarrantyCase: true,
		Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan@example.com"}, DealerID: "D-100",
		Items: []orders.Item{{SKU: "KX-200-W", Quantity: 2, Unit: "pcs"}},
	}
	got, err := orders.FromClaim(orders.CreateRequest{Kind: orders.Rework, Note: "new lid"}, origin, "supervisors:s1", now)
	if err != nil {
		t.Fatal(err)
	}
	want := orders.Order{
		Number: "RW-RC-2026-000123-2", Kind: orders.Rework, Customer: origin.Customer, DealerID: "D-100",
		Items: origin.Items, Status: orders.StatusCreated, SourceClaim: "RC-2026-000123", Note: "new lid",
		CreatedBy: "supervisors:s1", CreatedAt: now, UpdatedAt: now,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}

	items := []orders.Item{{SKU: "LID-1", Quantity: 1, Price: 1000}}
	got, err = orders.FromClaim(orders.CreateRequest{Kind: orders.Additional, Items: items}, origin, "managers:m1", now)
	if err != nil || got.Number != "AD-RC-2026-000123-1" || !cmp.Equal(got.Items, items) {
		t.Errorf("additional order with its own items: %+v, %v", got, err)
	}

	noWarranty := origin
	noWarranty.WarrantyCase = false
	if _, err := orders.FromClaim(orders.CreateRequest{Kind: orders.Rework}, noWarranty, "m", now); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("rework without a warranty case: %v, want conflict", err)
	}
	if _, err := orders.FromClaim(orders.CreateRequest{Kind: orders.Additional}, noWarranty, "m", now); err != nil {
		t.Errorf("additional order without a warranty case: %v", err)
	}
	undecided := origin
	undecided.Decided = false
	if _, err := orders.FromClaim(orders.CreateRequest{Kind: orders.Additional}, undecided, "m", now); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("no decision: %v, want conflict", err)
	}
	noItems := origin
	noItems.Items = nil
	if _, err := orders.FromClaim(orders.CreateRequest{Kind: orders.Additional}, noItems, "m", now); !cmp.Equal(fields(err), []string{"items"}) {
		t.Errorf("no items anywhere: %v, want invalid items", err)
	}
}
