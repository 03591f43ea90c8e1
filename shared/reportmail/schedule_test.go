package reportmail

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestScheduleNext: the firings of daily, weekly and monthly schedules in
// Moscow (no DST) and Berlin (DST), across month ends and leap days.
func TestScheduleNext(t *testing.T) {
	moscow := zone(t, "Europe/Moscow")
	for _, tt := range []struct {
		name  string
		s     Schedule
		after string
		want  []string
	}{
		{"weekly Monday 09:00 Moscow", Schedule{Frequency: Weekly, Weekday: "monday", At: "09:00"}, "2026-12-07T06:00:00Z",
			[]string{"2026-12-14T06:00:00Z", "2026-12-21T06:00:00Z", "2026-12-28T06:00:00Z", "2027-01-04T06:00:00Z"}},
		{"weekly, just before the firing", Schedule{Frequency: Weekly, Weekday: "monday", At: "09:00"}, "2026-12-07T05:59:59Z",
			[]string{"2026-12-07T06:00:00Z", "2026-12-14T06:00:00Z"}},
		{"daily 23:30 Moscow crosses the UTC day", Schedule{Frequency: Daily, At: "23:30"}, "2026-12-31T20:00:00Z",
			[]string{"2026-12-31T20:30:00Z", "2027-01-01T20:30:00Z"}},
		{"monthly on the 31st: the last day of shorter months", Schedule{Frequency: Monthly, Day: 31, At: "08:00"}, "2027-01-01T00:00:00Z",
			[]string{"2027-01-31T05:00:00Z", "2027-02-28T05:00:00Z", "2027-03-31T05:00:00Z", "2027-04-30T05:00:00Z"}},
		{"monthly on the 29th in a leap year", Schedule{Frequency: Monthly, Day: 29, At: "08:00"}, "2028-02-01T00:00:00Z",
			[]string{"2028-02-29T05:00:00Z", "2028-03-29T05:00:00Z"}},
		{"weekly Monday 09:00 Berlin across the spring change", Schedule{Frequency: Weekly, Weekday: "monday", At: "09:00", TimeZone: "Europe/Berlin"},
			"2026-03-20T00:00:00Z", []string{"2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"}},
		{"daily 09:00 Berlin across the autumn change", Schedule{Frequency: Daily, At: "09:00", TimeZone: "Europe/Berlin"},
			"2026-10-24T12:00:00Z", []string{"2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
		{"daily 02:30 Berlin on the spring change fires once", Schedule{Frequency: Daily, At: "02:30", TimeZone: "Europe/Berlin"},
			"2026-03-28T12:00:00Z", []string{"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"}},
		{"daily 02:30 Berlin on the autumn change fires once", Schedule{Frequency: Daily, At: "02:30", TimeZone: "Europe/Berlin"},
			"2026-10-24T12:00:00Z", []string{"2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"}}, // once, at one of the two 02:30s
		{"from startsOn", Schedule{Frequency: Daily, At: "09:00", StartsOn: "2026-12-20"}, "2026-12-07T10:00:00Z",
			[]string{"2026-12-20T06:00:00Z", "2026-12-21T06:00:00Z"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			after := utc(tt.after)
			for range tt.want {
				next, ok := tt.s.Next(after, moscow)
				if !ok {
					t.Fatal("no firing")
				}
				got = append(got, next.Format(time.RFC3339))
				after = next
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("firings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScheduleLatest: the last firing at or before now is what a run
// catches up with after missed firings.
func TestScheduleLatest(t *testing.T) {
	moscow := zone(t, "Europe/Moscow")
	s := Schedule{Frequency: Daily, At: "09:00"}
	// Down from Monday 08:00 to Wednesday 12:00: Wednesday's firing.
	got, ok := s.Latest(utc("2026-12-09T09:00:00Z"), moscow)
	if !ok || !got.Equal(utc("2026-12-09T06:00:00Z")) {
		t.Errorf("latest = %v %v, want Wednesday 09:00 Moscow", got, ok)
	}
	// At the very firing.
	w := Schedule{Frequency: Weekly, Weekday: "monday", At: "09:00"}
	if got, ok := w.Latest(utc("2026-12-14T06:00:00Z"), moscow); !ok || !got.Equal(utc("2026-12-14T06:00:00Z")) {
		t.Errorf("latest at the firing = %v %v", got, ok)
	}
	// Nothing before StartsOn.
	st := Schedule{Frequency: Daily, At: "09:00", StartsOn: "2026-12-20"}
	if got, ok := st.Latest(utc("2026-12-10T09:00:00Z"), moscow); ok {
		t.Errorf("latest before startsOn = %v", got)
	}
}

// TestResolvePeriods: the days each relative period covers.
func TestResolvePeriods(t *testing.T) {
	moscow := zone(t, "Europe/Moscow")
	for _, tt := range []struct {
		period, at, want string
	}{
		{LastWeek, "2026-12-14T06:00:00Z", "2026-12-07_2026-12-13"},
		{LastWeek, "2026-12-13T20:59:00Z", "2026-11-30_2026-12-06"}, // Sunday 23:59 Moscow
		{LastWeek, "2026-12-13T21:00:00Z", "2026-12-07_2026-12-13"}, // Monday 00:00 Moscow, still Sunday in UTC
		{LastWeek, "2027-01-04T06:00:00Z", "2026-12-28_2027-01-03"},
		{Yesterday, "2026-03-01T06:00:00Z", "2026-02-28_2026-02-28"},
		{Yesterday, "2028-03-01T06:00:00Z", "2028-02-29_2028-02-29"},
		{LastMonth, "2026-03-31T06:00:00Z", "2026-02-01_2026-02-28"},
		{LastMonth, "2027-01-01T06:00:00Z", "2026-12-01_2026-12-31"},
		{MonthToDate, "2026-12-14T06:00:00Z", "2026-12-01_2026-12-13"},
		{MonthToDate, "2026-12-01T06:00:00Z", "2026-11-01_2026-11-30"},
		{LastQuarter, "2026-12-14T06:00:00Z", "2026-07-01_2026-09-30"},
		{LastQuarter, "2027-01-01T06:00:00Z", "2026-10-01_2026-12-31"},
		{LastQuarter, "2026-04-01T06:00:00Z", "2026-01-01_2026-03-31"},
	} {
		if got := Resolve(tt.period, utc(tt.at), moscow).Key(); got != tt.want {
			t.Errorf("%s at %s = %s, want %s", tt.period, tt.at, got, tt.want)
		}
	}
}
