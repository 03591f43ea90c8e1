package reportmail

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// The frequencies of a schedule.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
)

// Frequencies lists the frequencies.
var Frequencies = []string{Daily, Weekly, Monthly}

// Weekdays are the names a weekly schedule takes, Monday first.
var Weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// Schedule is when a subscription's mail goes out: every day, every week on
// a weekday or every month on a day (a month shorter than Day fires on its
// last day), at a time of day in a time zone (the company's when empty),
// from StartsOn on.
//
// A time that a daylight-saving change skips on a day (02:30 on the spring
// change in Berlin) fires once that day at the time the zone's clocks show
// then (03:30); a time that the autumn change repeats fires once.
type Schedule struct {
	Frequency string `json:"frequency"`
	// Weekday is a weekly schedule's day: monday ... sunday.
	Weekday string `json:"weekday,omitempty"`
	// Day is a monthly schedule's day of the month, 1..31.
	Day int `json:"day,omitempty"`
	// At is the time of day, HH:MM (24 hours).
	At string `json:"at"`
	// TimeZone is an IANA zone ("Europe/Moscow"); "" is the company's.
	TimeZone string `json:"timeZone,omitempty"`
	// StartsOn is the first day it may fire (YYYY-MM-DD, in its zone);
	// "" is today.
	StartsOn string `json:"startsOn,omitempty"`
}

var atPattern = lazyre.New(`^([01]\d|2[0-3]):[0-5]\d$`)

// Location returns the schedule's zone: its own, else company. An unknown
// zone gives company (Validate refuses it first).
func (s Schedule) Location(company *time.Location) *time.Location {
	if s.TimeZone != "" {
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			return loc
		}
	}
	if company == nil {
		return time.UTC
	}
	return company
}

// Validate checks a schedule as of now: Invalid naming each field at fault
// under prefix ("schedule.frequency", "schedule.weekday", "schedule.day",
// "schedule.at", "schedule.timeZone", "schedule.startsOn": a day in the
// past), and "schedule" for a schedule that would never fire.
func (s Schedule) Validate(prefix string, now time.Time, company *time.Location) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: prefix + field, Message: msg}) }
	switch s.Frequency {
	case Daily:
		if s.Weekday != "" {
			add(".weekday", "only a weekly schedule takes a weekday")
		}
		if s.Day != 0 {
			add(".day", "only a monthly schedule takes a day")
		}
	case Weekly:
		if !slices.Contains(Weekdays, s.Weekday) {
			add(".weekday", "required for a weekly schedule: one of "+strings.Join(Weekdays, ", "))
		}
		if s.Day != 0 {
			add(".day", "only a monthly schedule takes a day")
		}
	case Monthly:
		if s.Day < 1 || s.Day > 31 {
			add(".day", "required for a monthly schedule: a day of the month, 1..31 (a shorter month fires on its last day)")
		}
		if s.Weekday != "" {
			add(".weekday", "only a weekly schedule takes a weekday")
		}
	default:
		add(".frequency", "one of "+strings.Join(Frequencies, ", "))
	}
	if !atPattern.MatchString(s.At) {
		add(".at", "a time of day as HH:MM, 00:00..23:59")
	}
	loc := company
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil || strings.EqualFold(s.TimeZone, "local") {
			add(".timeZone", fmt.Sprintf("%q is not an IANA time zone (e.g. Europe/Moscow)", s.TimeZone))
		} else {
			loc = l
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	if s.StartsOn != "" {
		d, err := time.ParseInLocation("2006-01-02", s.StartsOn, loc)
		today := civil(now.In(loc))
		switch {
		case err != nil:
			add(".startsOn", "a day as YYYY-MM-DD")
		case civil(d).Before(today):
			add(".startsOn", fmt.Sprintf("%s is in the past (today is %s in %s)", s.StartsOn, today.Format("2006-01-02"), loc))
		}
	}
	if err := apperr.Validation(f); err != nil {
		return err
	}
	if _, ok := s.Next(now, company); !ok {
		return apperr.InvalidField(prefix, "the schedule never fires")
	}
	return nil
}

// civil is a day as a zone-free date (midnight UTC).
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// firesOn reports whether the schedule fires on the civil day d.
func (s Schedule) firesOn(d time.Time) bool {
	switch s.Frequency {
	case Daily:
		return true
	case Weekly:
		return Weekdays[(int(d.Weekday())+6)%7] == s.Weekday
	case Monthly:
		last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return d.Day() == min(s.Day, last)
	}
	return false
}

// at returns the firing time on civil day d in loc.
func (s Schedule) at(d time.Time, loc *time.Location) time.Time {
	var hh, mm int
	_, _ = fmt.Sscanf(s.At, "%d:%d", &hh, &mm)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
}

// horizon bounds the days searched for a firing (a monthly schedule fires
// within 31 days; StartsOn may be further).
const horizon = 800

// Next returns the first firing strictly after after (and not before
// StartsOn), in UTC; false when there is none within two years.
func (s Schedule) Next(after time.Time, company *time.Location) (time.Time, bool) {
	loc := s.Location(company)
	d := civil(after.In(loc))
	if s.StartsOn != "" {
		if start, err := time.Parse("2006-01-02", s.StartsOn); err == nil && start.After(d) {
			d = start
		}
	}
	for i := 0; i < horizon; i++ {
		if s.firesOn(d) {
			if t := s.at(d, loc); t.After(after) {
				return t.UTC(), true
			}
		}
		d = d.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}

// Latest returns the last firing at or before now (and not before
// StartsOn), in UTC; false when there is none.
func (s Schedule) Latest(now time.Time, company *time.Location) (time.Time, bool) {
	loc := s.Location(company)
	d := civil(now.In(loc))
	var start time.Time
	if s.StartsOn != "" {
		start, _ = time.Parse("2006-01-02", s.StartsOn)
	}
	for i := 0; i < horizon && !d.Before(start); i++ {
		if s.firesOn(d) {
			if t := s.at(d, loc); !t.After(now) {
				return t.UTC(), true
			}
		}
		d = d.AddDate(0, 0, -1)
	}
	return time.Time{}, false
}
