package reportfile

import (
	"testing"

	"github.com/claimsdesk/backend/shared/benchtest"
)

// BenchmarkPDFTwoCharts renders a report of 12 months by 10 groups: a
// column chart of the months and a bar chart of the groups, then a
// 120-row table (target: under 1 s and 64 MB).
func BenchmarkPDFTwoCharts(b *testing.B) {
	r := testReport("ru", 120)
	r.Charts = []Chart{monthsChart(10), groupsChart(10)}
	benchtest.Peak(b, "pdf-KB", func() ([]byte, error) { return PDF(r) })
}

// BenchmarkXLSX writes a workbook of 10,000 rows and two chart sheets.
func BenchmarkXLSX(b *testing.B) {
	r := testReport("ru", 10_000)
	benchtest.Peak(b, "xlsx-KB", func() ([]byte, error) { return XLSX(r) })
}

// BenchmarkCSV writes 10,000 rows as CSV.
func BenchmarkCSV(b *testing.B) {
	r := testReport("ru", 10_000)
	benchtest.Peak(b, "csv-KB", func() ([]byte, error) { return CSV(r) })
}
