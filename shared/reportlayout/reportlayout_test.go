package reportlayout

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/reportfile"
)

// TestFileHeadingsNameTheUnitOnce: a report file's column of hours or
// days names its unit once ("Среднее время, дн.", not "..., дн., дн."),
// in both languages; charts keep the whole title.
func TestFileHeadingsNameTheUnitOnce(t *testing.T) {
	res := &analytics.Result{Name: analytics.ReportManagers, From: "2026-01-01", To: "2026-12-31", GroupBy: analytics.DimManager,
		Measures: []string{"registered", "avgDays", "medianHours", "firstResponseHours", "grantedShare", "cost"},
		Rows:     []analytics.Row{{Key: "manager-1", Values: map[string]float64{"registered": 2, "avgDays": 1.5, "medianHours": 4}}},
		Totals:   map[string]float64{"registered": 2}}
	for lang, want := range map[string][]string{
		"ru": {"Менеджер", "Зарегистрировано", "Среднее время, дн.", "Медиана, раб. ч", "Первый ответ, раб. ч",
			"Доля удовлетворённых, %", "Стоимость решений, руб."},
		"en": {"Manager", "Registered", "Average time, days", "Median, business h", "First response, business h",
			"Granted share, %", "Cost of decisions, RUB"},
	} {
		r := File(context.Background(), nil, res, lang, time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		b, err := reportfile.CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, records[0]); diff != "" {
			t.Errorf("%s: CSV header (-want +got):\n%s", lang, diff)
		}
		if got, want := r.Charts[0].Title, MeasureTitle("registered", lang); got != want {
			t.Errorf("%s: first chart %q, want %q", lang, got, want)
		}
	}
}
