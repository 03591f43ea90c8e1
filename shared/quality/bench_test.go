package quality

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The detection benchmark: synthetic claims of 500 series over two years.
//
//   - 250 series with shipments known: 20,000–100,000 units in service at
//     the start, 300–1,500 more shipped a day (in service 14 days later),
//     claims of the watched type at the type's base rate (0.05 per 1000
//     units in service a day, about 1.5 a month) times a factor of the
//     series (log-normal, σ 0.3): 1 to 15 claims a day, growing with the
//     units in service.
//   - 250 series without shipments, in models of 10 series: a steady 3 to
//     15 claims a day (log-uniform), the series of a model within ±30% of
//     the model's rate.
//
// Claims are Poisson. 20 series get a surge of 3x and 20 of 1.5x from a
// random day (the 121st to the 700th), until it is detected or for 60
// days. The charts see 84 days of history before the two years (the
// series are not new); after an alarm the series is left alone for 14 days
// (the alert is open, then closed by the engineer). A false alarm is an
// alarm of a series on a day it has no surge.
const (
	simSeries      = 500
	simDays        = 730
	simWarmup      = 84
	simSurges      = 20
	simMaxSurge    = 60
	simRefractory  = 14
	simTypeRate    = 0.05 // claims per 1000 units in service a day
	simShipLagDays = 14
)

type simResult struct {
	delays3, delays15 []int // detection delays in days (0: the surge's first day); misses as simMaxSurge
	missed3, missed15 int
	falseAlarms       int
	seriesYears       float64
}

func percentile(xs []int, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	// nearest rank
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(0, i)])
}

func poisson(r *rand.Rand, l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 60 {
		return max(0, int(math.Round(l+math.Sqrt(l)*r.NormFloat64())))
	}
	limit, p, k := math.Exp(-l), r.Float64(), 0
	for p > limit {
		p *= r.Float64()
		k++
	}
	return k
}

// simulate runs the benchmark's scenario with params p and a seed.
func simulate(p Params, seed uint64) simResult {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total := simWarmup + simDays
	type series struct {
		exposed  bool
		base     float64 // λ per day (no shipments) or rate factor (shipments)
		stock    float64 // units in service at day 0
		perDay   float64 // units shipped a day
		model    int
		surgeAt  int
		surgeMul float64
	}
	ss := make([]series, simSeries)
	models := map[int][]int{}
	for i := range ss {
		s := &ss[i]
		if i < simSeries/2 {
			s.exposed = true
			s.base = simTypeRate * math.Exp(0.3*r.NormFloat64())
			s.stock = 20000 + r.Float64()*80000
			s.perDay = 300 + r.Float64()*1200
			continue
		}
		s.model = (i - simSeries/2) / 10
		models[s.model] = append(models[s.model], i)
	}
	for m := range len(models) { // in order: the same seed, the same data
		idx := models[m]
		rate := math.Exp(math.Log(3) + r.Float64()*(math.Log(15)-math.Log(3)))
		for _, i := range idx {
			ss[i].base = rate * (0.7 + 0.6*r.Float64())
		}
	}
	perm := r.Perm(simSeries)
	for j, i := range perm[:2*simSurges] {
		ss[i].surgeAt = simWarmup + 120 + r.IntN(580)
		ss[i].surgeMul = 3
		if j >= simSurges {
			ss[i].surgeMul = 1.5
		}
	}
	inService := func(s *series, d int) float64 {
		return s.stock + s.perDay*float64(max(0, d-simShipLagDays))
	}
	// Counts first (the model pool needs every series' days).
	counts := make([][]int, simSeries)
	for i := range ss {
		s := &ss[i]
		counts[i] = make([]int, total)
		for d := range total {
			l := s.base
			if s.exposed {
				l = s.base * inService(s, d) / 1000
			}
			if s.surgeMul > 0 && d >= s.surgeAt && d < s.surgeAt+simMaxSurge {
				l *= s.surgeMul
			}
			counts[i][d] = poisson(r, l)
		}
	}
	var res simResult
	need := p.NeedDays()
	for i := range ss {
		s := &ss[i]
		quietUntil, detected := 0, false
		days := make([]Day, 0, need)
		for d := simWarmup; d < total; d++ {
			if d < quietUntil {
				continue
			}
			if s.surgeMul > 0 && d >= s.surgeAt+simMaxSurge {
				break // the surge's series is done once the surge ends
			}
			from := max(0, d-need+1)
			days = days[:0]
			for dd := from; dd <= d; dd++ {
				day := Day{Count: counts[i][dd]}
				if s.exposed {
					day.Exposure = inService(s, dd) / 1000
				}
				days = append(days, day)
			}
			h := History{Days: days, Exposed: s.exposed, BaseRate: simTypeRate}
			if !s.exposed {
				h.Pool = poolOf(counts, models[s.model], i, from, d-p.WindowDays+1)
			}
			if !p.Evaluate(h).Alarm {
				continue
			}
			if s.surgeMul > 0 && d >= s.surgeAt {
				delay := d - s.surgeAt
				if s.surgeMul == 3 {
					res.delays3 = append(res.delays3, delay)
				} else {
					res.delays15 = append(res.delays15, delay)
				}
				detected = true
				break
			}
			res.falseAlarms++
			quietUntil = d + simRefractory
		}
		if s.surgeMul > 0 && !detected {
			if s.surgeMul == 3 {
				res.missed3++
				res.delays3 = append(res.delays3, simMaxSurge)
			} else {
				res.missed15++
				res.delays15 = append(res.delays15, simMaxSurge)
			}
		}
		// Series-years watched without a surge.
		end := total
		if s.surgeMul > 0 {
			end = s.surgeAt
		}
		res.seriesYears += float64(end-simWarmup) / 365
	}
	return res
}

// poolOf is the mean daily count per series of the model's other series
// over [from, to).
func poolOf(counts [][]int, model []int, self, from, to int) float64 {
	if to <= from {
		return 0
	}
	var sum, n float64
	for _, j := range model {
		if j == self {
			continue
		}
		for d := from; d < to; d++ {
			sum += float64(counts[j][d])
		}
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / n / float64(to-from)
}

func (r simResult) falseAlarmsPer100() float64 { return float64(r.falseAlarms) / r.seriesYears * 100 }

func (r simResult) String() string {
	return fmt.Sprintf("3x surges: median %.0f days, p90 %.0f days (%d of %d missed in %d days)\n"+
		"1.5x surges: median %.0f days, p90 %.0f days (%d of %d missed in %d days)\n"+
		"false alarms: %d in %.0f series-years = %.2f per 100 series-years",
		percentile(r.delays3, 0.5), percentile(r.delays3, 0.9), r.missed3, len(r.delays3), simMaxSurge,
		percentile(r.delays15, 0.5), percentile(r.delays15, 0.9), r.missed15, len(r.delays15), simMaxSurge,
		r.falseAlarms, r.seriesYears, r.falseAlarmsPer100())
}

// simulateSeeds pools the results of seeds 1..n.
func simulateSeeds(p Params, n uint64) (simResult, []simResult) {
	var all simResult
	var each []simResult
	for seed := uint64(1); seed <= n; seed++ {
		res := simulate(p, seed)
		each = append(each, res)
		all.delays3 = append(all.delays3, res.delays3...)
		all.delays15 = append(all.delays15, res.delays15...)
		all.missed3 += res.missed3
		all.missed15 += res.missed15
		all.falseAlarms += res.falseAlarms
		all.seriesYears += res.seriesYears
	}
	return all, each
}

// BenchmarkDetection prints the detection delays and the false alarms of
// DefaultParams on the benchmark's data (make bench), for five seeds and
// pooled.
func BenchmarkDetection(b *testing.B) {
	for i := 0; i < b.N; i++ {
		all, each := simulateSeeds(DefaultParams, 5)
		for i, res := range each {
			b.Logf("seed %d:\n%s", i+1, res)
		}
		b.Logf("all five seeds (100 surges of each size):\n%s", all)
		b.ReportMetric(percentile(all.delays3, 0.5), "3x-median-days")
		b.ReportMetric(percentile(all.delays3, 0.9), "3x-p90-days")
		b.ReportMetric(percentile(all.delays15, 0.5), "1.5x-median-days")
		b.ReportMetric(percentile(all.delays15, 0.9), "1.5x-p90-days")
		b.ReportMetric(all.falseAlarmsPer100(), "false-alarms/100-series-years")
	}
}

// TestDetectionTargets holds DefaultParams to the targets on the
// benchmark's data (three seeds pooled: 60 surges of each size, about
// 2,900 series-years): 3x surges found in a median of ≤ 2 days, 1.5x in
// ≤ 14, at most 1 false alarm per 100 series-years.
func TestDetectionTargets(t *testing.T) {
	res, _ := simulateSeeds(DefaultParams, 3)
	t.Logf("\n%s", res)
	if m := percentile(res.delays3, 0.5); m > 2 {
		t.Errorf("3x surges: median delay %.0f days, want ≤ 2", m)
	}
	if m := percentile(res.delays15, 0.5); m > 14 {
		t.Errorf("1.5x surges: median delay %.0f days, want ≤ 14", m)
	}
	if fa := res.falseAlarmsPer100(); fa > 1 {
		t.Errorf("%.2f false alarms per 100 series-years, want ≤ 1", fa)
	}
}
