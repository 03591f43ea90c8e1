package quality

import (
	"math"
)

// The detector: two one-sided Poisson CUSUM charts on the daily claim
// counts of one (series, claim type), one tuned to a sudden tripling of the
// rate and one to a slow rise by half.
//
// For each day i of the charted window the expected count is λ0(i) (see
// below) and the chart of a rate ratio k adds the log-likelihood ratio of
// "the rate is k·λ0" against "the rate is λ0" for the day's count x(i):
//
//	S(i) = max(0, S(i-1) + x(i)·ln k − (k−1)·λ0(i)),   S = 0 before the window
//
// and alarms when S exceeds the chart's threshold h. The charts start from
// zero at the window's first day (the window is the last WindowDays days,
// today included), so the statistic is a pure function of the counts read:
// nothing is kept between evaluations. Today's count is the count so far
// with the whole day's drift subtracted: a count can only grow during the
// day, so evaluating after every claim alarms no more often than evaluating
// once at midnight would, and a burst alarms the day it happens.
//
// The expected count λ0 is estimated from the BaselineDays days before the
// window (so that a surge does not raise its own baseline while the charts
// watch it), never from days before the series was known:
//
//   - With shipments (units in service known): a rate per 1000 units in
//     service per day, r = (Σx + PriorClaims) / (ΣE + PriorClaims/BaseRate)
//     over the baseline (E: thousands of units in service that day), the
//     series' own rate shrunk toward the type's base rate as a gamma prior
//     worth PriorClaims claims; λ0(i) = r·E(i). A young series starts at the
//     base rate and earns its own with its claims; a series whose shipments
//     grow gets a growing λ0.
//   - Without: the series' own mean daily count over the baseline days it
//     was known, shrunk toward the pool (the mean per series of the model's
//     other series) with the weight of PriorDays days:
//     λ0 = (Σx + PriorDays·pool) / (B + PriorDays); without other series,
//     toward MinDaily for the days B lacks to PriorDays.
//
// λ0 is never below MinDaily: a type that never happened must still see a
// handful of claims in a day before it alarms.
//
// DefaultParams were tuned with the benchmark of bench_test.go
// (BenchmarkDetection, in make bench: 500 series over two years at 1 to 15
// claims a day, 20 surges of 3x and 20 of 1.5x, five seeds) to detect a
// tripling in a median of ≤ 2 days and a rise by half in ≤ 14 days at
// ≤ 1 false alarm per 100 series-years. Measured: 3x median 0 days (found
// the day it starts), p90 1; 1.5x median 8 days, p90 31 (a few on the
// quietest series not within 60 days); 0.52 false alarms per 100
// series-years. At fewer than about 2 claims a day no detector meets the
// 3x target at that false-alarm rate: the counts are too small to tell.

// Chart is one CUSUM chart: the rate ratio it is tuned to and its
// threshold.
type Chart struct {
	// Ratio is the rate ratio (k > 1) the chart is most sensitive to.
	Ratio float64
	// Threshold is h: the statistic above which the chart alarms.
	Threshold float64
}

// Params are the detector's parameters.
type Params struct {
	// Fast is tuned to sudden surges, Slow to gradual ones.
	Fast, Slow Chart
	// WindowDays is how many days (today included) the charts run over.
	WindowDays int
	// BaselineDays is how many days before the window estimate λ0.
	BaselineDays int
	// PriorDays weighs the pool's rate against a series' own baseline
	// (without shipments), in days of data.
	PriorDays float64
	// PriorClaims weighs the type's base rate against a series' own rate
	// (with shipments), in claims.
	PriorClaims float64
	// MinDaily is the least expected daily count.
	MinDaily float64
}

// DefaultParams are the parameters the benchmark tuned.
var DefaultParams = Params{
	Fast:         Chart{Ratio: 3, Threshold: 10},
	Slow:         Chart{Ratio: 1.5, Threshold: 13},
	WindowDays:   42,
	BaselineDays: 56,
	PriorDays:    14,
	PriorClaims:  10,
	MinDaily:     0.25,
}

// Day is one day of a (series, type): its claim count and the thousands
// of units of the series in service (0 when unknown).
type Day struct {
	Count    int
	Exposure float64
}

// History is what the detector reads for one (series, type): its days,
// oldest first, the last one today (so far).
type History struct {
	Days []Day
	// Known is the index in Days of the first day the series was known
	// (its first claim of any type or its first shipment): earlier days
	// are not its baseline. 0 when known for longer.
	Known int
	// Exposed reports whether units in service are known (shipments).
	Exposed bool
	// BaseRate is the type's expected claims per 1000 units in service
	// per day (with shipments).
	BaseRate float64
	// Pool is the mean daily count per series of the model's other series
	// (without shipments); 0 when unknown.
	Pool float64
}

// Finding is the detector's verdict on a History.
type Finding struct {
	// Alarm reports whether a chart crossed its threshold today.
	Alarm bool `json:"alarm"`
	// Chart is the ratio of the chart that alarmed (or the higher one).
	Ratio float64 `json:"ratio"`
	// Statistic is that chart's statistic today, Threshold its threshold.
	Statistic float64 `json:"statistic"`
	Threshold float64 `json:"threshold"`
	// Observed and Expected are the claims counted and expected over the
	// chart's current run (the days since its statistic was last zero),
	// Days its length in days, today included.
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
	Days     int     `json:"days"`
	// DailyExpected is λ0 today.
	DailyExpected float64 `json:"dailyExpected"`
}

// NeedDays is how many days (today included) Evaluate reads.
func (p Params) NeedDays() int { return p.WindowDays + p.BaselineDays }

// Evaluate runs the charts over h and returns what they find today. A
// History shorter than NeedDays is read as having no earlier days.
func (p Params) Evaluate(h History) Finding {
	n := len(h.Days)
	if n == 0 {
		return Finding{}
	}
	win := min(p.WindowDays, n)
	start := n - win
	lambda := p.expected(h, start)
	fast := p.run(p.Fast, h.Days[start:], lambda)
	slow := p.run(p.Slow, h.Days[start:], lambda)
	f := fast
	if !fast.Alarm && (slow.Alarm || slow.Statistic/slow.Threshold > fast.Statistic/fast.Threshold) {
		f = slow
	}
	f.DailyExpected = lambda(n - start - 1)
	return f
}

// expected returns λ0 for the window's days (by index from its start).
func (p Params) expected(h History, start int) func(i int) float64 {
	from := max(0, start-p.BaselineDays, h.Known)
	var sum, exposure float64
	for _, d := range h.Days[from:max(from, start)] {
		sum += float64(d.Count)
		exposure += d.Exposure
	}
	if h.Exposed && h.BaseRate > 0 {
		rate := (sum + p.PriorClaims) / (exposure + p.PriorClaims/h.BaseRate)
		return func(i int) float64 { return math.Max(p.MinDaily, rate*h.Days[start+i].Exposure) }
	}
	days := float64(max(0, start-from))
	pool, weight := h.Pool, p.PriorDays
	if pool <= 0 {
		// Nothing to pool with: MinDaily stands in for the days the
		// series lacks to PriorDays.
		pool, weight = p.MinDaily, math.Max(0, p.PriorDays-days)
	}
	mean := p.MinDaily
	if days+weight > 0 {
		mean = math.Max(p.MinDaily, (sum+weight*pool)/(days+weight))
	}
	return func(int) float64 { return mean }
}

// run is one chart over the window's days.
func (p Params) run(c Chart, days []Day, lambda func(int) float64) Finding {
	lnk := math.Log(c.Ratio)
	var s, expected float64
	observed, runStart := 0, 0
	for i, d := range days {
		l := lambda(i)
		s += float64(d.Count)*lnk - (c.Ratio-1)*l
		if s <= 0 {
			s, observed, expected, runStart = 0, 0, 0, i+1
			continue
		}
		observed += d.Count
		expected += l
	}
	return Finding{
		Alarm: s > c.Threshold, Ratio: c.Ratio, Statistic: s, Threshold: c.Threshold,
		Observed: observed, Expected: expected, Days: len(days) - runStart,
	}
}
