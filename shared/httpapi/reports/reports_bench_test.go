package reports

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/benchtest"
	"github.com/claimsdesk/backend/shared/reportfile"
)

// BenchmarkStructurePDF renders the PDF of a 12-month structure report by
// manager (40 managers, the aggregates of a year of 1,000,000 claims): two
// bar charts and the table (target: under 1 s and 64 MB).
func BenchmarkStructurePDF(b *testing.B) {
	cells := analytics.Contribution{}
	for m := 1; m <= 12; m++ {
		for v := range 40 {
			n := int64(1_000_000 / 12 / 40)
			cells[analytics.Cell{Scope: analytics.AllScope, Dim: analytics.DimManager, Value: "manager-" + strconv.Itoa(v),
				Day: "2025-" + map[bool]string{true: "0", false: ""}[m < 10] + strconv.Itoa(m)}] = analytics.Counters{
				analytics.Registered: n, analytics.Closed: n * 8 / 10, analytics.Granted: n * 6 / 10, analytics.Refused: n * 2 / 10,
				analytics.ProcN: n * 8 / 10, analytics.ProcDays: n * 8 / 10 * 6, analytics.DayBucket(4): n * 8 / 10}
		}
	}
	a := &ReportsAPI{Reader: cellReader{cells}, Location: time.UTC}
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	benchtest.Peak(b, "pdf-KB", func() ([]byte, error) {
		res, err := analytics.Run(context.Background(), a.Reader, analytics.Query{Name: analytics.ReportStructure, From: from, To: to,
			GroupBy: analytics.DimManager, Measures: []string{"registered", "resolved", "granted", "grantedShare", "avgDays", "p90Days"}}, to)
		if err != nil {
			return nil, err
		}
		return reportfile.PDF(a.reportFile(context.Background(), res, "ru", time.UTC))
	})
}
