package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

const (
	minYear = 1970
	maxYear = 2199
)

// bitset holds the values a field allows; 256 bits cover every field once
// years are stored relative to minYear.
type bitset [4]uint64

func (b *bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b *bitset) has(i int) bool { return i >= 0 && i < 256 && b[i>>6]&(1<<(i&63)) != 0 }

// next returns the smallest member that is >= i, or -1.
func (b *bitset) next(i int) int {
	if i < 0 {
		i = 0
	}
	for w := i >> 6; w < len(b); w++ {
		word := b[w]
		if w == i>>6 {
			word &= ^uint64(0) << (i & 63)
		}
		if word != 0 {
			return w<<6 + bits.TrailingZeros64(word)
		}
	}
	return -1
}

// cronField describes one of the six fields.
type cronField struct {
	name     string
	min, max int
	offset   int      // subtracted from a value to get its bit
	names    []string // names[i] is the value min+i
}

var (
	minutesField    = cronField{name: "minutes", min: 0, max: 59}
	hoursField      = cronField{name: "hours", min: 0, max: 23}
	dayOfMonthField = cronField{name: "day-of-month", min: 1, max: 31}
	monthField      = cronField{name: "month", min: 1, max: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dayOfWeekField = cronField{name: "day-of-week", min: 1, max: 7,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = cronField{name: "year", min: minYear, max: maxYear, offset: minYear}
)

// fieldError is a SyntaxError without the expression, which parseCron adds.
type fieldError struct {
	field, msg string
}

func (f cronField) errorf(format string, args ...any) *fieldError {
	return &fieldError{field: f.name, msg: fmt.Sprintf(format, args...)}
}

// value parses a single number or name (s is upper case).
func (f cronField) value(s string) (int, *fieldError) {
	for i, name := range f.names {
		if s == name {
			return f.min + i, nil
		}
	}
	switch {
	case s == "":
		return 0, f.errorf("missing value")
	case s == "?":
		return 0, f.errorf("? must stand alone, and only in day-of-month or day-of-week")
	case !isDigits(s):
		return 0, f.errorf("invalid value %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, f.errorf("value %s out of range %d-%d", s, f.min, f.max)
	}
	return n, nil
}

// parseSet parses a list of values, ranges, * and steps (s is upper case).
func (f cronField) parseSet(s string) (bitset, *fieldError) {
	var set bitset
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return set, f.errorf("empty item in list %q", s)
		}
		span, stepText, hasStep := strings.Cut(item, "/")
		lo, hi := f.min, f.max
		switch {
		case span == "*":
		case strings.Contains(span, "-"):
			a, b, _ := strings.Cut(span, "-")
			var err *fieldError
			if lo, err = f.value(a); err != nil {
				return set, err
			}
			if hi, err = f.value(b); err != nil {
				return set, err
			}
			if lo > hi {
				return set, f.errorf("range %s runs backwards", span)
			}
		default:
			var err *fieldError
			if lo, err = f.value(span); err != nil {
				return set, err
			}
			if !hasStep {
				hi = lo // "a/n" runs to the end of the field, a lone "a" does not
			}
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || !isDigits(stepText) || n < 1 || n > f.max-f.min+1 {
				return set, f.errorf("step %q must be an integer from 1 to %d", stepText, f.max-f.min+1)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set.set(v - f.offset)
		}
	}
	return set, nil
}

// dayKind says how a day-of-month or day-of-week field selects days.
type dayKind int

const (
	dayAny            dayKind = iota // ?: the other field decides
	dayList                          // values, ranges, steps
	dayLast                          // L in day-of-month
	dayLastWeekday                   // LW in day-of-month
	dayNearestWeekday                // nW in day-of-month
	dayLastOf                        // nL in day-of-week: the last such weekday
	dayNth                           // n#k in day-of-week: the k-th such weekday
)

type dayRule struct {
	kind dayKind
	set  bitset // dayList: days of the month 1-31 or weekdays 1-7 (1 = Sunday)
	n, k int    // dayNearestWeekday: n is the day; dayLastOf, dayNth: n is the weekday, k the week
}

func parseDayOfMonth(s string) (dayRule, *fieldError) {
	f := dayOfMonthField
	switch {
	case s == "?":
		return dayRule{kind: dayAny}, nil
	case s == "L":
		return dayRule{kind: dayLast}, nil
	case s == "LW":
		return dayRule{kind: dayLastWeekday}, nil
	case strings.Contains(s, "#"):
		return dayRule{}, f.errorf("# is only allowed in day-of-week")
	case strings.HasSuffix(s, "W"):
		day := strings.TrimSuffix(s, "W")
		if !isDigits(day) {
			return dayRule{}, f.errorf("W must follow a single day, like 15W, not %q", s)
		}
		n, err := f.value(day)
		if err != nil {
			return dayRule{}, err
		}
		return dayRule{kind: dayNearestWeekday, n: n}, nil
	case strings.ContainsAny(s, "?LW"):
		return dayRule{}, f.errorf("?, L, LW and W must stand alone in the field, not in %q", s)
	}
	set, err := f.parseSet(s)
	return dayRule{kind: dayList, set: set}, err
}

func parseDayOfWeek(s string) (dayRule, *fieldError) {
	f := dayOfWeekField
	switch {
	case s == "?":
		return dayRule{kind: dayAny}, nil
	case s == "L":
		// L alone is the last day of the week, Saturday.
		var set bitset
		set.set(7)
		return dayRule{kind: dayList, set: set}, nil
	case strings.Contains(strings.ReplaceAll(s, "WED", ""), "W"):
		return dayRule{}, f.errorf("W is only allowed in day-of-month")
	case strings.Contains(s, "#"):
		day, week, _ := strings.Cut(s, "#")
		if strings.ContainsAny(day, ",-*/L") || strings.ContainsAny(week, ",-*/#L") {
			return dayRule{}, f.errorf("# takes one weekday and one week number, like 3#2, and must stand alone, not %q", s)
		}
		n, err := f.value(day)
		if err != nil {
			return dayRule{}, err
		}
		k, convErr := strconv.Atoi(week)
		if convErr != nil || !isDigits(week) || k < 1 || k > 5 {
			return dayRule{}, f.errorf("week number %q after # must be 1-5", week)
		}
		return dayRule{kind: dayNth, n: n, k: k}, nil
	case strings.HasSuffix(s, "L"):
		day := strings.TrimSuffix(s, "L")
		if strings.ContainsAny(day, ",-*/?L") {
			return dayRule{}, f.errorf("L must follow a single weekday, like 5L, and stand alone, not %q", s)
		}
		n, err := f.value(day)
		if err != nil {
			return dayRule{}, err
		}
		return dayRule{kind: dayLastOf, n: n}, nil
	case strings.ContainsAny(s, "?L"):
		return dayRule{}, f.errorf("? and L must stand alone in the field, not in %q", s)
	}
	set, err := f.parseSet(s)
	return dayRule{kind: dayList, set: set}, err
}

// cronExpr is a parsed cron(...) expression, evaluated in loc.
type cronExpr struct {
	src                   string
	loc                   *time.Location
	minutes, hours, month bitset
	years                 bitset // bit y-minYear
	dayOfMonth, dayOfWeek dayRule
}

func parseCron(src, inner string, loc *time.Location) (Expression, error) {
	fields := strings.Fields(inner)
	if len(fields) != 6 {
		return nil, &SyntaxError{Expr: src, Msg: fmt.Sprintf("cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(fields))}
	}
	for i := range fields {
		fields[i] = strings.ToUpper(fields[i])
	}
	e := &cronExpr{src: src, loc: loc}
	var err *fieldError
	wrap := func(err *fieldError) error {
		return &SyntaxError{Expr: src, Field: err.field, Msg: err.msg}
	}
	if e.minutes, err = minutesField.parseSet(fields[0]); err != nil {
		return nil, wrap(err)
	}
	if e.hours, err = hoursField.parseSet(fields[1]); err != nil {
		return nil, wrap(err)
	}
	if e.dayOfMonth, err = parseDayOfMonth(fields[2]); err != nil {
		return nil, wrap(err)
	}
	if e.month, err = monthField.parseSet(fields[3]); err != nil {
		return nil, wrap(err)
	}
	if e.dayOfWeek, err = parseDayOfWeek(fields[4]); err != nil {
		return nil, wrap(err)
	}
	if e.years, err = yearField.parseSet(fields[5]); err != nil {
		return nil, wrap(err)
	}
	switch domAny, dowAny := e.dayOfMonth.kind == dayAny, e.dayOfWeek.kind == dayAny; {
	case domAny && dowAny:
		return nil, &SyntaxError{Expr: src, Field: "day-of-week", Msg: "day-of-month and day-of-week can't both be ?; use ? in exactly one of them"}
	case !domAny && !dowAny:
		return nil, &SyntaxError{Expr: src, Field: "day-of-week", Msg: "you can't specify both day-of-month and day-of-week; use ? in one of them"}
	}
	return e, nil
}

func (e *cronExpr) String() string { return e.src }

// Next steps field by field over wall-clock time in the expression's
// location: a year, month, day or hour that cannot match is skipped whole.
func (e *cronExpr) Next(t time.Time) time.Time {
	// Every wall-clock minute up to t's own resolves to t or earlier, so the
	// search starts at the minute after it.
	c := civilOf(t.In(e.loc)).addMinute()
	for {
		m, ok := e.nextCivil(c)
		if !ok {
			return time.Time{}
		}
		at, ok := resolve(m, 0, e.loc)
		switch {
		case !ok:
			// m falls in a spring-forward gap and is skipped, as EventBridge
			// Scheduler does. Every wall time up to the gap's end is in the
			// gap too, so the search resumes there in one step; an end part
			// way through a minute (old local mean times) leaves that minute
			// in the gap as well.
			c = civilOf(at)
			if at.Second() != 0 {
				c = c.addMinute()
			}
		case at.After(t):
			return at
		default:
			// After clocks are set back, wall times already passed once come
			// round again and resolve before t; skip past them.
			c = m.addMinute()
		}
	}
}

// nextCivil returns the first matching wall-clock minute at or after c.
func (e *cronExpr) nextCivil(c civil) (civil, bool) {
	y, mo, d, h, mi := c.year, c.month, c.day, c.hour, c.minute
	if y < minYear {
		y, mo, d, h, mi = minYear, 1, 1, 0, 0
	}
	for y <= maxYear {
		if !e.years.has(y - minYear) {
			n := e.years.next(y - minYear)
			if n < 0 {
				return civil{}, false
			}
			y, mo, d, h, mi = minYear+n, 1, 1, 0, 0
			continue
		}
		if !e.month.has(mo) {
			n := e.month.next(mo)
			if n < 0 {
				y, mo, d, h, mi = y+1, 1, 1, 0, 0
				continue
			}
			mo, d, h, mi = n, 1, 0, 0
		}
		days := e.days(y, mo)
		if n := days.next(d); n != d {
			if n < 0 {
				if mo++; mo > 12 {
					y, mo = y+1, 1
				}
				d, h, mi = 1, 0, 0
				continue
			}
			d, h, mi = n, 0, 0
		}
		if n := e.hours.next(h); n != h {
			if n < 0 {
				d, h, mi = d+1, 0, 0 // past the month's end, days.next fails and moves on
				continue
			}
			h, mi = n, 0
		}
		n := e.minutes.next(mi)
		if n < 0 {
			if h++; h > 23 {
				d, h = d+1, 0
			}
			mi = 0
			continue
		}
		return civil{y, mo, d, h, n}, true
	}
	return civil{}, false
}

// days returns the days of month mo of year y that match the day fields.
func (e *cronExpr) days(y, mo int) bitset {
	var out bitset
	last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	first := int(time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).Weekday()) // 0 = Sunday
	weekday := func(day int) int { return (first+day-1)%7 + 1 }                   // 1 = Sunday, as AWS counts
	switch r := e.dayOfMonth; r.kind {
	case dayList:
		for day := 1; day <= last; day++ {
			if r.set.has(day) {
				out.set(day)
			}
		}
		return out
	case dayLast:
		out.set(last)
		return out
	case dayLastWeekday:
		out.set(nearestWeekday(last, last, weekday(last)))
		return out
	case dayNearestWeekday:
		if r.n <= last {
			out.set(nearestWeekday(r.n, last, weekday(r.n)))
		}
		return out
	}
	switch r := e.dayOfWeek; r.kind {
	case dayList:
		for day := 1; day <= last; day++ {
			if r.set.has(weekday(day)) {
				out.set(day)
			}
		}
	case dayLastOf:
		out.set(last - (weekday(last)-r.n+7)%7)
	case dayNth:
		if day := 1 + (r.n-weekday(1)+7)%7 + 7*(r.k-1); day <= last {
			out.set(day)
		}
	}
	return out
}

// nearestWeekday returns the Monday-to-Friday day closest to day (whose
// weekday is wd, 1 = Sunday) without leaving the month.
func nearestWeekday(day, last, wd int) int {
	switch {
	case wd == 7 && day == 1: // Saturday the 1st: Monday the 3rd
		return 3
	case wd == 7:
		return day - 1
	case wd == 1 && day == last: // Sunday the last: Friday before
		return day - 2
	case wd == 1:
		return day + 1
	}
	return day
}
