package assignment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

// today is a Tuesday; the calendars below are relative to it.
var today = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func vacation(from, to string) []Absence {
	return []Absence{{From: from, To: to, Kind: Vacation}}
}

func sick(from, to string) []Absence {
	return []Absence{{From: from, To: to, Kind: SickLeave}}
}

// fiveManagers is the roster of the evenness tests: every category has its
// own pool of two to five managers.
func fiveManagers() *Roster {
	return &Roster{Managers: []Manager{
		{ID: "m1", Active: true, Categories: []string{"defect", "transport", "service"}},
		{ID: "m2", Active: true, Categories: []string{"defect", "transport", "quantity"}},
		{ID: "m3", Active: true, Categories: []string{"defect", "transport", "installation"}},
		{ID: "m4", Active: true, Categories: []string{"defect", "quantity", "installation"}},
		{ID: "m5", Active: true, Categories: []string{"defect", "installation", "service"}},
	}}
}

// spreads returns, per category, max-min of the claims each pool member got.
func spreads(r *Roster, counts map[string]map[string]int) map[string]int {
	out := map[string]int{}
	for cat, perManager := range counts {
		pool := r.Eligible(&claims.Claim{CategoryID: cat})
		lo, hi := -1, 0
		for _, id := range pool {
			n := perManager[id]
			if lo < 0 || n < lo {
				lo = n
			}
			hi = max(hi, n)
		}
		for id := range perManager {
			if !slices.Contains(pool, id) {
				hi = 1 << 20 // assigned outside the pool: fail loudly
			}
		}
		out[cat] = hi - lo
	}
	return out
}

func TestAssignSpreadsEvenly(t *testing.T) {
	r := fiveManagers()
	categories := []string{"defect", "transport", "quantity", "installation", "service"}
	rng := rand.New(rand.NewPCG(1, 2))
	turns := map[string]int64{}
	counts := map[string]map[string]int{}
	for range 300 {
		cat := categories[rng.IntN(len(categories))]
		turns[cat]++
		res, err := r.Assign(&claims.Claim{CategoryID: cat}, turns[cat], today, nil)
		if err != nil {
			t.Fatalf("Assign(%s, %d): %v", cat, turns[cat], err)
		}
		if counts[cat] == nil {
			counts[cat] = map[string]int{}
		}
		counts[cat][res.Assignee]++
	}
	if len(counts) != len(categories) {
		t.Fatalf("claims fell in %d categories, want %d", len(counts), len(categories))
	}
	for cat, spread := range spreads(r, counts) {
		if spread > 1 {
			t.Errorf("category %s: max-min spread %d > 1: %v", cat, spread, counts[cat])
		}
	}
}

func TestAssignSpreadsEvenlyUnderConcurrency(t *testing.T) {
	r := fiveManagers()
	categories := []string{"defect", "transport", "quantity", "installation", "service"}
	counters := map[string]*atomic.Int64{}
	for _, c := range categories {
		counters[c] = &atomic.Int64{}
	}
	var (
		mu     sync.Mutex
		counts = map[string]map[string]int{}
		wg     sync.WaitGroup
		errs   = make(chan error, 300)
	)
	for g := range 50 {
		wg.Go(func() {
			for i := range 6 {
				cat := categories[(g+i)%len(categories)]
				turn := counters[cat].Add(1) // the store's atomic counter
				res, err := r.Assign(&claims.Claim{CategoryID: cat}, turn, today, nil)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if counts[cat] == nil {
					counts[cat] = map[string]int{}
				}
				counts[cat][res.Assignee]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for _, m := range counts {
		for _, n := range m {
			total += n
		}
	}
	if total != 300 {
		t.Fatalf("assigned %d claims, want 300", total)
	}
	for cat, spread := range spreads(r, counts) {
		if spread > 1 {
			t.Errorf("category %s: max-min spread %d > 1: %v", cat, spread, counts[cat])
		}
	}
}

func TestAssign(t *testing.T) {
	defect := &claims.Claim{CategoryID: "defect"}
	tests := []struct {
		name     string
		managers []Manager
		workload map[string]int
		maxImb   int
		claim    *claims.Claim
		turn     int64
		exclude  []string
		want     Result
	}{
		{
			name:     "round robin picks turn mod n in ID order",
			managers: []Manager{{ID: "m3", Active: true, Categories: []string{"defect"}}, {ID: "m1", Active: true, Categories: []string{"defect"}}, {ID: "m2", Active: true, Categories: []string{"defect"}}},
			claim:    defect, turn: 4,
			want: Result{Assignee: "m2", Reason: "round robin (defect)"},
		},
		{
			name: "managers of other categories are not in the pool",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"transport"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m2", Reason: "round robin (defect)"},
		},
		{
			name: "product line match joins the pool",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"service"}},
				{ID: "m2", Active: true, ProductLines: []string{"heaters"}},
			},
			claim: &claims.Claim{CategoryID: "defect", Product: claims.Product{Model: "H-2000", Category: " Heaters "}},
			turn:  7,
			want:  Result{Assignee: "m2", Reason: "round robin (defect, heaters)"},
		},
		{
			name: "inactive managers are not in the pool",
			managers: []Manager{
				{ID: "m1", Active: false, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m2", Reason: "round robin (defect)"},
		},
		{
			name: "absent manager: the substitute takes the turn",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m9", Absences: vacation("2026-03-01", "2026-03-14")},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
				{ID: "m9", Active: true},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m9", Reason: "substitute for m1 (vacation)", Chain: []string{"m1", "m9"}},
		},
		{
			name: "absence ends inclusive: on its last day the manager is away",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: sick("2026-03-09", "2026-03-10")},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m2", Reason: "substitute for m1 (sick_leave)", Chain: []string{"m1", "m2"}},
		},
		{
			name: "absence over: the manager is back",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-02-01", "2026-03-09")},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m1", Reason: "round robin (defect)"},
		},
		{
			name: "substitute chain of three links, past absent and inactive people",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-10", "2026-03-10")},
				{ID: "m2", Active: true, Categories: []string{"defect"}, Substitute: "m3", Absences: sick("2026-03-01", "2026-03-20")},
				{ID: "m3", Active: false, Substitute: "m4"},
				{ID: "m4", Active: true, Categories: []string{"transport"}},
				{ID: "m5", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m4", Reason: "substitute for m1 (vacation)", Chain: []string{"m1", "m2", "m3", "m4"}},
		},
		{
			name: "cycle in the matrix, everyone in it absent: next eligible",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-01", "2026-03-31")},
				{ID: "m2", Active: true, Categories: []string{"defect"}, Substitute: "m3", Absences: sick("2026-03-10", "2026-03-12")},
				{ID: "m3", Active: true, Categories: []string{"defect"}, Substitute: "m1", Absences: vacation("2026-03-09", "2026-03-11")},
				{ID: "m4", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m4", Reason: "round robin (defect)"},
		},
		{
			name: "cycle in the matrix with one present member outside the pool",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-01", "2026-03-31")},
				{ID: "m2", Active: true, Substitute: "m3", Absences: sick("2026-03-10", "2026-03-12")},
				{ID: "m3", Active: true, Substitute: "m1"},
			},
			claim: defect, turn: 0,
			want: Result{Assignee: "m3", Reason: "substitute for m1 (vacation)", Chain: []string{"m1", "m2", "m3"}},
		},
		{
			name: "personal manager's turn goes to the next",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 1, exclude: []string{"m2"},
			want: Result{Assignee: "m3", Reason: "round robin (defect)"},
		},
		{
			name: "personal manager as substitute is walked past",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-10", "2026-03-20")},
				{ID: "m2", Active: true, Categories: []string{"defect"}, Substitute: "m3"},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0, exclude: []string{"m2"},
			want: Result{Assignee: "m3", Reason: "substitute for m1 (vacation)", Chain: []string{"m1", "m2", "m3"}},
		},
		{
			name: "personal manager as the only substitute: next eligible",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-10", "2026-03-20")},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0, exclude: []string{"m2"},
			want: Result{Assignee: "m3", Reason: "round robin (defect)"},
		},
		{
			name: "personal manager named by email",
			managers: []Manager{
				{ID: "m1", Email: "i.sokolova@claimsdesk.example", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: 0, exclude: []string{"I.Sokolova@ClaimsDesk.example"},
			want: Result{Assignee: "m2", Reason: "round robin (defect)"},
		},
		{
			name: "overloaded manager sits out the turn",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			workload: map[string]int{"m1": 14, "m2": 13, "m3": 3},
			claim:    defect, turn: 0,
			want: Result{Assignee: "m2", Reason: "round robin (defect)"},
		},
		{
			name: "overload measured against present managers only, with the roster's limit",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}, Absences: vacation("2026-03-01", "2026-03-31"), Substitute: "m3"},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			workload: map[string]int{"m1": 9, "m2": 0, "m3": 5},
			maxImb:   3,
			claim:    defect, turn: 0,
			// m1 is 4 above m3 (absent m2 does not count), so the turn
			// passes to m2, who is away: m2's substitute takes it.
			want: Result{Assignee: "m3", Reason: "substitute for m2 (vacation)", Chain: []string{"m2", "m3"}},
		},
		{
			name: "within the limit the rotation holds",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
			},
			workload: map[string]int{"m1": 13, "m2": 3},
			claim:    defect, turn: 0,
			want: Result{Assignee: "m1", Reason: "round robin (defect)"},
		},
		{
			name: "negative turn still rotates",
			managers: []Manager{
				{ID: "m1", Active: true, Categories: []string{"defect"}},
				{ID: "m2", Active: true, Categories: []string{"defect"}},
				{ID: "m3", Active: true, Categories: []string{"defect"}},
			},
			claim: defect, turn: -1,
			want: Result{Assignee: "m3", Reason: "round robin (defect)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Roster{Managers: tt.managers, Workload: tt.workload, MaxImbalance: tt.maxImb}
			got, err := r.Assign(tt.claim, tt.turn, today, tt.exclude)
			if err != nil {
				t.Fatalf("Assign: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Assign mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignNeverReturnsAnExcludedManager(t *testing.T) {
	// Every manager's substitute is the personal manager m3, who is
	// also in the pool: across all turns m3 never gets the claim.
	r := &Roster{Managers: []Manager{
		{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m3"},
		{ID: "m2", Active: true, Categories: []string{"defect"}, Substitute: "m3", Absences: vacation("2026-03-01", "2026-03-31")},
		{ID: "m3", Active: true, Categories: []string{"defect"}, Substitute: "m1"},
		{ID: "m4", Active: true, Categories: []string{"defect"}, Substitute: "m3", Absences: sick("2026-03-10", "2026-03-10")},
	}}
	for turn := range int64(40) {
		res, err := r.Assign(&claims.Claim{CategoryID: "defect"}, turn, today, []string{"m3"})
		if err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		if res.Assignee == "m3" {
			t.Fatalf("turn %d: the personal manager got the claim: %+v", turn, res)
		}
	}
}

func TestAssignNobodyAvailable(t *testing.T) {
	tests := []struct {
		name     string
		managers []Manager
		exclude  []string
	}{
		{"nobody handles the category", []Manager{{ID: "m1", Active: true, Categories: []string{"transport"}}}, nil},
		{"only inactive managers", []Manager{{ID: "m1", Categories: []string{"defect"}}}, nil},
		{"everyone absent, cycle", []Manager{
			{ID: "m1", Active: true, Categories: []string{"defect"}, Substitute: "m2", Absences: vacation("2026-03-10", "2026-03-10")},
			{ID: "m2", Active: true, Categories: []string{"defect"}, Substitute: "m1", Absences: sick("2026-03-10", "2026-03-10")},
		}, nil},
		{"only the personal manager", []Manager{{ID: "m1", Active: true, Categories: []string{"defect"}}}, []string{"m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Roster{Managers: tt.managers}
			res, err := r.Assign(&claims.Claim{CategoryID: "defect"}, 1, today, tt.exclude)
			if !apperr.Is(err, apperr.Conflict) || !IsUnassigned(err) {
				t.Fatalf("Assign = %+v, %v; want an unassigned Conflict", res, err)
			}
		})
	}
}

func TestTurnKey(t *testing.T) {
	r := &Roster{Managers: []Manager{
		{ID: "m1", Active: true, Categories: []string{"defect"}, ProductLines: []string{"fans"}},
		{ID: "m2", Active: true, Categories: []string{"transport"}, ProductLines: []string{"Boilers"}},
		{ID: "m3", Active: false, ProductLines: []string{"heaters"}},
	}}
	tests := []struct{ category, line, want string }{
		{"defect", "", "defect"},
		{"defect", "fans", "defect"}, // m1 is in the pool anyway
		{"defect", "heaters", "defect"},
		{"defect", " boilers", "defect|boilers"},
	}
	for _, tt := range tests {
		c := &claims.Claim{CategoryID: tt.category, Product: claims.Product{Category: tt.line}}
		if got := r.TurnKey(c); got != tt.want {
			t.Errorf("TurnKey(%s, %q) = %q, want %q", tt.category, tt.line, got, tt.want)
		}
	}
}

func TestSubstitutesAndAvailable(t *testing.T) {
	r := &Roster{Managers: []Manager{
		{ID: "m1", Active: true, Substitute: "m2", Absences: vacation("2026-03-10", "2026-03-11")},
		{ID: "m2", Active: true, Substitute: "m3", Absences: sick("2026-03-01", "2026-03-31")},
		{ID: "m3", Active: false, Substitute: "m4"},
		{ID: "m4", Active: true, Substitute: "m1"},
		{ID: "m5", Active: true, Substitute: "m6", Absences: vacation("2026-03-10", "2026-03-10")},
		{ID: "m6", Active: true, Substitute: "m5", Absences: vacation("2026-03-10", "2026-03-10")},
		{ID: "m7", Active: true},
		{ID: "m8", Active: true, Substitute: "gone"},
	}}
	tests := []struct {
		id        string
		available bool
		chain     []string
	}{
		{"m1", false, []string{"m2", "m3", "m4"}},
		{"m2", false, []string{"m3", "m4"}},
		{"m3", false, []string{"m4"}},
		{"m4", true, []string{"m1", "m2", "m3"}}, // nobody available: the chain until it loops
		{"m5", false, []string{"m6"}},
		{"m7", true, nil},
		{"m8", true, []string{"gone"}},
		{"nobody", false, nil},
	}
	for _, tt := range tests {
		if got := r.Available(tt.id, today); got != tt.available {
			t.Errorf("Available(%s) = %v, want %v", tt.id, got, tt.available)
		}
		if diff := cmp.Diff(tt.chain, r.Substitutes(tt.id, today)); diff != "" {
			t.Errorf("Substitutes(%s) mismatch (-want +got):\n%s", tt.id, diff)
		}
	}
	// The day after m1's vacation m1 is back.
	if !r.Available("m1", today.AddDate(0, 0, 2)) {
		t.Errorf("m1 is not back after the vacation")
	}
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not Invalid", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func validManager() Manager {
	return Manager{ID: "m1", Name: " Ирина   Соколова ", Email: "I.Sokolova@ClaimsDesk.example", Active: true,
		Categories: []string{"defect"}, ProductLines: []string{" Heaters "}, Substitute: "m2",
		Absences: []Absence{{From: "2026-07-01", To: "2026-07-14", Kind: Vacation, Note: " отпуск "}}}
}

func TestValidateManager(t *testing.T) {
	m := validManager()
	if err := ValidateManager(&m); err != nil {
		t.Fatalf("ValidateManager: %v", err)
	}
	if m.Name != "Ирина Соколова" || m.Email != "i.sokolova@claimsdesk.example" || m.ProductLines[0] != "Heaters" || m.Absences[0].Note != "отпуск" {
		t.Errorf("not normalised: %+v", m)
	}

	tests := []struct {
		name   string
		change func(m *Manager)
		fields []string
	}{
		{"bad id", func(m *Manager) { m.ID = "a b" }, []string{"id"}},
		{"no name", func(m *Manager) { m.Name = "  " }, []string{"name"}},
		{"bad email", func(m *Manager) { m.Email = "nope" }, []string{"email"}},
		{"no email", func(m *Manager) { m.Email = "" }, []string{"email"}},
		{"duplicate category", func(m *Manager) { m.Categories = []string{"defect", "defect"} }, []string{"categories[1]"}},
		{"duplicate product line", func(m *Manager) { m.ProductLines = []string{"fans", "FANS"} }, []string{"productLines[1]"}},
		{"self substitute", func(m *Manager) { m.Substitute = "m1" }, []string{"substitute"}},
		{"absence dates", func(m *Manager) {
			m.Absences = []Absence{
				{From: "2026-07-14", To: "2026-07-01", Kind: Vacation},
				{From: "1 July", To: "2026-13-01", Kind: "holiday"},
			}
		}, []string{"absences[0].to", "absences[1].from", "absences[1].to", "absences[1].kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManager()
			tt.change(&m)
			if diff := cmp.Diff(tt.fields, fieldsOf(t, ValidateManager(&m))); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRosterValidate(t *testing.T) {
	mk := func(id, sub string, cats ...string) Manager {
		return Manager{ID: id, Name: "Manager " + id, Email: id + "@claimsdesk.example", Active: true, Categories: cats, Substitute: sub}
	}
	known := []string{"defect", "transport"}
	tests := []struct {
		name   string
		roster Roster
		fields []string
	}{
		{"valid, with a loop", Roster{Managers: []Manager{mk("m1", "m2", "defect"), mk("m2", "m1", "transport")}}, nil},
		{"unknown substitute", Roster{Managers: []Manager{mk("m1", "m9", "defect")}}, []string{"managers[0].substitute"}},
		{"duplicate id", Roster{Managers: []Manager{mk("m1", "", "defect"), mk("m1", "", "defect")}}, []string{"managers[1].id"}},
		{"unknown category", Roster{Managers: []Manager{mk("m1", "", "defect", "weather")}}, []string{"managers[0].categories[1]"}},
		{"manager field", Roster{Managers: []Manager{mk("m1", "m1", "defect")}}, []string{"managers[0].substitute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.fields, fieldsOf(t, tt.roster.Validate(known))); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func ExampleRoster_Assign() {
	r := &Roster{Managers: []Manager{
		{ID: "manager-1", Active: true, Categories: []string{"defect"}, Substitute: "manager-2",
			Absences: []Absence{{From: "2026-03-09", To: "2026-03-13", Kind: SickLeave}}},
		{ID: "manager-2", Active: true, Categories: []string{"defect"}},
	}}
	for turn := int64(1); turn <= 3; turn++ {
		res, _ := r.Assign(&claims.Claim{CategoryID: "defect"}, turn, today, nil)
		fmt.Println(res.Assignee, "-", res.Reason)
	}
	// Output:
	// manager-2 - round robin (defect)
	// manager-2 - substitute for manager-1 (sick_leave)
	// manager-2 - round robin (defect)
}
