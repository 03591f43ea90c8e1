package sla

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	// The calendar names its zone; embedding the zone database keeps it
	// loadable on hosts without one (Lambda's provided runtimes).
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

// ShortDayCut is how much earlier a short (pre-holiday) day ends: one hour,
// as Labour Code art. 95 has it.
const ShortDayCut = time.Hour

// DateLayout is how the calendar writes dates.
const DateLayout = "2006-01-02"

// Calendar is the company's working calendar: the time zone, the working
// hours of a day, the weekly days off and, per year, the production
// calendar's holidays, transferred working days and short days.
//
// A year missing from Years falls back to the weekly pattern alone: every
// day that is not a weekend day is a full working day. Keep the current and
// the next year in the file.
//
// Load one with ParseCalendar, or fill the fields and call Validate: the
// methods need the state Validate builds and panic without it. After
// Validate a Calendar is read-only and safe for concurrent use.
type Calendar struct {
	// TimeZone is an IANA zone name, e.g. "Europe/Moscow".
	TimeZone     string       `json:"timeZone"`
	WorkingHours WorkingHours `json:"workingHours"`
	// Weekend lists the weekly days off by English name in lower case
	// ("saturday"); when omitted, Saturday and Sunday. An empty list means
	// no weekly days off.
	Weekend []string `json:"weekend,omitempty"`
	Years   []Year   `json:"years"`

	loc        *time.Location
	open, shut int // minutes after local midnight
	weekend    [7]bool
	listed     map[int]bool
	days       map[int64]dayKind // by civil day number (days since 1970-01-01)
}

// WorkingHours is when a full working day starts and ends, as "HH:MM" local
// time ("24:00" allowed as the end).
type WorkingHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Year is one year of the production calendar.
type Year struct {
	Year int `json:"year"`
	// Preliminary marks a year whose transfers are not yet published.
	Preliminary bool   `json:"preliminary,omitempty"`
	Note        string `json:"note,omitempty"`
	// Holidays are non-working dates: public holidays and days off
	// transferred onto weekdays. Weekend dates may be listed too.
	Holidays []string `json:"holidays"`
	// WorkingDays are weekend dates made working by a transfer.
	WorkingDays []string `json:"workingDays,omitempty"`
	// ShortDays are working dates that end ShortDayCut earlier.
	ShortDays []string `json:"shortDays,omitempty"`
}

type dayKind uint8

const (
	dayOff dayKind = iota + 1
	dayWorking
	dayShort
)

// ParseCalendar decodes a calendar from JSON and validates it. It returns
// apperr.Invalid naming the failing fields, or a wrapped decoding error.
func ParseCalendar(b []byte) (*Calendar, error) {
	var c Calendar
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode calendar: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the calendar and prepares it for use: a known time zone,
// working hours that start before they end (short days too), known and not
// all weekend days, years listed once, and dates that are real, in their
// year, listed once, working days only on weekends, short days only on
// working days. It returns apperr.Invalid naming every failing field
// ("years[1].shortDays[0]").
func (c *Calendar) Validate() error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }

	loc, err := time.LoadLocation(c.TimeZone)
	if c.TimeZone == "" || err != nil {
		add("timeZone", "an IANA time zone name, e.g. Europe/Moscow")
	}
	open, okOpen := parseClock(c.WorkingHours.Start)
	okOpen = okOpen && open < 24*60
	if !okOpen {
		add("workingHours.start", "a time as HH:MM")
	}
	shut, okShut := parseClock(c.WorkingHours.End)
	if !okShut {
		add("workingHours.end", "a time as HH:MM (24:00 for midnight)")
	}
	if okOpen && okShut && shut-open <= int(ShortDayCut/time.Minute) {
		add("workingHours.end", "must be more than an hour after the start, so that a short day has working time")
	}

	var weekend [7]bool
	names := c.Weekend
	if names == nil {
		names = []string{"saturday", "sunday"}
	}
	for i, n := range names {
		d, ok := weekdayByName(n)
		switch {
		case !ok:
			add(fmt.Sprintf("weekend[%d]", i), "a day name in lower case, e.g. saturday")
		case weekend[d]:
			add(fmt.Sprintf("weekend[%d]", i), "listed twice")
		}
		if ok {
			weekend[d] = true
		}
	}
	if !slices.Contains(weekend[:], false) {
		add("weekend", "at least one day of the week must be working")
	}

	listed := map[int]bool{}
	days := map[int64]dayKind{}
	for i, y := range c.Years {
		c.Years[i].Note = claims.CleanText(y.Note)
		p := fmt.Sprintf("years[%d]", i)
		if y.Year < 1970 || y.Year > 9999 {
			add(p+".year", "a year from 1970 to 9999")
			continue
		}
		if listed[y.Year] {
			add(p+".year", fmt.Sprintf("%d is listed twice", y.Year))
			continue
		}
		listed[y.Year] = true
		// Holidays first, then transferred working days, then short days,
		// so that each list is checked against the ones before it.
		lists := []struct {
			name  string
			dates []string
			kind  dayKind
		}{{"holidays", y.Holidays, dayOff}, {"workingDays", y.WorkingDays, dayWorking}, {"shortDays", y.ShortDays, dayShort}}
		for _, l := range lists {
			for j, s := range l.dates {
				field := fmt.Sprintf("%s.%s[%d]", p, l.name, j)
				t, err := time.Parse(DateLayout, s)
				if err != nil {
					add(field, "a date as YYYY-MM-DD")
					continue
				}
				if t.Year() != y.Year {
					add(field, fmt.Sprintf("not in %d", y.Year))
					continue
				}
				n := dayNumber(t)
				prev, seen := days[n]
				switch {
				case seen && prev == l.kind:
					add(field, "listed twice")
				case l.kind == dayShort && prev == dayWorking:
					// A transferred working Saturday before a holiday.
					days[n] = dayShort
				case seen:
					add(field, "also listed as "+kindName(prev))
				case l.kind == dayWorking && !weekend[t.Weekday()]:
					add(field, "not a weekend day; only weekend dates can be made working")
				case l.kind == dayShort && weekend[t.Weekday()]:
					add(field, "a weekend day; list it under workingDays too")
				default:
					days[n] = l.kind
				}
			}
		}
	}
	if len(f) > 0 {
		return apperr.Validation(f)
	}
	c.loc, c.open, c.shut, c.weekend, c.listed, c.days = loc, open, shut, weekend, listed, days
	return nil
}

func kindName(k dayKind) string {
	switch k {
	case dayOff:
		return "a holiday"
	case dayWorking:
		return "a working day"
	}
	return "a short day"
}

// parseClock parses "HH:MM" into minutes after midnight; "24:00" is 1440.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, false
	}
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if errH != nil || errM != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func weekdayByName(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == s {
			return d, true
		}
	}
	return 0, false
}

// A civil day is carried as midnight UTC of that date: UTC days are 24
// hours long, so stepping by 24h is exact, while the working interval of
// the day is built in the calendar's zone with time.Date.

func dayNumber(day time.Time) int64 { return day.Unix() / 86400 }

// localDay returns the civil date of t in the calendar's zone.
func (c *Calendar) localDay(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Calendar) kind(day time.Time) dayKind {
	if k, ok := c.days[dayNumber(day)]; ok {
		return k
	}
	if c.weekend[day.Weekday()] {
		return dayOff
	}
	return dayWorking
}

// interval returns the working time of a civil day as instants, and false
// for a day off.
func (c *Calendar) interval(day time.Time) (open, shut time.Time, ok bool) {
	k := c.kind(day)
	if k == dayOff {
		return time.Time{}, time.Time{}, false
	}
	end := c.shut
	if k == dayShort {
		end -= int(ShortDayCut / time.Minute)
	}
	y, m, d := day.Date()
	// time.Date resolves the local clock through the zone's rules, so a day
	// with a DST change inside the working hours is as long as it really is.
	open = time.Date(y, m, d, c.open/60, c.open%60, 0, 0, c.loc)
	shut = time.Date(y, m, d, end/60, end%60, 0, 0, c.loc)
	if !shut.After(open) {
		return time.Time{}, time.Time{}, false
	}
	return open, shut, true
}

func (c *Calendar) ready() {
	if c.loc == nil {
		panic("sla: Calendar used before Validate")
	}
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location {
	c.ready()
	return c.loc
}

// IsWorkingDay reports whether the date of t in the calendar's time zone is
// a working day (a short day is one).
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	c.ready()
	return c.kind(c.localDay(t)) != dayOff
}

// Add returns the instant d of business time after from, in UTC. When from
// is outside working time, counting starts at the next working minute; a
// due time that uses up a day's working time exactly is that day's end
// (18:00), not the next morning. A d of zero or less returns from. It steps
// by working days, so its cost grows with the number of days spanned.
func (c *Calendar) Add(from time.Time, d time.Duration) time.Time {
	c.ready()
	if d <= 0 {
		return from.UTC()
	}
	for day := c.localDay(from); ; day = day.Add(24 * time.Hour) {
		open, shut, ok := c.interval(day)
		if !ok || !from.Before(shut) {
			continue
		}
		p := from
		if p.Before(open) {
			p = open
		}
		left := shut.Sub(p)
		if d <= left {
			return p.Add(d).UTC()
		}
		d -= left
	}
}

// Between returns the business time from from to to: the working time
// inside [from, to), and 0 when to is not after from.
func (c *Calendar) Between(from, to time.Time) time.Duration {
	c.ready()
	if !to.After(from) {
		return 0
	}
	var sum time.Duration
	last := c.localDay(to)
	for day := c.localDay(from); !day.After(last); day = day.Add(24 * time.Hour) {
		open, shut, ok := c.interval(day)
		if !ok {
			continue
		}
		if open.Before(from) {
			open = from
		}
		if shut.After(to) {
			shut = to
		}
		if shut.After(open) {
			sum += shut.Sub(open)
		}
	}
	return sum
}

// back returns the latest instant t not after to with Between(t, to) == d,
// in UTC; d of zero or less returns to. It is Add backwards: the engine
// finds a warning threshold with it.
func (c *Calendar) back(to time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return to.UTC()
	}
	for day := c.localDay(to); ; day = day.Add(-24 * time.Hour) {
		open, shut, ok := c.interval(day)
		if !ok || !to.After(open) {
			continue
		}
		p := to
		if p.After(shut) {
			p = shut
		}
		left := p.Sub(open)
		if d <= left {
			return p.Add(-d).UTC()
		}
		d -= left
	}
}
