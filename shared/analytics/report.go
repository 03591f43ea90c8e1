package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Stored is an aggregate cell as read back.
type Stored struct {
	Cell
	Counters Counters
}

// Reader reads aggregate cells.
type Reader interface {
	// Cells returns a scope's day cells of a dimension for the days
	// from..to (YYYY-MM-DD, both included).
	Cells(ctx context.Context, scope string, dim Dim, from, to string) ([]Stored, error)
	// MonthCells returns a scope's month cells of a dimension for the
	// months from..to (YYYY-MM, both included).
	MonthCells(ctx context.Context, scope string, dim Dim, from, to string) ([]Stored, error)
	// TotalCells returns a scope's all-time cells of a dimension.
	TotalCells(ctx context.Context, scope string, dim Dim) ([]Stored, error)
}

// The reports.
const (
	ReportDynamics     = "dynamics"
	ReportStructure    = "structure"
	ReportSatisfaction = "satisfaction"
	ReportManagers     = "managers"
	ReportProducts     = "products"
)

// Reports lists the named reports.
var Reports = []string{ReportDynamics, ReportStructure, ReportSatisfaction, ReportManagers, ReportProducts}

// Periods are what dynamics groups days into.
var Periods = []string{"day", "week", "month", "quarter", "year"}

// Measures lists every measure a report can show, in the order reports
// show them.
var Measures = []string{
	"registered", "resolved", "closed", "rejected", "withdrawn", "open",
	"granted", "refused", "grantedShare", "cost",
	"avgHours", "medianHours", "p90Hours", "avgDays", "medianDays", "p90Days", "firstResponseHours",
	"breached", "escalated", "statutoryMissed",
	"ratings", "avgScore", "highShare",
}

// defaults are each report's measures and grouping.
var defaults = map[string]struct {
	measures []string
	groupBy  Dim
}{
	ReportDynamics:     {[]string{"registered", "resolved", "withdrawn", "open"}, ""},
	ReportStructure:    {[]string{"registered", "resolved", "granted", "refused", "grantedShare", "avgDays", "cost"}, DimCategory},
	ReportSatisfaction: {[]string{"granted", "refused", "grantedShare", "ratings", "avgScore", "highShare"}, DimResolution},
	ReportManagers:     {[]string{"registered", "resolved", "open", "avgHours", "medianHours", "p90Hours", "firstResponseHours", "breached", "escalated"}, DimManager},
	ReportProducts:     {[]string{"registered", "resolved", "granted", "grantedShare", "statutoryMissed", "avgScore"}, DimModel},
}

// MaxSpan bounds a report's period.
const MaxSpan = 5 * 366 * 24 * time.Hour

// Query is what a report is asked for.
type Query struct {
	Name string
	// From and To are the first and last day (in the company's time
	// zone), both included.
	From, To time.Time
	// Period groups dynamics' days (day, week, month, quarter, year).
	Period string
	// GroupBy is the dimension the other reports group by; ThenBy, when
	// given, a second one (a pair the aggregates keep: Pairs), each row one
	// value of both.
	GroupBy Dim
	ThenBy  Dim
	// Filter limits dynamics to one value of a dimension.
	FilterDim   Dim
	FilterValue string
	// Scope is AllScope or a dealer's (DealerScope).
	Scope    string
	Measures []string
}

// Validate fills a query's defaults and checks it: Invalid naming the
// parameter (name, from, to, period, groupBy, measures, filter) otherwise.
func (q *Query) Validate() error {
	d, ok := defaults[q.Name]
	if !ok {
		return apperr.InvalidField("name", "one of "+strings.Join(Reports, ", "))
	}
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	switch {
	case q.From.IsZero():
		add("from", "required: the first day, YYYY-MM-DD")
	case q.To.IsZero():
		add("to", "required: the last day, YYYY-MM-DD")
	case q.To.Before(q.From):
		add("from", "after to")
	case q.To.Sub(q.From) > MaxSpan:
		add("to", "at most 5 years after from")
	}
	if q.Name == ReportDynamics {
		if q.Period == "" {
			q.Period = "month"
		}
		if !slices.Contains(Periods, q.Period) {
			add("period", "one of "+strings.Join(Periods, ", "))
		}
		if q.GroupBy != "" {
			add("groupBy", "dynamics groups by period; filter by a dimension instead")
		}
		if q.ThenBy != "" {
			add("thenBy", "dynamics groups by period; filter by a dimension instead")
		}
	} else {
		if q.Period != "" {
			add("period", "only dynamics groups by period")
		}
		if q.GroupBy == "" {
			q.GroupBy = d.groupBy
		}
		if !q.GroupBy.Valid() {
			add("groupBy", "one of "+dimNames())
		} else if q.ThenBy != "" {
			if _, _, ok := PairOf(q.GroupBy, q.ThenBy); !ok {
				add("thenBy", "the pairs of dimensions reports group by are "+pairNames())
			}
		}
		if q.FilterDim != "" {
			add("filter", "only dynamics takes a filter; group by the dimension instead")
		}
	}
	if q.FilterDim != "" && !q.FilterDim.Valid() {
		add("filter", "a dimension: one of "+dimNames())
	}
	if len(q.Measures) == 0 {
		q.Measures = d.measures
	}
	for _, m := range q.Measures {
		if !slices.Contains(Measures, m) {
			add("measures", fmt.Sprintf("%q is not a measure: one of %s", m, strings.Join(Measures, ", ")))
		}
	}
	if q.Scope == "" {
		q.Scope = AllScope
	}
	return apperr.Validation(f)
}

func pairNames() string {
	var names []string
	for _, p := range Pairs {
		a, b, _ := p.Split()
		names = append(names, string(a)+" with "+string(b))
	}
	return strings.Join(names, ", ") + " (either first)"
}

func dimNames() string {
	var names []string
	for _, d := range Dims {
		names = append(names, string(d))
	}
	return strings.Join(names, ", ")
}

// Row is a line of a report: a group (a dimension's value, or a period;
// with a second dimension, Then is its value) and its measures.
type Row struct {
	Key    string             `json:"key"`
	Then   string             `json:"then,omitempty"`
	Values map[string]float64 `json:"values"`
}

// Result is a report's figures.
type Result struct {
	Name     string   `json:"name"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Period   string   `json:"period,omitempty"`
	GroupBy  Dim      `json:"groupBy,omitempty"`
	ThenBy   Dim      `json:"thenBy,omitempty"`
	Filter   string   `json:"filter,omitempty"`
	Measures []string `json:"measures"`
	Rows     []Row    `json:"rows"`
	// Totals are the measures over every row.
	Totals map[string]float64 `json:"totals"`
	// CellsRead counts the aggregate items the report read.
	CellsRead int `json:"cellsRead"`
	// Alerts are the defect surge alerts not closed, which the products
	// report shows the claims department (filled by the edge).
	Alerts []AlertSummary `json:"alerts,omitempty"`
}

// AlertSummary is a defect surge alert as a report lists it.
type AlertSummary struct {
	ID       string    `json:"id"`
	Series   string    `json:"series"`
	Model    string    `json:"model"`
	TypeID   string    `json:"typeId"`
	Status   string    `json:"status"`
	Observed int       `json:"observed"`
	Expected float64   `json:"expected"`
	RaisedAt time.Time `json:"raisedAt"`
}

// Run reads the aggregates a query needs and computes its report: the
// items read depend on the days and groups, never on the number of claims.
// today is the last day with figures (open claims at a period's end are
// counted back from now).
func Run(ctx context.Context, r Reader, q Query, today time.Time) (*Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	from, to := q.From.Format("2006-01-02"), q.To.Format("2006-01-02")
	res := &Result{Name: q.Name, From: from, To: to, Measures: q.Measures, Rows: []Row{}}
	dim, swapped := q.GroupBy, false
	if q.Name == ReportDynamics {
		dim, res.Period = DimAll, q.Period
		if q.FilterDim != "" {
			dim, res.Filter = q.FilterDim, string(q.FilterDim)+"="+q.FilterValue
		}
	} else {
		res.GroupBy = dim
		if q.ThenBy != "" {
			res.ThenBy = q.ThenBy
			dim, swapped, _ = PairOf(q.GroupBy, q.ThenBy)
		}
	}
	needOpen := slices.Contains(q.Measures, "open")
	last := to
	if t := today.Format("2006-01-02"); needOpen && t > last {
		last = t
	}
	byDay := q.Name == ReportDynamics && (q.Period == "day" || q.Period == "week")
	// Calendar days, free of any zone: the days are the company's already.
	fromDay, err := time.Parse("2006-01-02", from)
	if err != nil {
		return nil, err
	}
	toDay, err := time.Parse("2006-01-02", to)
	if err != nil {
		return nil, err
	}
	cells, err := readSpan(ctx, r, q.Scope, dim, fromDay, toDay, byDay)
	if err != nil {
		return nil, err
	}
	// What happened after the report's last day, to count the open claims
	// at its periods' ends back from now.
	var later []Stored
	if last > to {
		lastDay, err := time.Parse("2006-01-02", last)
		if err != nil {
			return nil, err
		}
		if later, err = readSpan(ctx, r, q.Scope, dim, toDay.AddDate(0, 0, 1), lastDay, byDay); err != nil {
			return nil, err
		}
	}
	res.CellsRead = len(cells) + len(later)
	var totals []Stored
	if needOpen {
		if totals, err = r.TotalCells(ctx, q.Scope, dim); err != nil {
			return nil, err
		}
		res.CellsRead += len(totals)
	}
	all := Counters{}
	if q.Name == ReportDynamics {
		want := "*"
		if q.FilterDim != "" {
			want = q.FilterValue
		}
		byPeriod := map[string]Counters{}
		after := Counters{} // after the report's last day: to count open claims back
		for _, c := range later {
			if c.Value == want {
				addTo(after, c.Counters)
			}
		}
		for _, c := range cells {
			if c.Value != want {
				continue
			}
			p := PeriodOf(c.Day, q.Period)
			if byPeriod[p] == nil {
				byPeriod[p] = Counters{}
			}
			addTo(byPeriod[p], c.Counters)
			addTo(all, c.Counters)
		}
		keys := PeriodsBetween(q.From, q.To, q.Period)
		open := int64(0)
		if needOpen {
			for _, t := range totals {
				if t.Value == want {
					open += t.Counters[Registered] - finished(t.Counters)
				}
			}
			open -= after[Registered] - finished(after)
		}
		rows := make([]Row, len(keys))
		for i := len(keys) - 1; i >= 0; i-- {
			cs := byPeriod[keys[i]]
			rows[i] = Row{Key: keys[i], Values: measures(cs, q.Measures)}
			if needOpen {
				rows[i].Values["open"] = float64(open)
				open -= cs[Registered] - finished(cs)
			}
		}
		res.Rows = rows
		res.Totals = measures(all, q.Measures)
		if needOpen && len(rows) > 0 {
			res.Totals["open"] = rows[len(rows)-1].Values["open"]
		}
		return res, nil
	}
	byValue := map[string]Counters{}
	for _, c := range cells {
		if byValue[c.Value] == nil {
			byValue[c.Value] = Counters{}
		}
		addTo(byValue[c.Value], c.Counters)
		addTo(all, c.Counters)
	}
	openBy := map[string]int64{}
	var openAll int64
	for _, t := range totals {
		n := t.Counters[Registered] - finished(t.Counters)
		openBy[t.Value] += n
		openAll += n
		if _, ok := byValue[t.Value]; !ok && n != 0 {
			byValue[t.Value] = Counters{}
		}
	}
	keys := make([]string, 0, len(byValue))
	for k := range byValue {
		keys = append(keys, k)
	}
	// Most claims first; by two dimensions, as a reader scans them: the
	// first dimension's values by their claims, and within each the
	// second's the same way.
	split := func(k string) (string, string) {
		first, second, _ := strings.Cut(k, PairSep)
		if swapped {
			first, second = second, first
		}
		return first, second
	}
	group := map[string]int64{}
	for k, cs := range byValue {
		first, _ := split(k)
		group[first] += cs[Registered]
	}
	sort.Slice(keys, func(i, j int) bool {
		if q.ThenBy != "" {
			fi, si := split(keys[i])
			fj, sj := split(keys[j])
			if fi != fj {
				if group[fi] != group[fj] {
					return group[fi] > group[fj]
				}
				return fi < fj
			}
			if a, b := byValue[keys[i]][Registered], byValue[keys[j]][Registered]; a != b {
				return a > b
			}
			return si < sj
		}
		a, b := byValue[keys[i]][Registered], byValue[keys[j]][Registered]
		if a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		row := Row{Key: k, Values: measures(byValue[k], q.Measures)}
		if q.ThenBy != "" {
			row.Key, row.Then = split(k)
		}
		if needOpen {
			row.Values["open"] = float64(openBy[k])
		}
		res.Rows = append(res.Rows, row)
	}
	res.Totals = measures(all, q.Measures)
	if needOpen {
		res.Totals["open"] = float64(openAll)
	}
	return res, nil
}

func addTo(dst, src Counters) {
	for k, n := range src {
		dst[k] += n
	}
}

func finished(c Counters) int64 { return c[Closed] + c[Rejected] + c[Withdrawn] }

// measures computes the named measures from summed counters.
func measures(c Counters, names []string) map[string]float64 {
	out := map[string]float64{}
	ratio := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return round(float64(a)/float64(b), 4)
	}
	for _, m := range names {
		var v float64
		switch m {
		case "registered":
			v = float64(c[Registered])
		case "resolved":
			v = float64(c[Closed] + c[Rejected])
		case "closed":
			v = float64(c[Closed])
		case "rejected":
			v = float64(c[Rejected])
		case "withdrawn":
			v = float64(c[Withdrawn])
		case "open":
			v = 0 // filled by the caller
		case "granted":
			v = float64(c[Granted])
		case "refused":
			v = float64(c[Refused])
		case "grantedShare":
			v = ratio(c[Granted], c[Granted]+c[Refused])
		case "cost":
			v = round(float64(c[Cost])/100, 2)
		case "avgHours":
			if c[ProcN] > 0 {
				v = round(float64(c[ProcMinutes])/float64(c[ProcN])/60, 1)
			}
		case "medianHours":
			v = percentile(c, HourBuckets, HourBucket, 0.5)
		case "p90Hours":
			v = percentile(c, HourBuckets, HourBucket, 0.9)
		case "avgDays":
			if c[ProcN] > 0 {
				v = round(float64(c[ProcDays])/float64(c[ProcN]), 1)
			}
		case "medianDays":
			v = percentile(c, DayBuckets, DayBucket, 0.5)
		case "p90Days":
			v = percentile(c, DayBuckets, DayBucket, 0.9)
		case "firstResponseHours":
			if c[RespN] > 0 {
				v = round(float64(c[RespMinutes])/float64(c[RespN])/60, 1)
			}
		case "breached":
			v = float64(c[Breached])
		case "escalated":
			v = float64(c[Escalated])
		case "statutoryMissed":
			v = float64(c[StatutoryMissed])
		case "ratings":
			v = float64(c[RateN])
		case "avgScore":
			if c[RateN] > 0 {
				v = round(float64(c[RateSum])/float64(c[RateN]), 2)
			}
		case "highShare":
			v = ratio(c[RateHigh], c[RateN])
		}
		out[m] = v
	}
	return out
}

// percentile reads the p-th percentile from a histogram: the upper bound of
// the bucket it falls in, interpolated within the bucket (the last bucket,
// open-ended, reports its lower bound).
func percentile(c Counters, bounds []float64, name func(int) string, p float64) float64 {
	var n int64
	for i := 0; i <= len(bounds); i++ {
		n += c[name(i)]
	}
	if n == 0 {
		return 0
	}
	rank := p * float64(n)
	var cum int64
	for i := 0; i <= len(bounds); i++ {
		k := c[name(i)]
		if k == 0 {
			continue
		}
		if float64(cum+k) >= rank {
			if i == len(bounds) {
				return bounds[len(bounds)-1]
			}
			lo := 0.0
			if i > 0 {
				lo = bounds[i-1]
			}
			frac := (rank - float64(cum)) / float64(k)
			return round(lo+frac*(bounds[i]-lo), 1)
		}
		cum += k
	}
	return bounds[len(bounds)-1]
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// readSpan reads a scope's cells of a dimension for the days from..to:
// whole months from their month cells (a month's figures in one item per
// value), the days of a month begun or ended inside the span from day
// cells; byDay reads day cells only (weekly and daily figures).
func readSpan(ctx context.Context, r Reader, scope string, dim Dim, from, to time.Time, byDay bool) ([]Stored, error) {
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	if byDay {
		return r.Cells(ctx, scope, dim, day(from), day(to))
	}
	var out []Stored
	cur := from
	// The days before the first whole month.
	if cur.Day() != 1 {
		end := time.Date(cur.Year(), cur.Month()+1, 0, 0, 0, 0, 0, cur.Location())
		if end.After(to) {
			end = to
		}
		got, err := r.Cells(ctx, scope, dim, day(cur), day(end))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		cur = end.AddDate(0, 0, 1)
	}
	// Whole months.
	first := cur
	for !cur.After(to) {
		end := time.Date(cur.Year(), cur.Month()+1, 0, 0, 0, 0, 0, cur.Location())
		if end.After(to) {
			break
		}
		cur = end.AddDate(0, 0, 1)
	}
	if cur.After(first) {
		got, err := r.MonthCells(ctx, scope, dim, first.Format("2006-01"), cur.AddDate(0, 0, -1).Format("2006-01"))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	// The days of the last month begun.
	if !cur.After(to) {
		got, err := r.Cells(ctx, scope, dim, day(cur), day(to))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// PeriodOf returns the period a day (YYYY-MM-DD) falls in: the day itself,
// its ISO week (2026-W03), month (2026-01), quarter (2026-Q1) or year.
func PeriodOf(day, period string) string {
	switch period {
	case "week":
		t, err := time.Parse("2006-01-02", day)
		if err != nil {
			return day
		}
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case "month":
		return day[:7]
	case "quarter":
		m := int(day[5]-'0')*10 + int(day[6]-'0')
		return fmt.Sprintf("%s-Q%d", day[:4], (m-1)/3+1)
	case "year":
		return day[:4]
	}
	return day
}

// PeriodsBetween lists the periods from..to touch, in order.
func PeriodsBetween(from, to time.Time, period string) []string {
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		p := PeriodOf(d.Format("2006-01-02"), period)
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}
