package sla

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
)

// moscowJSON is Russia's production calendar for 2025 and 2026 (as in the
// seed file, which package seed tests separately); 2024 and 2027 are left
// out to exercise the weekdays-only fallback.
const moscowJSON = `{
  "timeZone": "Europe/Moscow",
  "workingHours": {"start": "09:00", "end": "18:00"},
  "years": [
    {"year": 2025,
     "holidays": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-06", "2025-01-07", "2025-01-08",
                  "2025-02-23", "2025-03-08", "2025-05-01", "2025-05-02", "2025-05-08", "2025-05-09", "2025-06-12", "2025-06-13",
                  "2025-11-03", "2025-11-04", "2025-12-31"],
     "workingDays": ["2025-11-01"],
     "shortDays": ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"]},
    {"year": 2026,
     "holidays": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09",
                  "2026-02-23", "2026-03-09", "2026-05-01", "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31"],
     "shortDays": ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"]}
  ]
}`

// berlinJSON is a zone with daylight saving time and no holidays.
const berlinJSON = `{"timeZone": "Europe/Berlin", "workingHours": {"start": "09:00", "end": "18:00"}, "years": []}`

// nightJSON works 01:00-05:00 every day but Wednesday in Berlin, so that
// both DST changes (02:00 and 03:00 on Sundays) fall inside working hours.
const nightJSON = `{"timeZone": "Europe/Berlin", "workingHours": {"start": "01:00", "end": "05:00"}, "weekend": ["wednesday"], "years": []}`

func mustCalendar(t testing.TB, js string) *Calendar {
	t.Helper()
	c, err := ParseCalendar([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

var (
	msk    = mustZone("Europe/Moscow")
	berlin = mustZone("Europe/Berlin")
)

// at is a local time in loc.
func at(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func TestAdd(t *testing.T) {
	cal := mustCalendar(t, moscowJSON)
	for _, tc := range []struct {
		name string
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within a day", at(msk, 2026, 3, 2, 10, 0), 2 * time.Hour, at(msk, 2026, 3, 2, 12, 0)},
		{"up to the end of the day", at(msk, 2026, 3, 2, 10, 0), 8 * time.Hour, at(msk, 2026, 3, 2, 18, 0)},
		{"overnight", at(msk, 2026, 3, 2, 17, 0), 2 * time.Hour, at(msk, 2026, 3, 3, 10, 0)},
		{"over a weekend", at(msk, 2026, 3, 13, 16, 0), 4 * time.Hour, at(msk, 2026, 3, 16, 11, 0)},
		{"over a weekend and a moved holiday (Mar 8 -> Mon Mar 9)", at(msk, 2026, 3, 6, 17, 0), 2 * time.Hour, at(msk, 2026, 3, 10, 10, 0)},
		{"before opening", at(msk, 2026, 3, 2, 7, 30), time.Hour, at(msk, 2026, 3, 2, 10, 0)},
		{"after closing", at(msk, 2026, 3, 2, 19, 0), time.Hour, at(msk, 2026, 3, 3, 10, 0)},
		{"on a Saturday", at(msk, 2026, 3, 14, 12, 0), time.Hour, at(msk, 2026, 3, 16, 10, 0)},
		{"a working week", at(msk, 2026, 3, 16, 9, 0), 45 * time.Hour, at(msk, 2026, 3, 20, 18, 0)},
		{"New Year holidays (Dec 31 2025 moved from Jan 5, Jan 1-11 off)", at(msk, 2025, 12, 30, 17, 0), 4 * time.Hour, at(msk, 2026, 1, 12, 12, 0)},
		{"to the end of a short day", at(msk, 2026, 4, 30, 16, 0), time.Hour, at(msk, 2026, 4, 30, 17, 0)},
		{"past a short day into May holidays", at(msk, 2026, 4, 30, 16, 0), 2 * time.Hour, at(msk, 2026, 5, 4, 10, 0)},
		{"a transferred working Saturday, short", at(msk, 2025, 10, 31, 17, 0), 3 * time.Hour, at(msk, 2025, 11, 1, 11, 0)},
		{"past the transferred Saturday", at(msk, 2025, 11, 1, 16, 0), 2 * time.Hour, at(msk, 2025, 11, 5, 10, 0)},
		{"a year not in the file: weekdays only, Jan 1 works", at(msk, 2030, 1, 1, 10, 0), time.Hour, at(msk, 2030, 1, 1, 11, 0)},
		{"zero from outside working time", at(msk, 2026, 3, 2, 20, 0), 0, at(msk, 2026, 3, 2, 20, 0)},
		{"from in UTC", time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), time.Hour, time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cal.Add(tc.from, tc.d)
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("Add(%v, %v) = %v, want %v in UTC", tc.from, tc.d, got, tc.want.UTC())
			}
		})
	}
}

func TestBetween(t *testing.T) {
	cal := mustCalendar(t, moscowJSON)
	year := 247*9*time.Hour - 4*ShortDayCut
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"reversed", at(msk, 2026, 3, 2, 12, 0), at(msk, 2026, 3, 2, 10, 0), 0},
		{"empty", at(msk, 2026, 3, 2, 12, 0), at(msk, 2026, 3, 2, 12, 0), 0},
		{"within a day", at(msk, 2026, 3, 2, 10, 0), at(msk, 2026, 3, 2, 12, 30), 150 * time.Minute},
		{"a night", at(msk, 2026, 3, 2, 18, 0), at(msk, 2026, 3, 3, 9, 0), 0},
		{"over a weekend", at(msk, 2026, 3, 13, 17, 0), at(msk, 2026, 3, 16, 10, 0), 2 * time.Hour},
		{"New Year holidays", at(msk, 2025, 12, 30, 17, 0), at(msk, 2026, 1, 12, 12, 0), 4 * time.Hour},
		{"a short day", at(msk, 2026, 4, 30, 0, 0), at(msk, 2026, 5, 1, 0, 0), 8 * time.Hour},
		{"2025: 247 days, 4 of them short", at(msk, 2025, 1, 1, 0, 0), at(msk, 2026, 1, 1, 0, 0), year},
		{"2026: 247 days, 4 of them short", at(msk, 2026, 1, 1, 0, 0), at(msk, 2027, 1, 1, 0, 0), year},
		{"2027 is not in the file: 261 weekdays", at(msk, 2027, 1, 1, 0, 0), at(msk, 2028, 1, 1, 0, 0), 261 * 9 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.Between(tc.from, tc.to); got != tc.want {
				t.Errorf("Between(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	cal := mustCalendar(t, moscowJSON)
	for _, tc := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"transferred day off Jan 9 2026", at(msk, 2026, 1, 9, 12, 0), false},
		{"first working day of 2026", at(msk, 2026, 1, 12, 12, 0), true},
		{"moved Women's Day", at(msk, 2026, 3, 9, 12, 0), false},
		{"short day", at(msk, 2026, 4, 30, 12, 0), true},
		{"working Saturday", at(msk, 2025, 11, 1, 12, 0), true},
		{"day off moved from that Saturday", at(msk, 2025, 11, 3, 12, 0), false},
		{"Dec 31 2025 moved from Jan 5", at(msk, 2025, 12, 31, 12, 0), false},
		{"year not in the file: weekday", at(msk, 2030, 1, 1, 12, 0), true},
		{"year not in the file: Saturday", at(msk, 2030, 1, 5, 12, 0), false},
		{"the date in Moscow, not in UTC (Sun 21:30 UTC is Mon in Moscow)", time.Date(2026, 1, 11, 21, 30, 0, 0, time.UTC), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tc.t); got != tc.want {
				t.Errorf("IsWorkingDay(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
	for _, year := range []int{2025, 2026} {
		n := 0
		for d := at(msk, year, 1, 1, 12, 0); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(d) {
				n++
			}
		}
		if n != 247 {
			t.Errorf("%d has %d working days, want 247", year, n)
		}
	}
}

func TestDaylightSaving(t *testing.T) {
	day := mustCalendar(t, berlinJSON)
	night := mustCalendar(t, nightJSON)
	for _, tc := range []struct {
		name     string
		cal      *Calendar
		from, to time.Time
		d        time.Duration
	}{
		// Working hours keep to the local clock across the change.
		{"spring forward over the weekend", day, at(berlin, 2026, 3, 27, 17, 0), time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC), 2 * time.Hour},
		{"fall back over the weekend", day, at(berlin, 2026, 10, 23, 17, 0), time.Date(2026, 10, 26, 9, 0, 0, 0, time.UTC), 2 * time.Hour},
		{"a week across spring forward", day, at(berlin, 2026, 3, 23, 9, 0), at(berlin, 2026, 3, 31, 18, 0), 63 * time.Hour},
		// 01:00 CET to 05:00 CEST is three real hours, 01:00 CEST to 05:00 CET five.
		{"spring-forward night shift", night, at(berlin, 2026, 3, 29, 1, 0), time.Date(2026, 3, 29, 3, 0, 0, 0, time.UTC), 3 * time.Hour},
		{"fall-back night shift", night, at(berlin, 2026, 10, 25, 1, 0), time.Date(2026, 10, 25, 4, 0, 0, 0, time.UTC), 5 * time.Hour},
		{"past the short night", night, at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 30, 2, 0), 4 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Add(tc.from, tc.d); !got.Equal(tc.to) {
				t.Errorf("Add(%v, %v) = %v, want %v", tc.from, tc.d, got, tc.to.UTC())
			}
			if got := tc.cal.Between(tc.from, tc.to); got != tc.d {
				t.Errorf("Between(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.d)
			}
		})
	}
}

// TestRoundTrip checks Between(t, Add(t, d)) == d and its backward twin
// for random instants and durations, in a zone without and one with DST.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	for _, cal := range []*Calendar{mustCalendar(t, moscowJSON), mustCalendar(t, berlinJSON), mustCalendar(t, nightJSON)} {
		for range 3000 {
			from := time.Unix(lo+r.Int64N(hi-lo), r.Int64N(1e9))
			d := time.Duration(r.Int64N(int64(400 * time.Hour)))
			to := cal.Add(from, d)
			if got := cal.Between(from, to); got != d {
				t.Fatalf("%s: Between(%v, Add(%v, %v) = %v) = %v", cal.TimeZone, from, from, d, to, got)
			}
			if back := cal.back(to, d); cal.Between(back, to) != d || back.Before(from) {
				t.Fatalf("%s: back(%v, %v) = %v, from %v", cal.TimeZone, to, d, back, from)
			}
		}
	}
}

func TestCalendarValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		js   string
		want []string
	}{
		{"unknown zone", `{"timeZone": "Mars/Olympus", "workingHours": {"start": "09:00", "end": "18:00"}}`, []string{"timeZone"}},
		{"no zone", `{"workingHours": {"start": "09:00", "end": "18:00"}}`, []string{"timeZone"}},
		{"bad hours", `{"timeZone": "UTC", "workingHours": {"start": "9:00", "end": "25:00"}}`, []string{"workingHours.start", "workingHours.end"}},
		{"end before start", `{"timeZone": "UTC", "workingHours": {"start": "18:00", "end": "09:00"}}`, []string{"workingHours.end"}},
		{"too short for a short day", `{"timeZone": "UTC", "workingHours": {"start": "09:00", "end": "10:00"}}`, []string{"workingHours.end"}},
		{"weekend names", `{"timeZone": "UTC", "workingHours": {"start": "09:00", "end": "18:00"}, "weekend": ["Sat", "sunday", "sunday"]}`, []string{"weekend[0]", "weekend[2]"}},
		{"no working day", `{"timeZone": "UTC", "workingHours": {"start": "09:00", "end": "18:00"},
			"weekend": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]}`, []string{"weekend"}},
		{"years", `{"timeZone": "UTC", "workingHours": {"start": "09:00", "end": "18:00"}, "years": [
			{"year": 2026, "holidays": ["2026-02-30", "2025-12-31", "2026-01-01", "2026-01-01"],
			 "workingDays": ["2026-01-05", "2026-01-01", "2026-01-10"],
			 "shortDays": ["2026-01-01", "2026-01-11", "2026-01-10", "2026-04-30"]},
			{"year": 2026, "holidays": []},
			{"year": 10000, "holidays": []}]}`,
			[]string{
				"years[0].holidays[0]", "years[0].holidays[1]", "years[0].holidays[3]",
				"years[0].workingDays[0]", "years[0].workingDays[1]",
				"years[0].shortDays[0]", "years[0].shortDays[1]",
				"years[1].year", "years[2].year",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCalendar([]byte(tc.js))
			if diff := cmp.Diff(tc.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("failing fields mismatch (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
	if _, err := ParseCalendar([]byte(`{"timeZone": 5}`)); err == nil || apperr.CodeOf(err) != apperr.Internal {
		t.Errorf("ParseCalendar of a wrong JSON type: %v, want a decoding error", err)
	}
}

func TestCalendarNeedsValidate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add on an unvalidated calendar did not panic")
		}
	}()
	(&Calendar{TimeZone: "UTC"}).Add(time.Now(), time.Hour)
}

// fieldsOf returns the failing fields of an apperr.Invalid error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not apperr.Invalid", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func BenchmarkAddYear(b *testing.B) {
	cal := mustCalendar(b, moscowJSON)
	from := at(msk, 2025, 6, 2, 10, 0)
	for b.Loop() {
		cal.Add(from, 2219*time.Hour)
	}
}

func BenchmarkAddWeek(b *testing.B) {
	cal := mustCalendar(b, moscowJSON)
	from := at(msk, 2026, 3, 6, 17, 0)
	for b.Loop() {
		cal.Add(from, 40*time.Hour)
	}
}
