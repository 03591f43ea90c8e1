package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// referenceDay reports whether the UTC day of t matches e's year, month and
// day fields, checked directly on the date instead of stepping as Next does.
// The day rules are written out again from their definitions, so the two
// must agree.
func referenceDay(e *cronExpr, t time.Time) bool {
	y, mo, d := t.Date()
	last := time.Date(y, mo+1, 0, 0, 0, 0, 0, time.UTC).Day()
	isWeekday := func(day int) bool {
		wd := time.Date(y, mo, day, 0, 0, 0, 0, time.UTC).Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	awsWeekday := int(t.Weekday()) + 1
	var dayOK bool
	switch r := e.dayOfMonth; r.kind {
	case dayList:
		dayOK = r.set.has(d)
	case dayLast:
		dayOK = d == last
	case dayLastWeekday:
		// A weekday with no weekday after it in the month.
		dayOK = isWeekday(d)
		for later := d + 1; later <= last; later++ {
			dayOK = dayOK && !isWeekday(later)
		}
	case dayNearestWeekday:
		// The closest weekday to n inside the month; a tie cannot happen
		// because n itself is a weekday or a weekend day with one side in
		// the weekend.
		best, bestDist := 0, 99
		for day := 1; day <= last; day++ {
			dist := day - r.n
			if dist < 0 {
				dist = -dist
			}
			if isWeekday(day) && dist < bestDist && r.n <= last {
				best, bestDist = day, dist
			}
		}
		dayOK = d == best
	case dayAny:
		switch r := e.dayOfWeek; r.kind {
		case dayList:
			dayOK = r.set.has(awsWeekday)
		case dayLastOf:
			dayOK = awsWeekday == r.n && d+7 > last
		case dayNth:
			dayOK = awsWeekday == r.n && (d-1)/7+1 == r.k
		}
	}
	return dayOK && e.years.has(y-minYear) && e.month.has(int(mo))
}

// TestNextAgainstReference compares Next, in UTC, with a minute-by-minute
// scan over three years.
func TestNextAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("scans three years minute by minute per expression: skipped under -short")
	}
	exprs := []string{
		"cron(0 10 * * ? *)",
		"cron(0/15 * * * ? *)",
		"cron(0/5 8-17 ? * MON-FRI *)",
		"cron(10-50/20 3,15 * * ? *)",
		"cron(0 9 ? * 2#1 *)",
		"cron(30 23 ? * 7#5 *)",
		"cron(0 0 L * ? *)",
		"cron(0 12 LW * ? *)",
		"cron(0 12 1W * ? *)",
		"cron(0 12 15W * ? *)",
		"cron(0 12 30W * ? *)",
		"cron(0 12 31W * ? *)",
		"cron(59 23 ? * 1L *)",
		"cron(0 6 ? * L *)",
		"cron(0 0 29 2 ? *)",
		"cron(0 0 1/10 */2 ? 2027)",
		"cron(5 4 ? JUN-AUG SUN,WED 2026-2027)",
		"cron(0 0-23/7 31 * ? *)",
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, expr := range exprs {
		t.Run(expr, func(t *testing.T) {
			parsed, err := Parse(expr, nil)
			if err != nil {
				t.Fatalf("Parse(%q): %v", expr, err)
			}
			e := parsed.(*cronExpr)
			var want []time.Time
			for day := from; day.Before(until); day = day.AddDate(0, 0, 1) {
				if !referenceDay(e, day) {
					continue
				}
				for m := day; m.Before(day.AddDate(0, 0, 1)); m = m.Add(time.Minute) {
					if m.After(from) && e.hours.has(m.Hour()) && e.minutes.has(m.Minute()) {
						want = append(want, m)
					}
				}
			}
			var got []time.Time
			for next := e.Next(from); !next.IsZero() && next.Before(until); next = e.Next(next) {
				got = append(got, next)
			}
			if len(want) == 0 {
				t.Fatal("the reference found no fire times; the case tests nothing")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Next mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
