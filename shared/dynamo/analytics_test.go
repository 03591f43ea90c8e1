package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
)

type everyHourCal struct{}

func (everyHourCal) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

func (c everyHourCal) Calendar(context.Context) (analytics.Calendar, error) { return c, nil }

// TestAggregatesRoundTrip: claims counted into the table read back, cell by
// cell, as the sum of their contributions; counting them again writes
// nothing; a report over them reads only the cells of its days.
func TestAggregatesRoundTrip(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: db.store, Calendar: everyHourCal{}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Contribution{}
	cats := []string{"defect", "delivery", "service"}
	for i := 1; i <= 12; i++ {
		nc := newClaim(t, i, claimOpts{category: cats[i%3], dealer: []string{"D-1", "D-2"}[i%2], at: base.Add(time.Duration(i) * 20 * time.Hour)})
		db.create(t, nc)
		for range 2 {
			if err := con.Count(ctx, nc.Claim.ID); err != nil {
				t.Fatal(err)
			}
		}
		c, err := db.store.GetClaim(ctx, nc.Claim.ID)
		if err != nil {
			t.Fatal(err)
		}
		for cell, cs := range analytics.Of(c, everyHourCal{}, time.UTC) {
			if want[cell] == nil {
				want[cell] = analytics.Counters{}
			}
			for k, n := range cs {
				want[cell][k] += n
			}
		}
	}
	from, to := base.Format("2006-01-02"), base.AddDate(0, 0, 20).Format("2006-01-02")
	for _, dim := range []analytics.Dim{analytics.DimAll, analytics.DimCategory, analytics.DimDealer} {
		for _, scope := range []string{analytics.AllScope, analytics.DealerScope("D-1")} {
			got := analytics.Contribution{}
			cells, err := db.store.Cells(ctx, scope, dim, from, to)
			if err != nil {
				t.Fatal(err)
			}
			totals, err := db.store.TotalCells(ctx, scope, dim)
			if err != nil {
				t.Fatal(err)
			}
			months, err := db.store.MonthCells(ctx, scope, dim, from[:7], to[:7])
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range append(append(cells, totals...), months...) {
				got[c.Cell] = c.Counters
			}
			exp := analytics.Contribution{}
			for cell, cs := range want {
				if cell.Scope == scope && cell.Dim == dim {
					exp[cell] = cs
				}
			}
			if diff := cmp.Diff(exp, got); diff != "" {
				t.Errorf("%s %s cells mismatch (-counted +read):\n%s", scope, dim, diff)
			}
		}
	}
	res, err := analytics.Run(ctx, db.store, analytics.Query{Name: analytics.ReportStructure, From: base, To: base.AddDate(0, 0, 20),
		GroupBy: analytics.DimCategory, Measures: []string{"registered", "open"}}, base.AddDate(0, 0, 20))
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, r := range res.Rows {
		total += r.Values["registered"]
	}
	if total != 12 || res.Totals["registered"] != 12 || res.Totals["open"] != 12 {
		t.Errorf("structure: %+v", res)
	}
	if res.CellsRead > 12+3+3 { // a claim's day and category (the span begins mid-month), the three month cells and the three all-time cells
		t.Errorf("the report read %d cells for 12 claims", res.CellsRead)
	}
}
