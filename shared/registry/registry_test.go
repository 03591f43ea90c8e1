package registry

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
)

// fakeStore serves pages from an in-memory list per dimension value and
// records the specs it was asked for.
type fakeStore struct {
	pages map[string][]ListPage // "dim/value" -> pages in order
	specs []ListSpec
	calls map[string]int
}

func (f *fakeStore) Worklist(context.Context, string, int, string) (*ListPage, error) {
	return &ListPage{}, nil
}

func (f *fakeStore) ListClaims(_ context.Context, spec ListSpec) (*ListPage, error) {
	f.specs = append(f.specs, spec)
	k := spec.Dim + "/" + spec.Value
	i := f.calls[k]
	f.calls[k]++
	pages := f.pages[k]
	if i >= len(pages) {
		return &ListPage{}, nil
	}
	p := pages[i]
	return &p, nil
}

func (f *fakeStore) ClaimDetail(_ context.Context, id string) (*Detail, error) {
	for _, ps := range f.pages {
		for _, p := range ps {
			for _, c := range p.Claims {
				if c.ID == id {
					return &Detail{Claim: c}, nil
				}
			}
		}
	}
	return nil, apperr.Errorf(apperr.NotFound, "claim not found")
}

type noLinks struct{}

func (noLinks) DownloadURL(context.Context, string, string, string, time.Duration) (string, error) {
	return "https://files/x", nil
}

var (
	dealerA    = &auth.Principal{UserID: "da", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-A"}
	manager1   = &auth.Principal{UserID: "m1", Roles: []auth.Role{auth.Manager}}
	supervisor = &auth.Principal{UserID: "s1", Roles: []auth.Role{auth.Supervisor}}
)

func claim(id, dealer, assignee, stage string) claims.Claim {
	return claims.Claim{ID: id, DealerID: dealer, Assignee: assignee, Stage: claims.Stage(stage), CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

func newService(f *fakeStore) *Service {
	s, err := New(Config{Store: f, Links: noLinks{}, CursorKey: []byte("cursor-key-for-tests-0123456789ab"),
		Now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		panic(err)
	}
	return s
}

// TestNewRefusesEachMissingDependency: no store, no file links (a typed nil
// included) or no cursor key, and New names what is missing instead of
// returning a registry that fails on the first claim with files.
func TestNewRefusesEachMissingDependency(t *testing.T) {
	var nilStore *fakeStore
	full := Config{Store: &fakeStore{}, Links: noLinks{}, CursorKey: []byte("k")}
	tests := []struct {
		missing string
		drop    func(*Config)
	}{
		{"Store", func(c *Config) { c.Store = nil }},
		{"Store", func(c *Config) { c.Store = nilStore }},
		{"CursorKey", func(c *Config) { c.CursorKey = nil }},
		{"CursorKey", func(c *Config) { c.CursorKey = []byte{} }},
	}
	for _, tt := range tests {
		cfg := full
		tt.drop(&cfg)
		s, err := New(cfg)
		if e, ok := apperr.As(err); s != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, s, err)
		}
	}
	if _, err := New(full); err != nil {
		t.Errorf("New with every dependency = %v", err)
	}
	// Without links (the exports): lists, and no view.
	cfg := full
	cfg.Links = nil
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New without links = %v", err)
	}
	if _, err := s.DocumentViews(context.Background(), "RC-2026-000001", []claims.Document{{ID: "d"}}); err == nil {
		t.Error("a registry without links made a document view")
	}
}

func TestListScopesByRole(t *testing.T) {
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"dealer/DLR-A": {{Claims: []claims.Claim{claim("RC-2026-000001", "DLR-A", "", "new")}}},
		"assignee/m1":  {{Claims: []claims.Claim{claim("RC-2026-000002", "DLR-B", "m1", "new")}}},
		"stage/new":    {{Claims: []claims.Claim{claim("RC-2026-000001", "DLR-A", "", "new"), claim("RC-2026-000002", "DLR-B", "m1", "new")}}},
		"order/ORD-7":  {{Claims: []claims.Claim{withOrder(claim("RC-2026-000003", "DLR-A", "", "new"), "ord-7"), withOrder(claim("RC-2026-000004", "DLR-B", "", "new"), "ORD-7")}}},
	}}
	s := newService(f)
	tests := []struct {
		name    string
		p       *auth.Principal
		q       Query
		wantDim string
		wantIDs []string
		wantErr apperr.Code
	}{
		{"dealer is scoped to its dealership", dealerA, Query{Stage: "new"}, DimDealer, []string{"RC-2026-000001"}, ""},
		{"dealer asking for another dealer", dealerA, Query{DealerID: "DLR-B"}, "", nil, apperr.Forbidden},
		{"manager sees assigned claims", manager1, Query{}, DimAssignee, []string{"RC-2026-000002"}, ""},
		{"manager asking for another's", manager1, Query{Assignee: "m2"}, "", nil, apperr.Forbidden},
		{"supervisor filters by stage", supervisor, Query{Stage: "new"}, DimStage, []string{"RC-2026-000001", "RC-2026-000002"}, ""},
		{"post-filter applies", supervisor, Query{Stage: "new", DealerID: "DLR-B"}, DimDealer, []string{}, ""},
		{"the order's index serves the order filter, a dealer's own only", dealerA, Query{Order: "ORD-7"}, DimOrder, []string{"RC-2026-000003"}, ""},
		{"a supervisor sees every claim on the order", supervisor, Query{Order: "ORD-7", Stage: "new"}, DimOrder, []string{"RC-2026-000003", "RC-2026-000004"}, ""},
		{"nobody", nil, Query{}, "", nil, apperr.Unauthorized},
		{"to before from", supervisor, Query{From: time.Now(), To: time.Now().Add(-time.Hour)}, "", nil, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.specs, f.calls = nil, map[string]int{}
			page, err := s.List(context.Background(), tt.p, tt.q)
			if tt.wantErr != "" {
				if !apperr.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.specs[0].Dim != tt.wantDim {
				t.Errorf("served by %s, want %s", f.specs[0].Dim, tt.wantDim)
			}
			ids := []string{}
			for _, c := range page.Claims {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func withSerial(c claims.Claim, serial string) claims.Claim {
	c.Product.Serial = serial
	return c
}

func withOrder(c claims.Claim, reference string) claims.Claim {
	c.Order.Reference = reference
	return c
}

func TestCursor(t *testing.T) {
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"serial/SN-1": {
			{Claims: []claims.Claim{withSerial(claim("RC-2026-000003", "D", "", "new"), "SN-1")}, Next: "2026-11-01T00:00:00.000000Z#RC-2026-000003"},
			{Claims: []claims.Claim{withSerial(claim("RC-2026-000002", "D", "", "new"), "SN-1")}},
		},
	}}
	s := newService(f)
	first, err := s.List(context.Background(), supervisor, Query{Serial: "SN-1", Limit: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v %+v", err, first)
	}
	second, err := s.List(context.Background(), supervisor, Query{Serial: "SN-1", Limit: 1, Cursor: first.Next})
	if err != nil || len(second.Claims) != 1 || second.Claims[0].ID != "RC-2026-000002" || second.Next != "" {
		t.Fatalf("second page: %v %+v", err, second)
	}
	if f.specs[1].Start != "2026-11-01T00:00:00.000000Z#RC-2026-000003" {
		t.Errorf("second page started at %q", f.specs[1].Start)
	}
	tampered := first.Next[:len(first.Next)-2] + "xx"
	if _, err := s.List(context.Background(), supervisor, Query{Serial: "SN-1", Cursor: tampered}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("tampered cursor: %v", err)
	}
	if _, err := s.List(context.Background(), supervisor, Query{Serial: "SN-2", Cursor: first.Next}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("cursor of another query: %v", err)
	}
}

func TestListWithoutFiltersWalksMonths(t *testing.T) {
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"month/2026-11": {{Claims: []claims.Claim{claim("RC-2026-000005", "D", "", "new")}}},
		"month/2026-09": {{Claims: []claims.Claim{claim("RC-2026-000001", "D", "", "new")}}},
	}}
	s := newService(f)
	page, err := s.List(context.Background(), supervisor, Query{From: time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var months []string
	for _, sp := range f.specs {
		months = append(months, sp.Value)
	}
	if diff := cmp.Diff([]string{"2026-11", "2026-10", "2026-09", "2026-08"}, months); diff != "" {
		t.Errorf("months walked mismatch (-want +got):\n%s", diff)
	}
	if len(page.Claims) != 2 || page.Next != "" {
		t.Errorf("page = %+v", page)
	}
}

func TestGetHidesOtherPeoplesClaims(t *testing.T) {
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{"x/y": {{Claims: []claims.Claim{claim("RC-2026-000009", "DLR-B", "m2", "new")}}}}}
	s := newService(f)
	for _, p := range []*auth.Principal{dealerA, manager1} {
		if _, err := s.Get(context.Background(), p, "RC-2026-000009"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s: %v, want NotFound", p.UserID, err)
		}
	}
	if v, err := s.Get(context.Background(), supervisor, "RC-2026-000009"); err != nil || v.Claim.ID != "RC-2026-000009" {
		t.Errorf("supervisor: %v", err)
	}
	if _, err := s.Get(context.Background(), supervisor, "../../etc/passwd"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("not a number: %v", err)
	}
}

func decidedClaim(id, dealer string, d *claims.Decision) claims.Claim {
	c := claim(id, dealer, "m1", "implementation")
	c.Decision = d
	return c
}

// TestListByDecision: the decision filters pick their index when they are
// the most selective filter, narrow other lists, leave undecided claims out,
// and internal ones (root cause, culprit department) are staff only.
func TestListByDecision(t *testing.T) {
	warranty := &claims.Decision{WarrantyCase: true, FaultParty: "company", RootCause: "weld", CulpritDepartment: "Цех 2", Resolution: claims.ResolutionRepair}
	refused := &claims.Decision{FaultParty: "customer", Resolution: claims.ResolutionReject}
	a := decidedClaim("RC-2026-000001", "DLR-A", warranty)
	b := decidedClaim("RC-2026-000002", "DLR-A", refused)
	c := claim("RC-2026-000003", "DLR-A", "m1", "new")
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"dealer/DLR-A":         {{Claims: []claims.Claim{a, b, c}}},
		"rootcause/weld":       {{Claims: []claims.Claim{a}}},
		"culprit/цех 2":        {{Claims: []claims.Claim{a}}},
		"resolution/reject":    {{Claims: []claims.Claim{b}}},
		"warranty/true":        {{Claims: []claims.Claim{a}}},
		"fault/customer":       {{Claims: []claims.Claim{b}}},
		"stage/implementation": {{Claims: []claims.Claim{a, b}}},
	}}
	s := newService(f)
	yes, no := true, false
	tests := []struct {
		name    string
		p       *auth.Principal
		q       Query
		wantDim string
		wantIDs []string
		wantErr apperr.Code
	}{
		{"root cause", supervisor, Query{RootCause: "weld"}, DimRootCause, []string{a.ID}, ""},
		{"culprit department", supervisor, Query{CulpritDepartment: "цех 2"}, DimCulprit, []string{a.ID}, ""},
		{"resolution", supervisor, Query{Resolution: "reject"}, DimResolution, []string{b.ID}, ""},
		{"warranty case", supervisor, Query{WarrantyCase: &yes}, DimWarranty, []string{a.ID}, ""},
		{"fault party", supervisor, Query{FaultParty: "customer"}, DimFaultParty, []string{b.ID}, ""},
		{"a decision filter narrows a stage list", supervisor, Query{Stage: "implementation", FaultParty: "company"}, DimFaultParty, []string{}, ""},
		{"dealer: not a warranty case, undecided left out", dealerA, Query{WarrantyCase: &no}, DimDealer, []string{b.ID}, ""},
		{"dealer: resolution", dealerA, Query{Resolution: "repair"}, DimDealer, []string{a.ID}, ""},
		{"dealer: root cause is internal", dealerA, Query{RootCause: "weld"}, "", nil, apperr.Forbidden},
		{"dealer: culprit department is internal", dealerA, Query{CulpritDepartment: "Цех 2"}, "", nil, apperr.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.specs, f.calls = nil, map[string]int{}
			page, err := s.List(context.Background(), tt.p, tt.q)
			if tt.wantErr != "" {
				if !apperr.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.specs[0].Dim != tt.wantDim {
				t.Errorf("served by %s, want %s", f.specs[0].Dim, tt.wantDim)
			}
			ids := []string{}
			for _, c := range page.Claims {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestListShowsEachAudienceItsView: the list goes through the visibility
// rule as the detail does (it used to carry the whole decision and the
// tasks to dealers); an integrations account that carries a dealer is that
// dealer's system, scoped and redacted like the dealer.
func TestListShowsEachAudienceItsView(t *testing.T) {
	decided := claim("RC-2026-000011", "DLR-A", "m1", "implementation")
	decided.Tasks = []claims.Task{{ID: "plan.1", Title: "internal", Owner: "m1"}}
	decided.Decision = &claims.Decision{WarrantyCase: true, FaultParty: "company", CulpritEmployee: "Иванов", CulpritDepartment: "ОТК",
		RootCause: "assembly_error", Resolution: claims.ResolutionRepair, DecidedBy: "supervisors:s1", Instructions: "Починим"}
	other := claim("RC-2026-000012", "DLR-B", "m2", "new")
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"dealer/DLR-A":  {{Claims: []claims.Claim{decided}}},
		"stage/new":     {{Claims: []claims.Claim{other}}},
		"assignee/m1":   {{Claims: []claims.Claim{decided}}},
		"month/2026-11": {{Claims: []claims.Claim{decided, other}}},
		"dealer/DLR-B":  {{Claims: []claims.Claim{other}}},
	}}
	s := newService(f)
	dealerSystem := &auth.Principal{UserID: "sys-a", Roles: []auth.Role{auth.Integration}, DealerID: "DLR-A"}
	erp := &auth.Principal{UserID: "erp", Roles: []auth.Role{auth.Integration}}
	for _, tt := range []struct {
		name     string
		p        *auth.Principal
		q        Query
		ids      []string
		internal bool
	}{
		{"dealer", dealerA, Query{}, []string{"RC-2026-000011"}, false},
		{"dealer's system", dealerSystem, Query{Stage: "implementation"}, []string{"RC-2026-000011"}, false},
		{"manager", manager1, Query{}, []string{"RC-2026-000011"}, true},
		{"company ERP", erp, Query{}, []string{"RC-2026-000011", "RC-2026-000012"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.calls = map[string]int{}
			page, err := s.List(context.Background(), tt.p, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range page.Claims {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
			c := page.Claims[0]
			if c.Decision == nil || c.Decision.Resolution != claims.ResolutionRepair {
				t.Fatalf("decision %+v", c.Decision)
			}
			internal := len(c.Tasks) > 0 || c.Decision.CulpritEmployee != "" || c.Decision.CulpritDepartment != "" ||
				c.Decision.RootCause != "" || c.Decision.DecidedBy != ""
			if internal != tt.internal {
				t.Errorf("internal fields shown = %v, want %v: tasks %v decision %+v", internal, tt.internal, c.Tasks, c.Decision)
			}
		})
	}
	if _, err := s.List(context.Background(), dealerSystem, Query{DealerID: "DLR-B"}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("dealer's system listing another dealer: %v, want Forbidden", err)
	}
	if _, err := s.Get(context.Background(), dealerSystem, "RC-2026-000012"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("dealer's system opening another dealer's claim: %v, want NotFound", err)
	}
}
