package reportmail

import (
	"time"
)

// The relative periods a mail reports on, reckoned from the day it fires
// (in the schedule's zone).
const (
	Yesterday    = "yesterday"
	LastWeek     = "last_week"
	LastMonth    = "last_month"
	MonthToDate  = "month_to_date"
	LastQuarter  = "last_quarter"
	periodLayout = "2006-01-02"
)

// Periods lists the relative periods.
var Periods = []string{Yesterday, LastWeek, LastMonth, MonthToDate, LastQuarter}

// Span is the days a mail reports on, both included.
type Span struct {
	// From and To are civil days (midnight UTC stands for the day).
	From, To time.Time
}

// Key names the span: "2026-12-07_2026-12-13". A subscription sends one
// mail per key.
func (s Span) Key() string { return s.From.Format(periodLayout) + "_" + s.To.Format(periodLayout) }

// Resolve returns the days period covers for a mail that fires at at, in
// loc:
//
//	yesterday      the day before
//	last_week      the whole ISO week (Monday to Sunday) before the one at falls in
//	last_month     the whole calendar month before
//	month_to_date  the month of yesterday, from its first day to yesterday (on the
//	               1st: the whole month before, whose mail it then completes)
//	last_quarter   the whole calendar quarter before
//
// An unknown period gives yesterday (Validate refuses it first).
func Resolve(period string, at time.Time, loc *time.Location) Span {
	if loc == nil {
		loc = time.UTC
	}
	d := civil(at.In(loc))
	switch period {
	case LastWeek:
		monday := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		return Span{From: monday.AddDate(0, 0, -7), To: monday.AddDate(0, 0, -1)}
	case LastMonth:
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		return Span{From: first.AddDate(0, -1, 0), To: first.AddDate(0, 0, -1)}
	case MonthToDate:
		y := d.AddDate(0, 0, -1)
		return Span{From: time.Date(y.Year(), y.Month(), 1, 0, 0, 0, 0, time.UTC), To: y}
	case LastQuarter:
		q := time.Date(d.Year(), d.Month()-(d.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
		return Span{From: q.AddDate(0, -3, 0), To: q.AddDate(0, 0, -1)}
	}
	y := d.AddDate(0, 0, -1)
	return Span{From: y, To: y}
}
