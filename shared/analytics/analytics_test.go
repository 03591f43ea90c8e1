package analytics_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

var (
	ctx    = context.Background()
	moscow = time.FixedZone("MSK", 3*3600)
)

// hours is a calendar where every hour is a business hour.
type hours struct{}

func (hours) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

func (hours) Calendar(context.Context) (analytics.Calendar, error) { return hours{}, nil }

// store keeps claims, what was applied for each, and the aggregates, in
// memory.
type store struct {
	mu      sync.Mutex
	claims  map[string]claims.Claim
	applied map[string]map[string]analytics.Applied
	cells   map[analytics.Cell]analytics.Counters
	applies int
}

func newStore() *store {
	return &store{claims: map[string]claims.Claim{}, applied: map[string]map[string]analytics.Applied{}, cells: map[analytics.Cell]analytics.Counters{}}
}

func (s *store) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.claims[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "claim %s", id)
	}
	return &c, nil
}

func (s *store) Applied(_ context.Context, id string) (map[string]analytics.Applied, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]analytics.Applied{}
	for k, a := range s.applied[id] {
		out[k] = a
	}
	return out, nil
}

func (s *store) Apply(_ context.Context, id, kind string, prev int, next analytics.Applied, delta analytics.Contribution) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.applied[id][kind].Stamp != prev {
		return apperr.Errorf(apperr.Conflict, "moved")
	}
	for cell, cs := range delta {
		have := s.cells[cell]
		if have == nil {
			have = analytics.Counters{}
			s.cells[cell] = have
		}
		for k, n := range cs {
			have[k] += n
		}
	}
	if s.applied[id] == nil {
		s.applied[id] = map[string]analytics.Applied{}
	}
	s.applied[id][kind] = next
	s.applies++
	return nil
}

func (s *store) Cells(_ context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []analytics.Stored
	for cell, cs := range s.cells {
		if cell.Scope == scope && cell.Dim == dim && len(cell.Day) == 10 && cell.Day >= from && cell.Day <= to {
			out = append(out, analytics.Stored{Cell: cell, Counters: cs})
		}
	}
	return out, nil
}

func (s *store) MonthCells(_ context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []analytics.Stored
	for cell, cs := range s.cells {
		if cell.Scope == scope && cell.Dim == dim && len(cell.Day) == 7 && cell.Day >= from && cell.Day <= to {
			out = append(out, analytics.Stored{Cell: cell, Counters: cs})
		}
	}
	return out, nil
}

func (s *store) TotalCells(_ context.Context, scope string, dim analytics.Dim) ([]analytics.Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []analytics.Stored
	for cell, cs := range s.cells {
		if cell.Scope == scope && cell.Dim == dim && cell.Day == analytics.Totals {
			out = append(out, analytics.Stored{Cell: cell, Counters: cs})
		}
	}
	return out, nil
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, moscow)

// claimAt is a claim filed at t by dealer, in category cat.
func claimAt(n int, t time.Time, dealer, cat string) claims.Claim {
	return claims.Claim{ID: claims.Number(2026, int64(n)), Channel: claims.ChannelDealerForm, DealerID: dealer, CategoryID: cat, TypeID: cat + "-t",
		Product: claims.Product{Model: "TH-2000", Series: "2026-11"}, Priority: "normal", Stage: workflow.New, Assignee: "m-1",
		CreatedAt: t.UTC(), UpdatedAt: t.UTC(), Version: 1, HistorySeq: 1}
}

// finish closes (or rejects) c at t with a decision.
func finish(c *claims.Claim, t time.Time, stage claims.Stage, res claims.Resolution) {
	c.Decision = &claims.Decision{WarrantyCase: res != claims.ResolutionReject, FaultParty: "company", RootCause: "material_defect",
		Resolution: res, Cost: claims.Money{Amount: 150000, Currency: "RUB"}, DecidedAt: t.Add(-time.Hour).UTC()}
	c.Stage, c.StageEnteredAt = stage, t.UTC()
	c.SLA = &claims.SLA{ResolvedAt: t.UTC(), RespondedAt: c.CreatedAt.Add(2 * time.Hour)}
	c.Version++
	c.HistorySeq++
}

func counter(t *testing.T, s *store, cell analytics.Cell, k string) int64 {
	t.Helper()
	return s.cells[cell][k]
}

// TestCountsOnceAndMovesRevisions: a claim counted twice at the same state
// counts once; its close adds the finish, its decision's revision moves
// the decision's counts from the old values to the new ones; a dealer's
// claim counts in the dealer's scope too.
func TestCountsOnceAndMovesRevisions(t *testing.T) {
	s := newStore()
	c := claimAt(1, t0, "DLR-1", "defect")
	s.claims[c.ID] = c
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: hours{}, Location: moscow})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := con.Count(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	day := "2026-03-02"
	all := analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimAll, Value: "*", Day: day}
	// One fact kind so far: its cells of single dimensions, and of pairs.
	if n := counter(t, s, all, analytics.Registered); n != 1 || s.applies != 2 {
		t.Fatalf("registered %d after %d applies, want 1 and 2", n, s.applies)
	}
	pair := analytics.Cell{Scope: analytics.AllScope, Dim: analytics.Pair(analytics.DimSeries, analytics.DimType),
		Value: "2026-11" + analytics.PairSep + "defect-t", Day: day}
	if n := counter(t, s, pair, analytics.Registered); n != 1 {
		t.Errorf("the series+type cell: %d", n)
	}
	if n := counter(t, s, analytics.Cell{Scope: analytics.DealerScope("DLR-1"), Dim: analytics.DimCategory, Value: "defect", Day: day}, analytics.Registered); n != 1 {
		t.Errorf("the dealer's scope: %d", n)
	}
	closedAt := t0.Add(50 * time.Hour)
	finish(&c, closedAt, workflow.Closed, claims.ResolutionRepair)
	s.claims[c.ID] = c
	if err := con.Count(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	fin := analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimAll, Value: "*", Day: "2026-03-04"}
	if counter(t, s, fin, analytics.Closed) != 1 || counter(t, s, fin, analytics.ProcMinutes) != 50*60 || counter(t, s, fin, analytics.ProcDays) != 3 {
		t.Errorf("finish cell %v", s.cells[fin])
	}
	repair := analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimResolution, Value: "repair", Day: "2026-03-04"}
	if counter(t, s, repair, analytics.Granted) != 1 || counter(t, s, repair, analytics.Closed) != 1 {
		t.Errorf("repair cell %v", s.cells[repair])
	}
	// A supervisor revises the decision to a reject: the counts move.
	c.Decision.Resolution, c.Decision.WarrantyCase = claims.ResolutionReject, false
	c.Version++
	c.HistorySeq++
	s.claims[c.ID] = c
	if err := con.Count(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	reject := analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimResolution, Value: "reject", Day: "2026-03-04"}
	if counter(t, s, repair, analytics.Granted) != 0 || counter(t, s, reject, analytics.Refused) != 1 || counter(t, s, reject, analytics.Closed) != 1 {
		t.Errorf("after the revision: repair %v, reject %v", s.cells[repair], s.cells[reject])
	}
	if counter(t, s, all, analytics.Registered) != 1 {
		t.Errorf("registered moved with the revision: %v", s.cells[all])
	}
}

// TestDeltaStaysInOneTransaction: no change of a claim touches more cells
// than one transaction holds: intake, the first response, a
// reassignment, the close, a revision of every decision field, a rating.
func TestDeltaStaysInOneTransaction(t *testing.T) {
	c := claimAt(1, t0, "DLR-1", "defect")
	c.Claimant.Company = "ООО «Мебель»"
	steps := []struct {
		name string
		edit func(c *claims.Claim)
	}{
		{"intake", func(*claims.Claim) {}},
		{"first response", func(c *claims.Claim) {
			c.SLA = &claims.SLA{RespondedAt: t0.Add(time.Hour)}
			c.Stage = workflow.InformationCheck
		}},
		{"reassigned", func(c *claims.Claim) { c.Assignee = "m-2" }},
		{"reclassified, another model and series", func(c *claims.Claim) {
			c.TypeID, c.CategoryID = "noise", "quality"
			c.Product.Model, c.Product.Series = "TH-3000", "2026-12"
		}},
		{"closed", func(c *claims.Claim) { finish(c, t0.Add(72*time.Hour), workflow.Closed, claims.ResolutionRepair) }},
		{"every decision field revised", func(c *claims.Claim) {
			c.Decision = &claims.Decision{WarrantyCase: false, FaultParty: "customer", CulpritDepartment: "Склад", RootCause: "misuse",
				Resolution: claims.ResolutionReject, DecidedAt: c.Decision.DecidedAt}
		}},
		{"rated", func(c *claims.Claim) {
			c.Satisfaction = &claims.Satisfaction{Score: 2, RatedAt: t0.Add(80 * time.Hour)}
		}},
	}
	prev := map[string]analytics.Contribution{}
	for _, st := range steps {
		st.edit(&c)
		next := analytics.Facts(&c, hours{}, moscow)
		touched := 0
		for _, kind := range analytics.FactKinds {
			n := len(analytics.Delta(prev[kind], next[kind]))
			if n > analytics.MaxCells {
				t.Errorf("%s: %s touches %d cells (at most %d)", st.name, kind, n, analytics.MaxCells)
			}
			// Counted from nothing (the aggregates far behind): no fact
			// is larger either.
			if n := len(next[kind]); n > analytics.MaxCells {
				t.Errorf("%s: %s from nothing touches %d cells", st.name, kind, n)
			}
			touched += n
		}
		if touched == 0 {
			t.Errorf("%s touches no cell", st.name)
		}
		prev = next
	}
}

// TestReportsEqualARecount: a month of claims (filed, some rejected, some
// closed, some rated) counted by the consumer gives reports whose figures
// equal a count made here from the claims themselves.
func TestReportsEqualARecount(t *testing.T) {
	s := newStore()
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: hours{}, Location: moscow})
	if err != nil {
		t.Fatal(err)
	}
	cats := []string{"defect", "delivery", "service"}
	models := []string{"TH-2000", "TH-3000"}
	var all []claims.Claim
	for i := range 90 {
		c := claimAt(i+1, t0.Add(time.Duration(i)*8*time.Hour), fmt.Sprintf("DLR-%d", i%4), cats[i%3])
		c.Product.Model = models[i%7%2]
		switch i % 5 {
		case 0:
			finish(&c, c.CreatedAt.Add(30*time.Hour), workflow.Rejected, claims.ResolutionReject)
		case 1, 2:
			finish(&c, c.CreatedAt.Add(time.Duration(20+i)*time.Hour), workflow.Closed, claims.ResolutionRepair)
			c.Satisfaction = &claims.Satisfaction{Score: 1 + i%5 + 2, RatedAt: c.StageEnteredAt.Add(time.Hour)}
		}
		all = append(all, c)
		s.claims[c.ID] = c
		if err := con.Count(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := con.Count(ctx, c.ID); err != nil { // redelivered
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, moscow), time.Date(2026, 3, 31, 0, 0, 0, 0, moscow)
	today := time.Date(2026, 4, 30, 0, 0, 0, 0, moscow)
	inMarch := func(t time.Time) bool {
		d := t.In(moscow).Format("2006-01-02")
		return d >= "2026-03-01" && d <= "2026-03-31"
	}

	// structure by category: registered, resolved, granted share.
	res, err := analytics.Run(ctx, s, analytics.Query{Name: analytics.ReportStructure, From: from, To: to, GroupBy: analytics.DimCategory,
		Measures: []string{"registered", "resolved", "granted", "refused", "grantedShare", "ratings", "avgScore"}}, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range res.Rows {
		var reg, resolved, granted, refused, ratings, scores float64
		for _, c := range all {
			if c.CategoryID != row.Key {
				continue
			}
			if inMarch(c.CreatedAt) {
				reg++
			}
			if workflow.Terminal(c.Stage) && inMarch(c.StageEnteredAt) {
				resolved++
			}
			if c.Decision != nil && inMarch(c.Decision.DecidedAt) {
				if c.Decision.Resolution == claims.ResolutionReject {
					refused++
				} else {
					granted++
				}
			}
			if c.Satisfaction != nil && inMarch(c.Satisfaction.RatedAt) {
				ratings++
				scores += float64(c.Satisfaction.Score)
			}
		}
		want := map[string]float64{"registered": reg, "resolved": resolved, "granted": granted, "refused": refused, "ratings": ratings}
		for k, v := range want {
			if row.Values[k] != v {
				t.Errorf("structure %s %s = %v, recount %v", row.Key, k, row.Values[k], v)
			}
		}
		if ratings > 0 && row.Values["avgScore"] != float64(int(scores/ratings*100+0.5))/100 {
			t.Errorf("structure %s avgScore = %v, recount %v", row.Key, row.Values["avgScore"], scores/ratings)
		}
	}
	if len(res.Rows) != 3 {
		t.Errorf("%d rows, want the 3 categories", len(res.Rows))
	}

	// dynamics by week with open claims at each week's end.
	dyn, err := analytics.Run(ctx, s, analytics.Query{Name: analytics.ReportDynamics, From: from, To: to, Period: "week"}, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range dyn.Rows {
		var reg, open float64
		var end time.Time
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if analytics.PeriodOf(d.Format("2006-01-02"), "week") == row.Key {
				end = d
			}
		}
		endOfDay := end.AddDate(0, 0, 1)
		for _, c := range all {
			if analytics.PeriodOf(c.CreatedAt.In(moscow).Format("2006-01-02"), "week") == row.Key && inMarch(c.CreatedAt) {
				reg++
			}
			if c.CreatedAt.Before(endOfDay) && (!workflow.Terminal(c.Stage) || !c.StageEnteredAt.Before(endOfDay)) {
				open++
			}
		}
		if row.Values["registered"] != reg || row.Values["open"] != open {
			t.Errorf("week %s: registered %v open %v, recount %v and %v", row.Key, row.Values["registered"], row.Values["open"], reg, open)
		}
	}

	// By two dimensions, either first: each (type, model) row equals a
	// recount, the rows of one type together.
	for _, q := range []struct{ by, then analytics.Dim }{{analytics.DimType, analytics.DimModel}, {analytics.DimModel, analytics.DimType}} {
		two, err := analytics.Run(ctx, s, analytics.Query{Name: analytics.ReportStructure, From: from, To: to, GroupBy: q.by, ThenBy: q.then,
			Measures: []string{"registered", "granted"}}, today)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]float64{}
		for _, c := range all {
			if inMarch(c.CreatedAt) {
				k := [2]string{c.TypeID, c.Product.Model}
				if q.by == analytics.DimModel {
					k = [2]string{c.Product.Model, c.TypeID}
				}
				want[k]++
			}
		}
		if len(two.Rows) != len(want) {
			t.Errorf("by %s then %s: %d rows, want %d", q.by, q.then, len(two.Rows), len(want))
		}
		seen := map[string]bool{}
		for i, row := range two.Rows {
			if row.Values["registered"] != want[[2]string{row.Key, row.Then}] {
				t.Errorf("by %s then %s: %s / %s registered %v, recount %v", q.by, q.then, row.Key, row.Then, row.Values["registered"], want[[2]string{row.Key, row.Then}])
			}
			if seen[row.Key] && two.Rows[i-1].Key != row.Key {
				t.Errorf("by %s then %s: the rows of %s apart", q.by, q.then, row.Key)
			}
			seen[row.Key] = true
		}
	}
	if err := (&analytics.Query{Name: analytics.ReportStructure, From: from, To: to, GroupBy: analytics.DimChannel, ThenBy: analytics.DimPriority}).Validate(); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a pair not kept: %v", err)
	}

	// A dealer's scope holds only the dealer's claims.
	mine, err := analytics.Run(ctx, s, analytics.Query{Name: analytics.ReportStructure, From: from, To: to, GroupBy: analytics.DimDealer,
		Scope: analytics.DealerScope("DLR-1"), Measures: []string{"registered"}}, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Rows) != 1 || mine.Rows[0].Key != "DLR-1" {
		t.Errorf("the dealer's report: %+v", mine.Rows)
	}
}

// TestQueryRefusals: each bad parameter is named.
func TestQueryRefusals(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		q     analytics.Query
		field string
	}{
		{"unknown report", analytics.Query{Name: "everything", From: from, To: from}, "name"},
		{"from after to", analytics.Query{Name: "dynamics", From: from, To: from.AddDate(0, 0, -1)}, "from"},
		{"six years", analytics.Query{Name: "dynamics", From: from, To: from.AddDate(6, 0, 0)}, "to"},
		{"unknown period", analytics.Query{Name: "dynamics", From: from, To: from, Period: "decade"}, "period"},
		{"unknown dimension", analytics.Query{Name: "structure", From: from, To: from, GroupBy: "colour"}, "groupBy"},
		{"unknown measure", analytics.Query{Name: "structure", From: from, To: from, Measures: []string{"happiness"}}, "measures"},
		{"unknown filter", analytics.Query{Name: "dynamics", From: from, To: from, FilterDim: "colour", FilterValue: "red"}, "filter"},
		{"a pair not kept", analytics.Query{Name: "structure", From: from, To: from, GroupBy: "channel", ThenBy: "priority"}, "thenBy"},
		{"dynamics by two", analytics.Query{Name: "dynamics", From: from, To: from, ThenBy: "type"}, "thenBy"},
	}
	for _, tt := range tests {
		err := tt.q.Validate()
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: %v, want Invalid naming %s", tt.name, err, tt.field)
		}
	}
}

// lister lists the store's claims of a month, two to a page.
type lister struct{ s *store }

func (l lister) ListClaims(_ context.Context, spec registry.ListSpec) (*registry.ListPage, error) {
	var ids []string
	for id, c := range l.s.claims {
		if c.CreatedAt.In(moscow).Format("2006-01") == spec.Value {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	start := 0
	if spec.Start != "" {
		start, _ = strconv.Atoi(spec.Start)
	}
	page := &registry.ListPage{}
	for i := start; i < len(ids) && i < start+2; i++ {
		page.Claims = append(page.Claims, l.s.claims[ids[i]])
	}
	if start+2 < len(ids) {
		page.Next = strconv.Itoa(start + 2)
	}
	return page, nil
}

// TestCheckAndRecount: the check finds the claims whose counts are not
// what the claims are now (an event lost), without changing anything; the
// recount corrects them, page by page; the check then finds none.
func TestCheckAndRecount(t *testing.T) {
	s := newStore()
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: hours{}, Location: moscow})
	if err != nil {
		t.Fatal(err)
	}
	m := &analytics.Maintenance{Consumer: con, Claims: lister{s}}
	for i := range 5 {
		c := claimAt(i+1, t0.Add(time.Duration(i)*time.Hour), "DLR-1", "defect")
		s.claims[c.ID] = c
		if err := con.Count(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Two claims are closed and their events lost.
	for _, n := range []int{2, 4} {
		c := s.claims[claims.Number(2026, int64(n))]
		finish(&c, c.CreatedAt.Add(40*time.Hour), workflow.Closed, claims.ResolutionRepair)
		s.claims[c.ID] = c
	}
	walk := func(f func(ctx context.Context, month, cursor string) (*analytics.Page, error)) []string {
		var drifted []string
		cursor := ""
		for {
			p, err := f(ctx, "2026-03", cursor)
			if err != nil {
				t.Fatal(err)
			}
			drifted = append(drifted, p.Drifted...)
			if cursor = p.Next; cursor == "" {
				return drifted
			}
		}
	}
	before := s.applies
	if got := walk(m.Check); len(got) != 2 || s.applies != before {
		t.Fatalf("check: drifted %v after %d writes; want the two closed claims and no write", got, s.applies-before)
	}
	if got := walk(m.Recount); len(got) != 2 {
		t.Fatalf("recount: %v", got)
	}
	if got := walk(m.Check); len(got) != 0 {
		t.Errorf("check after the recount: %v", got)
	}
	closed := s.cells[analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimAll, Value: "*", Day: "2026-03"}][analytics.Closed]
	if closed != 2 {
		t.Errorf("closed in March after the recount: %d, want 2", closed)
	}
	if _, err := m.Check(ctx, "March", ""); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a bad month: %v", err)
	}
}

// TestRebuildSpan: a rebuild over months counts every claim filed in them
// from nothing, page by page across the months, resumable from any
// cursor, and no claim outside them; the span is checked.
func TestRebuildSpan(t *testing.T) {
	s := newStore()
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: hours{}, Location: moscow})
	if err != nil {
		t.Fatal(err)
	}
	m := &analytics.Maintenance{Consumer: con, Claims: lister{s}}
	for i := range 7 { // 2026-03-02 + 0, 20, 40, ... 120 days: 2 in March, 1 in April, 2 in May, 2 in June
		c := claimAt(i+1, t0.AddDate(0, 0, 20*i), "DLR-1", "defect")
		s.claims[c.ID] = c
	}
	for i := range 2 { // April: three claims, two pages
		c := claimAt(20+i, t0.AddDate(0, 0, 41+i), "DLR-1", "defect")
		s.claims[c.ID] = c
	}
	var pages []string
	cursor := ""
	for {
		p, err := m.RecountSpan(ctx, "2026-03", "2026-05", cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p.Month)
		if cursor = p.Next; cursor == "" {
			break
		}
		if len(pages) > 20 {
			t.Fatal("the rebuild does not end")
		}
	}
	registered := map[string]int64{}
	for cell, cs := range s.cells {
		if cell.Scope == analytics.AllScope && cell.Dim == analytics.DimAll && len(cell.Day) == 7 {
			registered[cell.Day] += cs[analytics.Registered]
		}
	}
	want := map[string]int64{"2026-03": 2, "2026-04": 3, "2026-05": 2}
	for month, n := range want {
		if registered[month] != n {
			t.Errorf("%s: %d registered after the rebuild, want %d (%v)", month, registered[month], n, registered)
		}
	}
	if registered["2026-06"] != 0 || registered["2026-07"] != 0 {
		t.Errorf("claims outside the span counted: %v", registered)
	}
	if got := fmt.Sprint(pages); got != "[2026-03 2026-04 2026-04 2026-05]" {
		t.Errorf("pages walked: %s", got)
	}
	// The check over the same span then finds nothing.
	if p, err := m.CheckSpan(ctx, "2026-03", "2026-03", ""); err != nil || len(p.Drifted) != 0 {
		t.Errorf("check after the rebuild: %+v %v", p, err)
	}
	for _, tt := range []struct{ from, to, cursor, field string }{
		{"2026-05", "2026-03", "", "from"},
		{"2016-01", "2026-03", "", "to"},
		{"2026-13", "2026-03", "", "from"},
		{"2026-03", "2026-05", "2026-07~", "cursor"},
		{"2026-03", "2026-05", "garbage", "cursor"},
	} {
		_, err := m.RecountSpan(ctx, tt.from, tt.to, tt.cursor)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tt.field {
			t.Errorf("%+v: %v, want Invalid naming %s", tt, err, tt.field)
		}
	}
}
