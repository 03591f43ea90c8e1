// Package analytics is what the claims say about the company, kept so that
// a report costs the same at a thousand claims and at ten million: counters
// and sums per day and per dimension value (aggregates), maintained from
// the claims' events and never recomputed from the claims when a report is
// read.
//
// The aggregates are state-based: for each claim, Facts computes its
// contribution (which counters of which day and dimension value it adds
// to) from the claim as it is now, in five parts (registered, responded,
// decided, finished, rated), and the consumer applies each part's
// difference from the one it applied last (kept with the claim, stamped
// with the claim's history head), each part in one transaction. So an event received twice counts once (the
// stamp is reached already), events out of order converge on the claim's
// last state, and a revised decision moves its counts from the old values
// to the new ones.
//
// Days are the company's (its time zone). Each dimension keeps the facts
// that make sense for it: the decision's dimensions count decided,
// finished and rated claims; the stage counts registered claims by the
// stage they are in now (the open claims' structure); the others count
// every fact. A claim with a dealer counts twice: for everybody and in
// its dealer's scope, which the dealer's reports read.
//
// It imports no AWS package.
//
// Layer: domain, consumer.
package analytics

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Dim is a dimension reports group by.
type Dim string

// The dimensions.
const (
	// DimAll has one value, "*": the totals.
	DimAll               Dim = "all"
	DimCategory          Dim = "category"
	DimType              Dim = "type"
	DimChannel           Dim = "channel"
	DimDealer            Dim = "dealer"
	DimCustomer          Dim = "customer"
	DimManager           Dim = "manager"
	DimStage             Dim = "stage"
	DimWarranty          Dim = "warranty"
	DimResolution        Dim = "resolution"
	DimFaultParty        Dim = "faultParty"
	DimCulpritDepartment Dim = "culpritDepartment"
	DimRootCause         Dim = "rootCause"
	DimModel             Dim = "model"
	DimSeries            Dim = "series"
	DimPriority          Dim = "priority"
	// DimArticle is the knowledge base article a decision was solved with
	// (NoValue: none): which articles close claims, and how fast.
	DimArticle Dim = "article"
)

// Dims lists the dimensions, DimAll first.
var Dims = []Dim{DimAll, DimCategory, DimType, DimChannel, DimDealer, DimCustomer, DimManager, DimStage, DimWarranty, DimResolution,
	DimFaultParty, DimCulpritDepartment, DimRootCause, DimModel, DimSeries, DimPriority, DimArticle}

// Internal reports whether a dimension shows the claims department's own
// findings (who or what was at fault, who worked the claim), which a
// dealer's reports do not group by; a pair is internal when either of its
// dimensions is.
func (d Dim) Internal() bool {
	if a, b, ok := d.Split(); ok {
		return a.Internal() || b.Internal()
	}
	return d == DimCulpritDepartment || d == DimRootCause || d == DimManager || d == DimArticle
}

// Valid reports whether d is a dimension (a pair is not: see Pairs).
func (d Dim) Valid() bool {
	for _, x := range Dims {
		if x == d {
			return true
		}
	}
	return false
}

// Pair is the dimension that counts by two dimensions at once: its cells'
// values are the first dimension's value, PairSep, the second's (a
// "series+type" cell counts one type of defect on one series).
func Pair(a, b Dim) Dim { return a + "+" + b }

// PairSep separates a pair cell's two values (a control character: no
// value of a claim carries one).
const PairSep = "\x1f"

// Split returns a pair's two dimensions; ok is false for a single
// dimension.
func (d Dim) Split() (a, b Dim, ok bool) {
	x, y, ok := strings.Cut(string(d), "+")
	return Dim(x), Dim(y), ok
}

// Pairs are the pairs of dimensions the aggregates keep, each a question
// the sources ask: which defects each model and each series shows (the
// quality engineer's, and the early warning's per series), the culprit
// departments by root cause (1C's "structure of claims by department and
// reason"), each manager's and each dealer's claims by type. Every pair
// costs cells on every event, so they are chosen, not all 105.
var Pairs = []Dim{
	Pair(DimModel, DimType), Pair(DimSeries, DimType), Pair(DimCulpritDepartment, DimRootCause),
	Pair(DimManager, DimType), Pair(DimDealer, DimType),
	// The knowledge base's ranking: how often each article solved claims
	// of each type.
	Pair(DimType, DimArticle),
}

// PairOf returns the kept pair of dimensions a and b, in either order;
// swapped is true when the pair keeps them as b, a. ok is false when no
// pair keeps them.
func PairOf(a, b Dim) (pair Dim, swapped, ok bool) {
	for _, p := range Pairs {
		switch p {
		case Pair(a, b):
			return p, false, true
		case Pair(b, a):
			return p, true, true
		}
	}
	return "", false, false
}

// The counters (measures' raw material) of an aggregate cell.
const (
	Registered = "reg"
	Closed     = "closed"
	Rejected   = "rejected"
	Withdrawn  = "withdrawn"
	// Granted and Refused count decisions (a reject is refused).
	Granted = "granted"
	Refused = "refused"
	// Cost sums the decisions' cost in kopecks (roubles only).
	Cost = "cost"
	// ProcN counts finished claims; ProcMinutes sums their processing time
	// in business minutes, ProcDays in calendar days (whole, rounded up).
	ProcN       = "procN"
	ProcMinutes = "procMin"
	ProcDays    = "procDays"
	// RespN counts first responses; RespMinutes sums them in business
	// minutes.
	RespN       = "respN"
	RespMinutes = "respMin"
	// Breached counts claims with an SLA breach, Escalated those escalated,
	// StatutoryMissed those finished after their statutory deadline.
	Breached        = "breached"
	Escalated       = "escalated"
	StatutoryMissed = "statMiss"
	// RateN counts ratings, RateSum sums their scores, RateHigh counts the
	// 4s and 5s.
	RateN    = "rateN"
	RateSum  = "rateSum"
	RateHigh = "rateHigh"
)

// HourBuckets are the upper bounds (business hours) of the processing time
// histogram, counters "ph0".."ph<n>" (the last: above them all); DayBuckets
// those of calendar days, "pd0".."pd<n>". Percentiles are read from them.
var (
	HourBuckets = []float64{4, 8, 16, 24, 40, 80, 120, 160, 240, 360, 480}
	DayBuckets  = []float64{1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90}
)

// HourBucket and DayBucket name the histogram counters.
func HourBucket(i int) string { return "ph" + itoa(i) }

// DayBucket names a calendar-days histogram counter.
func DayBucket(i int) string { return "pd" + itoa(i) }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func bucket(bounds []float64, v float64) int {
	for i, b := range bounds {
		if v <= b {
			return i
		}
	}
	return len(bounds)
}

// Scope is whose figures a cell holds: AllScope, or a dealer's.
const AllScope = "all"

// DealerScope is the scope of a dealer's own claims.
func DealerScope(dealerID string) string { return "dealer:" + dealerID }

// Totals is the Day of a cell that counts over all time (registered and
// finished only: the open claims at any moment are derived from them).
const Totals = "total"

// Cell is one counter set: a scope, a dimension value and a day
// (YYYY-MM-DD in the company's time zone), a month (YYYY-MM: the sum of
// its days, which reports over whole months read instead), or Totals.
type Cell struct {
	Scope string
	Dim   Dim
	Value string
	Day   string
}

// Counters are a cell's counters by name.
type Counters map[string]int64

// Contribution is what one claim adds to each cell.
type Contribution map[Cell]Counters

// Calendar measures business time (the company's working calendar).
type Calendar interface {
	Between(from, to time.Time) time.Duration
}

// NoValue stands for a dimension the claim has no value in (a QR claim's
// company, a claim without a series).
const NoValue = "-"

// values returns the claim's value in each dimension ("" when the
// dimension does not apply yet: the decision's before one is made).
func values(c *claims.Claim) map[Dim]string {
	or := func(v string) string {
		if strings.TrimSpace(v) == "" {
			return NoValue
		}
		return v
	}
	v := map[Dim]string{
		DimAll: "*", DimCategory: or(c.CategoryID), DimType: or(c.TypeID), DimChannel: or(string(c.Channel)),
		DimDealer: or(c.DealerID), DimCustomer: or(c.Claimant.Company), DimManager: or(c.Assignee), DimStage: or(string(c.Stage)),
		DimModel: or(c.Product.Model), DimSeries: or(c.Product.Series), DimPriority: or(string(c.Priority)),
	}
	if d := c.Decision; d != nil {
		v[DimWarranty] = map[bool]string{true: "yes", false: "no"}[d.WarrantyCase]
		v[DimResolution] = or(string(d.Resolution))
		v[DimFaultParty] = or(d.FaultParty)
		v[DimCulpritDepartment] = or(d.CulpritDepartment)
		v[DimRootCause] = or(d.RootCause)
		v[DimArticle] = or(d.SolvedWith)
	}
	for _, p := range Pairs {
		a, b, _ := p.Split()
		if v[a] != "" && v[b] != "" {
			v[p] = v[a] + PairSep + v[b]
		}
	}
	return v
}

type fact int

const (
	factRegistered fact = iota
	factFinished
	factDecided
	factResponded
	factRated
)

// keeps reports whether dimension d counts facts of kind f (a pair: the
// facts both its dimensions count).
func keeps(d Dim, f fact) bool {
	if a, b, ok := d.Split(); ok {
		return keeps(a, f) && keeps(b, f)
	}
	switch d {
	case DimStage:
		return f == factRegistered
	case DimWarranty, DimResolution, DimFaultParty, DimCulpritDepartment, DimRootCause, DimArticle:
		return f == factDecided || f == factFinished || f == factRated
	}
	return true
}

// Fact kinds: what a claim contributes comes in five independent parts,
// each applied in a transaction of its own (so that none touches more
// cells than one transaction holds, however far behind the aggregates are),
// and each part's cells of the pairs of dimensions in one more (PairKind).
const (
	FactRegistered = "registered"
	FactResponded  = "responded"
	FactDecided    = "decided"
	FactFinished   = "finished"
	FactRated      = "rated"
)

// PairKind is the fact kind of a kind's cells of the pairs of dimensions.
func PairKind(kind string) string { return kind + "+pairs" }

// FactKinds lists the fact kinds in the order they are applied.
var FactKinds = []string{FactRegistered, PairKind(FactRegistered), FactResponded, PairKind(FactResponded),
	FactDecided, PairKind(FactDecided), FactFinished, PairKind(FactFinished), FactRated, PairKind(FactRated)}

var factOf = map[string]fact{FactRegistered: factRegistered, FactResponded: factResponded, FactDecided: factDecided,
	FactFinished: factFinished, FactRated: factRated}

// Of returns what claim c, as it is now, contributes to the aggregates,
// its days in loc and its business times measured by cal: the sum of its
// Facts.
func Of(c *claims.Claim, cal Calendar, loc *time.Location) Contribution {
	out := Contribution{}
	for _, f := range Facts(c, cal, loc) {
		for cell, cs := range f {
			if out[cell] == nil {
				out[cell] = Counters{}
			}
			for k, n := range cs {
				out[cell][k] += n
			}
		}
	}
	return out
}

// Facts returns what claim c, as it is now, contributes to the aggregates,
// by fact kind (FactKinds; a kind the claim has no fact of is empty).
func Facts(c *claims.Claim, cal Calendar, loc *time.Location) map[string]Contribution {
	out := map[string]Contribution{}
	for _, k := range FactKinds {
		out[k] = Contribution{}
	}
	vals := values(c)
	scopes := []string{AllScope}
	if c.DealerID != "" {
		scopes = append(scopes, DealerScope(c.DealerID))
	}
	day := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }
	add := func(kind string, d string, counters Counters, totals bool) {
		f := factOf[kind]
		for _, scope := range scopes {
			for dim, v := range vals {
				if v == "" || !keeps(dim, f) {
					continue
				}
				into := out[kind]
				if _, _, pair := dim.Split(); pair {
					if dim == Pair(DimDealer, DimType) && scope != AllScope {
						continue // a dealer's scope has one dealer: its type cells say it
					}
					into = out[PairKind(kind)]
				}
				// The day, its month (what reports over whole months
				// read), and for registered and finished claims all time.
				days := []string{d, d[:7]}
				if totals && keeps(dim, factRegistered) {
					days = append(days, Totals)
				}
				for _, dd := range days {
					cell := Cell{Scope: scope, Dim: dim, Value: v, Day: dd}
					cs := into[cell]
					if cs == nil {
						cs = Counters{}
						into[cell] = cs
					}
					for k, n := range counters {
						if dd == Totals && k != Registered && !finishCounter(k) {
							continue
						}
						cs[k] += n
					}
				}
			}
		}
	}

	reg := Counters{Registered: 1}
	if s := c.SLA; s != nil {
		if len(s.Breached) > 0 {
			reg[Breached] = 1
		}
		if s.Level > 0 {
			reg[Escalated] = 1
		}
	}
	add(FactRegistered, day(c.CreatedAt), reg, true)

	if workflow.Terminal(c.Stage) {
		at := c.StageEnteredAt
		if c.SLA != nil && !c.SLA.ResolvedAt.IsZero() {
			at = c.SLA.ResolvedAt
		}
		fin := Counters{finishCounterOf(c.Stage): 1}
		if c.Stage == workflow.Closed || c.Stage == workflow.Rejected {
			minutes := int64(cal.Between(c.CreatedAt, at) / time.Minute)
			days := int64(math.Ceil(at.Sub(c.CreatedAt).Hours() / 24))
			fin[ProcN], fin[ProcMinutes], fin[ProcDays] = 1, minutes, days
			fin[HourBucket(bucket(HourBuckets, float64(minutes)/60))] = 1
			fin[DayBucket(bucket(DayBuckets, float64(days)))] = 1
			if c.SLA != nil && !c.SLA.StatutoryDue.IsZero() && at.After(c.SLA.StatutoryDue) {
				fin[StatutoryMissed] = 1
			}
		}
		add(FactFinished, day(at), fin, true)
	}

	if d := c.Decision; d != nil {
		dec := Counters{}
		if d.Resolution == claims.ResolutionReject {
			dec[Refused] = 1
		} else {
			dec[Granted] = 1
		}
		if d.Cost.Amount > 0 && (d.Cost.Currency == "RUB" || d.Cost.Currency == "") {
			dec[Cost] = d.Cost.Amount
		}
		at := d.DecidedAt
		if at.IsZero() {
			at = c.UpdatedAt
		}
		add(FactDecided, day(at), dec, false)
	}

	if s := c.SLA; s != nil && !s.RespondedAt.IsZero() {
		add(FactResponded, day(s.RespondedAt), Counters{RespN: 1, RespMinutes: int64(cal.Between(c.CreatedAt, s.RespondedAt) / time.Minute)}, false)
	}

	if r := c.Satisfaction; r != nil {
		rate := Counters{RateN: 1, RateSum: int64(r.Score)}
		if r.Score >= 4 {
			rate[RateHigh] = 1
		}
		add(FactRated, day(r.RatedAt), rate, false)
	}
	for _, f := range out {
		for cell, cs := range f {
			for k, n := range cs {
				if n == 0 {
					delete(cs, k)
				}
			}
			if len(cs) == 0 {
				delete(f, cell)
			}
		}
	}
	return out
}

func finishCounterOf(s claims.Stage) string {
	switch s {
	case workflow.Rejected:
		return Rejected
	case workflow.Withdrawn:
		return Withdrawn
	}
	return Closed
}

func finishCounter(k string) bool { return k == Closed || k == Rejected || k == Withdrawn }

// Delta returns what moves the aggregates from old to new: each cell's
// counters' differences, leaving out those that do not change.
func Delta(old, new Contribution) Contribution {
	out := Contribution{}
	put := func(cell Cell, k string, n int64) {
		if n == 0 {
			return
		}
		cs := out[cell]
		if cs == nil {
			cs = Counters{}
			out[cell] = cs
		}
		cs[k] += n
		if cs[k] == 0 {
			delete(cs, k)
			if len(cs) == 0 {
				delete(out, cell)
			}
		}
	}
	for cell, cs := range new {
		for k, n := range cs {
			put(cell, k, n)
		}
	}
	for cell, cs := range old {
		for k, n := range cs {
			put(cell, k, -n)
		}
	}
	return out
}

// Cells returns a contribution's cells in a stable order.
func (c Contribution) Cells() []Cell {
	out := make([]Cell, 0, len(c))
	for cell := range c {
		out = append(out, cell)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.Value < b.Value
	})
	return out
}
