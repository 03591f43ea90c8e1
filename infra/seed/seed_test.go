package seed

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/workflow"
)

func TestCatalogIsValid(t *testing.T) {
	c, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Categories) < 5 || len(c.Types) < 10 {
		t.Errorf("seed has %d categories and %d types", len(c.Categories), len(c.Types))
	}
	for _, ty := range c.Types {
		if ty.Instructions["ru"] == "" || ty.Instructions["en"] == "" || ty.Name["en"] == "" {
			t.Errorf("type %s lacks a translation", ty.ID)
		}
	}
}

func TestManagersAreValid(t *testing.T) {
	managers, err := Managers()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(managers) != 5 || managers[0].ID != "manager-1" {
		t.Fatalf("seed roster: %d managers, first %q; want manager-1..manager-5", len(managers), managers[0].ID)
	}
	r := &assignment.Roster{Managers: managers}
	for _, cat := range c.Categories {
		if n := len(r.Eligible(&claims.Claim{CategoryID: cat.ID})); n < 2 {
			t.Errorf("category %s has %d managers, want at least 2", cat.ID, n)
		}
	}
	for _, m := range managers {
		if m.Substitute == "" || len(m.Absences) != 0 || len(m.ProductLines) == 0 {
			t.Errorf("manager %s: substitute %q, %d absences, product lines %v", m.ID, m.Substitute, len(m.Absences), m.ProductLines)
		}
		// The matrix always leads to someone else who is available.
		if chain := r.Substitutes(m.ID, time.Now()); len(chain) != 1 || chain[0] == m.ID {
			t.Errorf("manager %s: substitute chain %v", m.ID, chain)
		}
	}
}

func TestCalendarIsValid(t *testing.T) {
	cal, err := Calendar()
	if err != nil {
		t.Fatal(err)
	}
	msk := cal.Location()
	if msk.String() != "Europe/Moscow" {
		t.Errorf("zone %s, want Europe/Moscow", msk)
	}
	// The published counts for a 5-day week; 2027 before its decree.
	for year, want := range map[int]int{2025: 247, 2026: 247, 2027: 249} {
		n := 0
		for d := time.Date(year, 1, 1, 12, 0, 0, 0, msk); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(d) {
				n++
			}
		}
		if n != want {
			t.Errorf("%d has %d working days, want %d", year, n, want)
		}
	}
	// Four short days in 2026, each an hour shorter than 09:00-18:00.
	if got, want := cal.Between(time.Date(2026, 1, 1, 0, 0, 0, 0, msk), time.Date(2027, 1, 1, 0, 0, 0, 0, msk)), 247*9*time.Hour-4*time.Hour; got != want {
		t.Errorf("business time in 2026: %v, want %v", got, want)
	}
	// Filed before the New Year holidays: Dec 31 2025 and Jan 1-11 2026 are off.
	if got, want := cal.Add(time.Date(2025, 12, 30, 17, 0, 0, 0, msk), 4*time.Hour), time.Date(2026, 1, 12, 12, 0, 0, 0, msk); !got.Equal(want) {
		t.Errorf("4 business hours from Dec 30 2025 17:00: %v, want %v", got, want)
	}
	for _, y := range cal.Years {
		if y.Preliminary != (y.Year == 2027) || y.Note == "" {
			t.Errorf("year %d: preliminary %v, note %q; only 2027 is preliminary, and every year says where it comes from", y.Year, y.Preliminary, y.Note)
		}
	}
}

func TestSLAConfigIsValid(t *testing.T) {
	cfg, err := SLAConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := map[claims.DesiredResult]int{claims.Refund: 10, claims.PriceReduction: 10, claims.Replacement: 20, claims.Repair: 45}
	if diff := cmp.Diff(want, cfg.StatutoryDays); diff != "" {
		t.Errorf("statutory days mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		category, typ string
		priority      catalog.Priority
		want          string
	}{
		{"defect", "noise", catalog.Low, "default"},
		{"defect", "noise", catalog.Normal, "default"},
		{"transport", "product_damage", catalog.High, "priority-high"},
		{"defect", "overheating", catalog.Critical, "priority-critical"},
		{"defect", "fire", catalog.Critical, "safety-fire"},
		{"defect", "fire", catalog.Low, "safety-fire"},
	} {
		if got := cfg.Match(&claims.Claim{CategoryID: tc.category, TypeID: tc.typ, Priority: tc.priority}).ID; got != tc.want {
			t.Errorf("policy for %s/%s %s: %s, want %s", tc.category, tc.typ, tc.priority, got, tc.want)
		}
	}
	// Every policy watches every working stage, and each narrower policy is
	// at least as tight as the one it narrows.
	chain := []string{"default", "priority-high", "priority-critical", "safety-fire"}
	for i, id := range chain {
		p, ok := cfg.Policy(id)
		if !ok {
			t.Fatalf("no policy %s", id)
		}
		for _, s := range sla.WorkingStages() {
			if _, ok := p.Stage(s); !ok {
				t.Errorf("policy %s has no hours for stage %s", id, s)
			}
		}
		if i == 0 {
			continue
		}
		wider, _ := cfg.Policy(chain[i-1])
		if p.FirstResponse() > wider.FirstResponse() || p.Resolution() > wider.Resolution() || p.WarnAtPercent > wider.WarnAtPercent {
			t.Errorf("policy %s is looser than %s", id, wider.ID)
		}
		for _, s := range sla.WorkingStages() {
			if d, _ := p.Stage(s); d > mustStage(t, wider, s) {
				t.Errorf("policy %s gives stage %s %v, more than %s's", id, s, d, wider.ID)
			}
		}
	}
}

func mustStage(t *testing.T, p *sla.Policy, s claims.Stage) time.Duration {
	t.Helper()
	d, ok := p.Stage(s)
	if !ok {
		t.Fatalf("policy %s has no hours for stage %s", p.ID, s)
	}
	return d
}

// TestSeedSLAEngine runs a fire claim through the engine built from the
// seed files: half an hour to the first response.
func TestSeedSLAEngine(t *testing.T) {
	cal, err := Calendar()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := SLAConfig()
	if err != nil {
		t.Fatal(err)
	}
	e := &sla.Engine{Calendar: cal, Config: cfg}
	msk := cal.Location()
	filed := time.Date(2026, 6, 11, 16, 45, 0, 0, msk) // a short day, ends at 17:00
	cl := &claims.Claim{Stage: workflow.New, CategoryID: "defect", TypeID: "fire", Priority: catalog.Critical,
		DesiredResult: claims.Replacement, CreatedAt: filed, StageEnteredAt: filed}
	e.Start(cl, filed)
	want := &claims.SLA{
		Policy: "safety-fire",
		// 15 minutes on the short day; Jun 12 is a holiday, then a weekend.
		FirstResponseDue: time.Date(2026, 6, 15, 9, 15, 0, 0, msk),
		ResolutionDue:    time.Date(2026, 6, 17, 14, 45, 0, 0, msk),
		StatutoryDue:     time.Date(2026, 7, 2, 0, 0, 0, 0, msk),
		// Warned at 60 %, with 12 of the 30 minutes left.
		NextCheck: time.Date(2026, 6, 15, 9, 3, 0, 0, msk),
	}
	if diff := cmp.Diff(want, cl.SLA); diff != "" {
		t.Errorf("SLA mismatch (-want +got):\n%s", diff)
	}
	if findings := e.Check(cl, time.Date(2026, 6, 15, 9, 15, 0, 0, msk)); len(findings) != 2 || cl.SLA.Level != 2 {
		t.Errorf("findings at the due time %v, level %d; want the first-response and stage breaches, level 2", findings, cl.SLA.Level)
	}
}

// TestSeedCompanyIsValid: the seed company details decode strictly into
// what documents carry and pass the same check as PUT /v1/admin/company,
// stored under the name the documents read.
func TestSeedCompanyIsValid(t *testing.T) {
	var c documents.Company
	dec := json.NewDecoder(bytes.NewReader(CompanyJSON()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("company.json: %v", err)
	}
	if err := claimdocs.ValidateCompany(&c); err != nil {
		t.Errorf("company.json: %v", err)
	}
	docs, err := ConfigDocs()
	if err != nil {
		t.Fatal(err)
	}
	if string(docs[claimdocs.CompanyDoc]) != string(CompanyJSON()) {
		t.Errorf("ConfigDocs stores the company details under another name than %q", claimdocs.CompanyDoc)
	}
}
