package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/orders"
)

// erpOrder is source order SO-77 as the ERP sends it at version v.
func erpOrder(v int64, status string) orders.Order {
	at := base.Add(time.Duration(v) * time.Hour)
	return orders.Order{
		Number: "SO-77", Kind: orders.Source,
		Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan.petrov@example.com", Phone: "+79161234567"},
		DealerID: "D-100", Items: []orders.Item{{SKU: "KX-200-W", Name: "Kettle", Quantity: float64(v), Unit: "pcs", Price: 349900}},
		Currency: "RUB", Status: status, SalesManager: "sales-1", ERPVersion: v,
		CreatedBy: "integrations:erp", CreatedAt: at, UpdatedAt: at,
	}
}

func (db *testDB) mustOrder(t *testing.T, number string) orders.Order {
	t.Helper()
	o, err := db.store.Order(context.Background(), number)
	if err != nil {
		t.Fatalf("Order %s: %v", number, err)
	}
	return *o
}

func TestUpsertOrderIsReplaySafe(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	v2 := erpOrder(2, "confirmed")
	steps := []struct {
		name        string
		in          orders.Order
		wantChanged bool
		want        orders.Order
	}{
		{"new order", v2, true, v2},
		{"replay of the same version", erpOrder(2, "confirmed"), false, v2},
		{"older version", erpOrder(1, "draft"), false, v2},
		{"newer version keeps the creation", erpOrder(5, "shipped"), true, func() orders.Order {
			o := erpOrder(5, "shipped")
			o.CreatedAt = v2.CreatedAt
			return o
		}()},
		{"a kind or source claim sent along is ignored", func() orders.Order {
			o := erpOrder(6, "delivered")
			o.Kind, o.SourceClaim = orders.Rework, "RC-2026-000001"
			return o
		}(), true, func() orders.Order {
			o := erpOrder(6, "delivered")
			o.CreatedAt = v2.CreatedAt
			return o
		}()},
	}
	for _, s := range steps {
		changed, err := db.store.UpsertOrder(ctx, s.in)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if changed != s.wantChanged {
			t.Errorf("%s: changed = %v, want %v", s.name, changed, s.wantChanged)
		}
		if diff := cmp.Diff(s.want, db.mustOrder(t, "SO-77")); diff != "" {
			t.Errorf("%s: stored order mismatch (-want +got):\n%s", s.name, diff)
		}
	}
	if _, err := db.store.Order(ctx, "SO-78"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown order: %v, want not found", err)
	}
	if _, err := db.store.UpsertOrder(ctx, func() orders.Order { o := erpOrder(1, "x"); o.Number = "RW-RC-2026-000001-1"; return o }()); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("ERP upsert of an unknown rework number: %v, want not found", err)
	}
}

// createFromClaim stores a claim and a rework order created from it, as the
// change path does.
func (db *testDB) createFromClaim(t *testing.T) (*claims.Claim, orders.Order) {
	t.Helper()
	ctx := context.Background()
	nc := newClaim(t, 1, claimOpts{stage: "decision", assignee: "mgr-1"})
	db.create(t, nc)
	next := *nc.Claim
	o := orders.Order{
		Number: orders.NumberFor(orders.Rework, next.ID, 1), Kind: orders.Rework,
		Customer: orders.Customer{Name: "Ivan Petrov", Email: "ivan.petrov@example.com"}, DealerID: "D-100",
		Items: []orders.Item{{SKU: "LID-1", Quantity: 1}}, Status: orders.StatusCreated, SourceClaim: next.ID,
		Note: "new lid", CreatedBy: "managers:mgr-1", CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour),
	}
	next.Orders = []string{o.Number}
	ev, err := claims.Next(&next, "order.created", "managers:mgr-1", base.Add(time.Hour), nil, map[string]any{"order": o.Number})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.store.ApplyChange(ctx, &claims.Change{Claim: &next, PrevVersion: 1, Event: ev, Orders: []orders.Order{o}}); err != nil {
		t.Fatalf("ApplyChange with an order: %v", err)
	}
	return &next, o
}

func TestUpsertOrderCreatedFromClaimTakesOnlyStatusAndItems(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	_, created := db.createFromClaim(t)

	in := erpOrder(1, "in production")
	in.Number = created.Number
	in.Customer = orders.Customer{Name: "Somebody Else", Email: "else@example.com"}
	changed, err := db.store.UpsertOrder(ctx, in)
	if err != nil || !changed {
		t.Fatalf("first ERP upsert of the rework order: %v, %v", changed, err)
	}
	want := created
	want.Status, want.Items, want.ERPVersion, want.UpdatedAt = in.Status, in.Items, 1, in.UpdatedAt
	if diff := cmp.Diff(want, db.mustOrder(t, created.Number)); diff != "" {
		t.Errorf("rework order after the upsert mismatch (-want +got):\n%s", diff)
	}
	if p := db.item(t, "CUSTOMER#"+intake.CustomerID("email:else@example.com"), "#PROFILE"); p != nil {
		t.Errorf("an upsert of a rework order recorded a personal manager: %v", p)
	}
	if changed, err := db.store.UpsertOrder(ctx, in); err != nil || changed {
		t.Errorf("replay: %v, %v; want unchanged", changed, err)
	}
}

func TestSetOrderStatus(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	_, created := db.createFromClaim(t)
	if _, err := db.store.UpsertOrder(ctx, erpOrder(3, "confirmed")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		number, status string
		version        int64
		wantChanged    bool
		wantStatus     string
		wantVersion    int64
	}{
		{created.Number, "accepted", 1, true, "accepted", 1},
		{created.Number, "accepted again", 1, false, "accepted", 1},
		{created.Number, "in production", 4, true, "in production", 4},
		{created.Number, "late report", 2, false, "in production", 4},
		{"SO-77", "shipped", 4, true, "shipped", 4},
		{"SO-77", "stale", 3, false, "shipped", 4},
	}
	for _, tt := range tests {
		changed, err := db.store.SetOrderStatus(ctx, tt.number, tt.status, tt.version)
		if err != nil {
			t.Fatalf("SetOrderStatus(%s, %s, %d): %v", tt.number, tt.status, tt.version, err)
		}
		got := db.mustOrder(t, tt.number)
		if changed != tt.wantChanged || got.Status != tt.wantStatus || got.ERPVersion != tt.wantVersion {
			t.Errorf("SetOrderStatus(%s, %s, %d) = %v, stored %q v%d; want %v, %q v%d",
				tt.number, tt.status, tt.version, changed, got.Status, got.ERPVersion, tt.wantChanged, tt.wantStatus, tt.wantVersion)
		}
	}
	if got := db.mustOrder(t, created.Number); got.Kind != orders.Rework || got.SourceClaim != created.SourceClaim || got.UpdatedAt.Before(created.UpdatedAt) {
		t.Errorf("status report changed more than the status: %+v", got)
	}
	if _, err := db.store.SetOrderStatus(ctx, "SO-404", "shipped", 1); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown order: %v, want not found", err)
	}
	if db.item(t, "ORDER#SO-404", "#ORDER") != nil {
		t.Errorf("a status report created an unknown order")
	}
}

func TestUpsertOrderRecordsThePersonalManager(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	// A customer known by email and phone (intake wrote the phone alias).
	nc := newClaim(t, 1, claimOpts{phone: "+79161234567"})
	db.create(t, nc)
	profilePK := "CUSTOMER#" + nc.Claim.CustomerID

	personal := func() (manager, order string, claimsCount int) {
		var p struct {
			PersonalManager      string `json:"personalManager"`
			PersonalManagerOrder string `json:"personalManagerOrder"`
			Claims               int    `json:"claims"`
		}
		if err := unmarshalItem(db.item(t, profilePK, "#PROFILE"), &p); err != nil {
			t.Fatal(err)
		}
		return p.PersonalManager, p.PersonalManagerOrder, p.Claims
	}

	// Known by phone only in the ERP: the alias leads to the email's profile.
	o := erpOrder(1, "confirmed")
	o.Customer.Email = ""
	if _, err := db.store.UpsertOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	if m, n, c := personal(); m != "sales-1" || n != "SO-77" || c != 1 {
		t.Errorf("profile after the upsert: manager %q, order %q, claims %d; want sales-1, SO-77 and the claim count kept", m, n, c)
	}

	o = erpOrder(2, "confirmed")
	o.SalesManager = "sales-2"
	if _, err := db.store.UpsertOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	old := erpOrder(1, "draft")
	old.SalesManager = "sales-old"
	if changed, err := db.store.UpsertOrder(ctx, old); err != nil || changed {
		t.Fatalf("older version: %v, %v", changed, err)
	}
	if m, _, _ := personal(); m != "sales-2" {
		t.Errorf("personal manager = %q, want sales-2 (an older version must not change it)", m)
	}

	// A customer with no claims yet gets a bare profile.
	fresh := erpOrder(1, "confirmed")
	fresh.Number, fresh.Customer = "SO-90", orders.Customer{Name: "New Customer", Email: "new@example.com"}
	if _, err := db.store.UpsertOrder(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	var p struct {
		Entity          string `json:"entity"`
		PersonalManager string `json:"personalManager"`
	}
	if err := unmarshalItem(db.item(t, "CUSTOMER#"+intake.CustomerID("email:new@example.com"), "#PROFILE"), &p); err != nil {
		t.Fatal(err)
	}
	if p.Entity != "customer" || p.PersonalManager != "sales-1" {
		t.Errorf("new customer's profile = %+v", p)
	}
}

func TestConcurrentUpserts(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const n = 12
	var wg sync.WaitGroup
	changed := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { changed[i], errs[i] = db.store.UpsertOrder(ctx, erpOrder(4, "confirmed")) })
	}
	wg.Wait()
	wins := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent replay %d: %v", i, errs[i])
		}
		if changed[i] {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d identical concurrent upserts changed the order, want exactly 1", wins, n)
	}

	// Concurrent versions 5..16 and status reports: the newest wins.
	for i := range n {
		v := int64(5 + i)
		wg.Go(func() {
			if i%2 == 0 {
				_, errs[i] = db.store.UpsertOrder(ctx, erpOrder(v, fmt.Sprintf("v%d", v)))
			} else {
				_, errs[i] = db.store.SetOrderStatus(ctx, "SO-77", fmt.Sprintf("v%d", v), v)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent version %d: %v", 5+i, errs[i])
		}
	}
	if got := db.mustOrder(t, "SO-77"); got.ERPVersion != 16 || got.Status != "v16" {
		t.Errorf("after concurrent versions: v%d %q, want v16 \"v16\"", got.ERPVersion, got.Status)
	}
}

func TestOrdersByNumber(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	var numbers []string
	for i := range 105 {
		o := erpOrder(1, "confirmed")
		o.Number, o.SalesManager = fmt.Sprintf("SO-%03d", i), ""
		if _, err := db.store.UpsertOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, o.Number)
	}
	ask := append([]string{"SO-104", "SO-MISSING", "SO-104", ""}, numbers...)
	got, err := db.store.OrdersByNumber(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	var gotNumbers []string
	for _, o := range got {
		gotNumbers = append(gotNumbers, o.Number)
	}
	want := append([]string{"SO-104"}, numbers[:104]...)
	if diff := cmp.Diff(want, gotNumbers); diff != "" {
		t.Errorf("numbers mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.store.OrdersByNumber(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no numbers: %v, %v", got, err)
	}
}

// TestDealerOrders: a dealer's source orders, newest first, page by page;
// another dealer's stay out, also after the ERP moved one of them; a cursor
// not of this list is refused naming cursor.
func TestDealerOrders(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	put := func(number, dealer string, v int64, hours int) {
		t.Helper()
		o := erpOrder(v, "delivered")
		o.Number, o.DealerID, o.SalesManager = number, dealer, ""
		o.CreatedAt, o.UpdatedAt = base.Add(time.Duration(hours)*time.Hour), base.Add(time.Duration(hours)*time.Hour)
		if _, err := db.store.UpsertOrder(ctx, o); err != nil {
			t.Fatalf("upsert %s: %v", number, err)
		}
	}
	put("SO-1", "D-1", 1, 1)
	put("SO-2", "D-1", 1, 2)
	put("SO-3", "D-1", 1, 3)
	put("SO-9", "D-2", 1, 4)
	numbers := func(os []orders.Order) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.Number)
		}
		return out
	}
	first, next, err := db.store.DealerOrders(ctx, "D-1", 2, "")
	if err != nil || next == "" {
		t.Fatalf("first page: %v, next %q", err, next)
	}
	if diff := cmp.Diff([]string{"SO-3", "SO-2"}, numbers(first)); diff != "" {
		t.Errorf("first page mismatch (-want +got):\n%s", diff)
	}
	second, _, err := db.store.DealerOrders(ctx, "d-1", 2, next)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SO-1"}, numbers(second)); diff != "" {
		t.Errorf("second page mismatch (-want +got):\n%s", diff)
	}
	// The ERP gives SO-2 to D-2: D-1 no longer lists it, D-2 does.
	put("SO-2", "D-2", 2, 2)
	all, _, err := db.store.DealerOrders(ctx, "D-1", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SO-3", "SO-1"}, numbers(all)); diff != "" {
		t.Errorf("D-1 after the move mismatch (-want +got):\n%s", diff)
	}
	other, _, err := db.store.DealerOrders(ctx, "D-2", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SO-9", "SO-2"}, numbers(other)); diff != "" {
		t.Errorf("D-2 mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"SO-1", "x#y", "2026-01-01T00:00:00Z"} {
		if _, _, err := db.store.DealerOrders(ctx, "D-1", 10, bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("cursor %q: %v, want invalid", bad, err)
		}
	}
}
