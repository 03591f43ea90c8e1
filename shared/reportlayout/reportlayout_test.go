package reportlayout

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/reportfile"
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
		r := File(context.Background(), Names{}, tt.res, tt.lang, time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		if diff := cmp.Diff(tt.subtitle, r.Subtitle); diff != "" {
			t.Errorf("%s %s subtitle mismatch (-want +got):\n%s", tt.res.Name, tt.lang, diff)
		}
	}
}

// TestFileNamesCodedGroups: a report grouped by a coded dimension names
// its rows in the file's language (it showed "information_check",
// "dealer_form", "-"); values without a name (a dealer) stay as they are.
func TestFileNamesCodedGroups(t *testing.T) {
	rows := func(dim analytics.Dim, keys ...string) *analytics.Result {
		res := &analytics.Result{Name: analytics.ReportStructure, From: "2026-01-01", To: "2026-12-31", GroupBy: dim,
			Measures: []string{"registered"}, Totals: map[string]float64{}}
		for _, k := range keys {
			res.Rows = append(res.Rows, analytics.Row{Key: k, Values: map[string]float64{"registered": 1}})
		}
		return res
	}
	tests := []struct {
		res  *analytics.Result
		lang string
		want []string
	}{
		{rows(analytics.DimStage, "information_check", "closed"), "ru", []string{"Проверка информации", "Закрыта"}},
		{rows(analytics.DimStage, "information_check", "closed"), "en", []string{"Information check", "Closed"}},
		{rows(analytics.DimChannel, "dealer_form", "qr"), "ru", []string{"Кабинет дилера", "QR-код"}},
		{rows(analytics.DimWarranty, "yes", analytics.NoValue), "ru", []string{"Да", "не указано"}},
		{rows(analytics.DimResolution, "partial_refund"), "en", []string{"Partial refund"}},
		{rows(analytics.DimDealer, "DLR-001", "new"), "ru", []string{"DLR-001", "new"}},
	}
	for _, tt := range tests {
		r := File(context.Background(), Names{}, tt.res, tt.lang, time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		b, err := reportfile.CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range records[1 : len(records)-1] { // the header and the totals aside
			got = append(got, rec[0])
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s %s rows mismatch (-want +got):\n%s", tt.res.GroupBy, tt.lang, diff)
		}
	}
}

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
		r := File(context.Background(), Names{}, res, lang, time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
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

type roster []assignment.Manager

func (r roster) Roster(context.Context) (*assignment.Roster, error) {
	return &assignment.Roster{Managers: r}, nil
}

// TestFileNamesManagers: a report by manager names each by the roster
// (it showed "manager-3"); one not in the roster, or without a name,
// keeps the ID; without a roster every row keeps it.
func TestFileNamesManagers(t *testing.T) {
	res := &analytics.Result{Name: analytics.ReportManagers, From: "2026-01-01", To: "2026-12-31", GroupBy: analytics.DimManager,
		Measures: []string{"registered"}, Totals: map[string]float64{}, Rows: []analytics.Row{
			{Key: "manager-1", Values: map[string]float64{"registered": 3}},
			{Key: "manager-2", Values: map[string]float64{"registered": 2}},
			{Key: "manager-gone", Values: map[string]float64{"registered": 1}},
		}}
	names := Names{Roster: roster{{ID: "manager-1", Name: "Анна Смирнова"}, {ID: "manager-2"}}}
	for _, tt := range []struct {
		names Names
		want  []string
	}{
		{names, []string{"Анна Смирнова", "manager-2", "manager-gone"}},
		{Names{}, []string{"manager-1", "manager-2", "manager-gone"}},
	} {
		r := File(context.Background(), tt.names, res, "ru", time.UTC, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		b, err := reportfile.CSV(r)
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range records[1 : 1+len(res.Rows)] {
			got = append(got, rec[0])
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("rows mismatch (-want +got):\n%s", diff)
		}
	}
}
