package reportlayout

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
)

// TestFileTitles: a file says how its report is divided in its own
// language ("по месяцам", not the query's "month").
func TestFileTitles(t *testing.T) {
	dynamics := &analytics.Result{Name: analytics.ReportDynamics, From: "2026-01-01", To: "2026-12-31", Period: "month",
		Measures: []string{"registered", "avgDays"}, Totals: map[string]float64{}}
	structure := &analytics.Result{Name: analytics.ReportStructure, From: "2026-01-01", To: "2026-12-31", GroupBy: analytics.DimType,
		Measures: []string{"registered"}, Totals: map[string]float64{}}
	tests := []struct {
		res      *analytics.Result
		lang     string
		subtitle string
	}{
		{dynamics, "ru", "по месяцам"},
		{dynamics, "en", "by month"},
		{structure, "ru", "в разрезе: тип"},
		{structure, "en", "by type"},
	}
	for _, tt := range tests {
		r := File(context.Background(), nil, tt.res, tt.lang, time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		if diff := cmp.Diff(tt.subtitle, r.Subtitle); diff != "" {
			t.Errorf("%s %s subtitle mismatch (-want +got):\n%s", tt.res.Name, tt.lang, diff)
		}
	}
}
