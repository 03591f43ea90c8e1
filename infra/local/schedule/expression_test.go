package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// start is a Friday, 2026-11-20 09:30 UTC.
var start = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load time zone %s: %v", name, err)
	}
	return loc
}

// fireTimes returns up to n fire times after from, in UTC RFC 3339, with
// "none" marking a zero Time.
func fireTimes(e Expression, from time.Time, n int) []string {
	var out []string
	for range n {
		next := e.Next(from)
		if next.IsZero() {
			return append(out, "none")
		}
		out = append(out, next.UTC().Format(time.RFC3339Nano))
		from = next
	}
	return out
}

func TestNext(t *testing.T) {
	tests := []struct {
		name string
		expr string
		zone string   // empty for UTC
		opts []Option // rate anchors
		from string   // empty for start
		want []string
	}{
		// The examples from the EventBridge documentation.
		{name: "daily at 10:00", expr: "cron(0 10 * * ? *)",
			want: []string{"2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"}},
		{name: "daily at 12:15", expr: "cron(15 12 * * ? *)",
			want: []string{"2026-11-20T12:15:00Z", "2026-11-21T12:15:00Z", "2026-11-22T12:15:00Z"}},
		{name: "weekdays at 18:00", expr: "cron(0 18 ? * MON-FRI *)",
			want: []string{"2026-11-20T18:00:00Z", "2026-11-23T18:00:00Z", "2026-11-24T18:00:00Z", "2026-11-25T18:00:00Z"}},
		{name: "first of the month at 08:00", expr: "cron(0 8 1 * ? *)",
			want: []string{"2026-12-01T08:00:00Z", "2027-01-01T08:00:00Z", "2027-02-01T08:00:00Z"}},
		{name: "every 15 minutes", expr: "cron(0/15 * * * ? *)",
			want: []string{"2026-11-20T09:45:00Z", "2026-11-20T10:00:00Z", "2026-11-20T10:15:00Z", "2026-11-20T10:30:00Z"}},
		{name: "every 10 minutes on weekdays, over the weekend", expr: "cron(0/10 * ? * MON-FRI *)", from: "2026-11-20T23:45:00Z",
			want: []string{"2026-11-20T23:50:00Z", "2026-11-23T00:00:00Z", "2026-11-23T00:10:00Z"}},
		{name: "every 5 minutes in office hours", expr: "cron(0/5 8-17 ? * MON-FRI *)",
			want: []string{"2026-11-20T09:35:00Z", "2026-11-20T09:40:00Z", "2026-11-20T09:45:00Z"}},
		{name: "every 5 minutes in office hours, Friday evening", expr: "cron(0/5 8-17 ? * MON-FRI *)", from: "2026-11-20T17:52:00Z",
			want: []string{"2026-11-20T17:55:00Z", "2026-11-23T08:00:00Z", "2026-11-23T08:05:00Z"}},
		{name: "first Monday at 09:00", expr: "cron(0 9 ? * 2#1 *)",
			want: []string{"2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z", "2027-02-01T09:00:00Z"}},

		// Lists, ranges, steps and names.
		{name: "range with step", expr: "cron(10-50/20 * * * ? *)",
			want: []string{"2026-11-20T09:50:00Z", "2026-11-20T10:10:00Z", "2026-11-20T10:30:00Z", "2026-11-20T10:50:00Z", "2026-11-20T11:10:00Z"}},
		{name: "star with step", expr: "cron(*/10 * * * ? *)",
			want: []string{"2026-11-20T09:40:00Z", "2026-11-20T09:50:00Z", "2026-11-20T10:00:00Z"}},
		{name: "every 6 hours", expr: "cron(0 */6 * * ? *)",
			want: []string{"2026-11-20T12:00:00Z", "2026-11-20T18:00:00Z", "2026-11-21T00:00:00Z"}},
		{name: "day list and range", expr: "cron(0 12 1,15,20-22 * ? *)",
			want: []string{"2026-11-20T12:00:00Z", "2026-11-21T12:00:00Z", "2026-11-22T12:00:00Z", "2026-12-01T12:00:00Z", "2026-12-15T12:00:00Z"}},
		{name: "quarterly", expr: "cron(0 0 1 */3 ? *)",
			want: []string{"2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-07-01T00:00:00Z"}},
		{name: "31st skips short months", expr: "cron(0 0 31 * ? *)",
			want: []string{"2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z", "2027-03-31T00:00:00Z"}},
		{name: "lower-case names", expr: "cron(0 6 ? jan,Jul mon *)",
			want: []string{"2027-01-04T06:00:00Z", "2027-01-11T06:00:00Z", "2027-01-18T06:00:00Z"}},
		{name: "WED is a name, not a W", expr: "cron(0 8 ? * wed *)",
			want: []string{"2026-11-25T08:00:00Z", "2026-12-02T08:00:00Z", "2026-12-09T08:00:00Z"}},
		{name: "day-of-week star", expr: "cron(0 10 ? * * *)",
			want: []string{"2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z"}},
		{name: "weekday list with names and numbers", expr: "cron(0 7 ? * SUN,4 *)",
			want: []string{"2026-11-22T07:00:00Z", "2026-11-25T07:00:00Z", "2026-11-29T07:00:00Z"}},

		// L, W and #.
		{name: "last day of the month", expr: "cron(0 0 L * ? *)",
			want: []string{"2026-11-30T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z"}},
		{name: "last weekday of the month", expr: "cron(0 17 LW * ? *)",
			want: []string{"2026-11-30T17:00:00Z", "2026-12-31T17:00:00Z", "2027-01-29T17:00:00Z", "2027-02-26T17:00:00Z"}},
		{name: "last Thursday", expr: "cron(0 9 ? * 5L *)",
			want: []string{"2026-11-26T09:00:00Z", "2026-12-31T09:00:00Z", "2027-01-28T09:00:00Z", "2027-02-25T09:00:00Z"}},
		{name: "last Friday by name", expr: "cron(0 9 ? * FRIL *)",
			want: []string{"2026-11-27T09:00:00Z", "2026-12-25T09:00:00Z", "2027-01-29T09:00:00Z"}},
		{name: "L alone in day-of-week is Saturday", expr: "cron(0 12 ? * L *)",
			want: []string{"2026-11-21T12:00:00Z", "2026-11-28T12:00:00Z", "2026-12-05T12:00:00Z"}},
		{name: "second Tuesday", expr: "cron(0 9 ? * 3#2 *)",
			want: []string{"2026-12-08T09:00:00Z", "2027-01-12T09:00:00Z", "2027-02-09T09:00:00Z"}},
		{name: "fifth Friday skips months without one", expr: "cron(0 9 ? * FRI#5 *)",
			want: []string{"2027-01-29T09:00:00Z", "2027-04-30T09:00:00Z"}},
		{name: "1W: Saturday the 1st moves to Monday the 3rd", expr: "cron(0 9 1W * ? *)", from: "2026-07-15T00:00:00Z",
			want: []string{"2026-08-03T09:00:00Z", "2026-09-01T09:00:00Z", "2026-10-01T09:00:00Z"}},
		{name: "15W: Saturday to Friday, Sunday to Monday", expr: "cron(0 9 15W * ? *)", from: "2026-07-20T00:00:00Z",
			want: []string{"2026-08-14T09:00:00Z", "2026-09-15T09:00:00Z", "2026-10-15T09:00:00Z", "2026-11-16T09:00:00Z"}},
		{name: "31W: Sunday the 31st moves back to Friday, 30-day months skipped", expr: "cron(0 9 31W * ? *)", from: "2026-05-01T00:00:00Z",
			want: []string{"2026-05-29T09:00:00Z", "2026-07-31T09:00:00Z", "2026-08-31T09:00:00Z"}},

		// Years.
		{name: "years 2027-2029 then none", expr: "cron(0 0 1 1 ? 2027-2029)",
			want: []string{"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z", "none"}},
		{name: "year already past", expr: "cron(0 0 1 1 ? 2026)", want: []string{"none"}},
		{name: "every fifth year from 2030", expr: "cron(30 6 * * ? 2030/5)",
			want: []string{"2030-01-01T06:30:00Z", "2030-01-02T06:30:00Z", "2030-01-03T06:30:00Z"}},
		{name: "29 February", expr: "cron(0 0 29 2 ? *)",
			want: []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"}},
		{name: "31 February never fires", expr: "cron(0 0 31 2 ? *)", want: []string{"none"}},
		{name: "start before 1970", expr: "cron(0 0 1 1 ? *)", from: "1960-05-01T00:00:00Z",
			want: []string{"1970-01-01T00:00:00Z", "1971-01-01T00:00:00Z"}},
		{name: "last year", expr: "cron(0 0 1 * ? *)", from: "2199-11-15T00:00:00Z",
			want: []string{"2199-12-01T00:00:00Z", "none"}},
		{name: "after the last year", expr: "cron(* * * * ? *)", from: "2200-01-01T00:00:00Z", want: []string{"none"}},

		// Time zones.
		{name: "Moscow is UTC+3 all year", expr: "cron(0 10 * * ? *)", zone: "Europe/Moscow", from: "2026-03-28T00:00:00Z",
			want: []string{"2026-03-28T07:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{name: "Moscow midnight is the previous UTC day", expr: "cron(0 0 1 * ? *)", zone: "Europe/Moscow",
			want: []string{"2026-11-30T21:00:00Z", "2026-12-31T21:00:00Z", "2027-01-31T21:00:00Z"}},
		{name: "Moscow first Monday", expr: "cron(0 9 ? * 2#1 *)", zone: "Europe/Moscow",
			want: []string{"2026-12-07T06:00:00Z", "2027-01-04T06:00:00Z", "2027-02-01T06:00:00Z"}},
		{name: "New York noon across spring forward", expr: "cron(0 12 * * ? *)", zone: "America/New_York", from: "2026-03-07T00:00:00Z",
			want: []string{"2026-03-07T17:00:00Z", "2026-03-08T16:00:00Z", "2026-03-09T16:00:00Z"}},
		// Spring-forward gaps are skipped, as EventBridge Scheduler does.
		{name: "New York 02:30 in the spring gap is skipped", expr: "cron(30 2 * * ? *)", zone: "America/New_York", from: "2026-03-07T00:00:00Z",
			want: []string{"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}},
		{name: "New York hourly at :30 skips 02:30 only", expr: "cron(30 * * * ? *)", zone: "America/New_York", from: "2026-03-08T05:00:00Z",
			want: []string{"2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z"}},
		{name: "New York half-hourly through the spring gap", expr: "cron(0/30 * * * ? *)", zone: "America/New_York", from: "2026-03-08T06:15:00Z",
			want: []string{"2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z"}},
		{name: "New York only in the gap hour fires the next day", expr: "cron(0/15 2 * * ? *)", zone: "America/New_York", from: "2026-03-08T06:59:00Z",
			want: []string{"2026-03-09T06:00:00Z", "2026-03-09T06:15:00Z"}},
		{name: "New York 02:30 on the second Sunday in March never fires", expr: "cron(30 2 ? 3 1#2 *)", zone: "America/New_York", from: "2026-01-01T00:00:00Z",
			want: []string{"none"}},
		{name: "New York 01:30 fires once on fall back", expr: "cron(30 1 * * ? *)", zone: "America/New_York", from: "2026-10-31T00:00:00Z",
			want: []string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{name: "New York half-hourly through fall back", expr: "cron(0/30 * * * ? *)", zone: "America/New_York", from: "2026-11-01T04:45:00Z",
			want: []string{"2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"}},
		{name: "New York from inside the repeated hour", expr: "cron(0/30 * * * ? *)", zone: "America/New_York", from: "2026-11-01T06:15:00Z",
			want: []string{"2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"}},
		{name: "Berlin 02:30 in the spring gap is skipped", expr: "cron(30 2 * * ? *)", zone: "Europe/Berlin", from: "2026-03-28T00:00:00Z",
			want: []string{"2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}},
		{name: "Berlin hourly at :30 skips 02:30 only", expr: "cron(30 * * * ? *)", zone: "Europe/Berlin", from: "2026-03-28T23:00:00Z",
			want: []string{"2026-03-28T23:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"}},
		{name: "Berlin gap minutes are skipped, 03:00 CEST fires", expr: "cron(0/20 2-3 * * ? *)", zone: "Europe/Berlin", from: "2026-03-28T23:00:00Z",
			want: []string{"2026-03-29T01:00:00Z", "2026-03-29T01:20:00Z", "2026-03-29T01:40:00Z", "2026-03-30T00:00:00Z"}},
		// Monrovia moved from UTC-0:44:30 to UTC on 1972-01-07, so the gap
		// ends at 00:44:30 and the minute 00:44 is still inside it.
		{name: "gap ending mid-minute skips that minute too", expr: "cron(* 0 7 1 ? 1972)", zone: "Africa/Monrovia", from: "1972-01-06T00:00:00Z",
			want: []string{"1972-01-07T00:45:00Z", "1972-01-07T00:46:00Z"}},
		{name: "Berlin 02:30 fires once on fall back", expr: "cron(30 2 * * ? *)", zone: "Europe/Berlin", from: "2026-10-24T00:00:00Z",
			want: []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},

		// Rates.
		{name: "rate counts from the epoch by default", expr: "rate(5 minutes)",
			want: []string{"2026-11-20T09:35:00Z", "2026-11-20T09:40:00Z", "2026-11-20T09:45:00Z"}},
		{name: "rate of 7 minutes from the epoch", expr: "rate(7 minutes)",
			want: []string{"2026-11-20T09:36:00Z", "2026-11-20T09:43:00Z", "2026-11-20T09:50:00Z"}},
		{name: "rate of 1 hour", expr: "rate(1 hour)",
			want: []string{"2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"}},
		{name: "rate of 1 day is 24 hours in any zone", expr: "rate(1 day)", zone: "America/New_York",
			want: []string{"2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"}},
		{name: "rate before its anchor fires at the anchor", expr: "rate(5 minutes)",
			opts: []Option{WithAnchor(time.Date(2026, 11, 20, 9, 31, 10, 0, time.UTC))},
			want: []string{"2026-11-20T09:31:10Z", "2026-11-20T09:36:10Z", "2026-11-20T09:41:10Z"}},
		{name: "rate keeps the anchor's fraction", expr: "rate(2 hours)",
			opts: []Option{WithAnchor(time.Date(2026, 11, 20, 8, 0, 30, 500_000_000, time.UTC))},
			want: []string{"2026-11-20T10:00:30.5Z", "2026-11-20T12:00:30.5Z"}},
		{name: "rate just before a tick", expr: "rate(2 hours)", from: "2026-11-20T10:00:30.4999Z",
			opts: []Option{WithAnchor(time.Date(2026, 11, 20, 8, 0, 30, 500_000_000, time.UTC))},
			want: []string{"2026-11-20T10:00:30.5Z"}},
		{name: "rate of days across a DST change", expr: "rate(1 day)", zone: "America/New_York", from: "2026-03-07T17:00:00Z",
			opts: []Option{WithAnchor(time.Date(2026, 3, 1, 12, 0, 0, 0, mustLoad(t, "America/New_York")))},
			want: []string{"2026-03-08T17:00:00Z", "2026-03-09T17:00:00Z"}},

		// One-time schedules.
		{name: "at in the future fires once", expr: "at(2026-11-23T10:00:45)",
			want: []string{"2026-11-23T10:00:45Z", "none"}},
		{name: "at in the past never fires", expr: "at(2026-01-01T00:00:00)", want: []string{"none"}},
		{name: "at in Moscow", expr: "at(2026-11-23T10:00:00)", zone: "Europe/Moscow",
			want: []string{"2026-11-23T07:00:00Z", "none"}},
		{name: "at in the New York spring gap never fires", expr: "at(2026-03-08T02:30:00)", zone: "America/New_York", from: "2026-03-01T00:00:00Z",
			want: []string{"none"}},
		{name: "at in the Berlin spring gap never fires", expr: "at(2026-03-29T02:30:00)", zone: "Europe/Berlin", from: "2026-03-01T00:00:00Z",
			want: []string{"none"}},
		{name: "at just after the New York spring gap", expr: "at(2026-03-08T03:00:00)", zone: "America/New_York", from: "2026-03-01T00:00:00Z",
			want: []string{"2026-03-08T07:00:00Z", "none"}},
		{name: "at in the part of a minute inside the Monrovia gap", expr: "at(1972-01-07T00:44:29)", zone: "Africa/Monrovia", from: "1972-01-01T00:00:00Z",
			want: []string{"none"}},
		{name: "at in the part of a minute after the Monrovia gap", expr: "at(1972-01-07T00:44:30)", zone: "Africa/Monrovia", from: "1972-01-01T00:00:00Z",
			want: []string{"1972-01-07T00:44:30Z", "none"}},
		{name: "at in the New York repeated hour", expr: "at(2026-11-01T01:30:00)", zone: "America/New_York", from: "2026-10-01T00:00:00Z",
			want: []string{"2026-11-01T05:30:00Z", "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var loc *time.Location
			if tt.zone != "" {
				loc = mustLoad(t, tt.zone)
			}
			from := start
			if tt.from != "" {
				from = mustTime(t, tt.from)
			}
			e, err := Parse(tt.expr, loc, tt.opts...)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if diff := cmp.Diff(tt.expr, e.String()); diff != "" {
				t.Errorf("String() mismatch (-want +got):\n%s", diff)
			}
			got := fireTimes(e, from, len(tt.want))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Next from %s mismatch (-want +got):\n%s", from.Format(time.RFC3339), diff)
			}
		})
	}
}

func TestNextReturnsTimeInLocation(t *testing.T) {
	moscow := mustLoad(t, "Europe/Moscow")
	for _, expr := range []string{"cron(0 10 * * ? *)", "rate(5 minutes)", "at(2027-01-01T00:00:00)"} {
		e, err := Parse(expr, moscow)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		if diff := cmp.Diff("Europe/Moscow", e.Next(start).Location().String()); diff != "" {
			t.Errorf("%s: Next location mismatch (-want +got):\n%s", expr, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr    string
		field   string
		message string // a part of the error text
	}{
		{"", "", "want rate"},
		{"cron(0 10 * * ? *", "", "want rate"},
		{"CRON(0 10 * * ? *)", "", "want rate"},
		{"cron(0 10 * * ?)", "", "6 fields"},
		{"cron(0 10 * * ? * *)", "", "got 7"},
		{"cron(60 10 * * ? *)", "minutes", "out of range 0-59"},
		{"cron(L 10 * * ? *)", "minutes", `invalid value "L"`},
		{"cron(0/0 * * * ? *)", "minutes", "step"},
		{"cron(0/x * * * ? *)", "minutes", "step"},
		{"cron(0/ * * * ? *)", "minutes", "step"},
		{"cron(50-10 * * * ? *)", "minutes", "backwards"},
		{"cron(1,,2 * * * ? *)", "minutes", "empty item"},
		{"cron(1-2-3 * * * ? *)", "minutes", "invalid value"},
		{"cron(-1 * * * ? *)", "minutes", "missing value"},
		{"cron(0 24 * * ? *)", "hours", "out of range 0-23"},
		{"cron(0 ? * * ? *)", "hours", "?"},
		{"cron(0 10 0 * ? *)", "day-of-month", "out of range 1-31"},
		{"cron(0 10 32 * ? *)", "day-of-month", "out of range"},
		{"cron(0 10 L-2 * ? *)", "day-of-month", "stand alone"},
		{"cron(0 10 L,15 * ? *)", "day-of-month", "stand alone"},
		{"cron(0 10 1-5W * ? *)", "day-of-month", "single day"},
		{"cron(0 10 32W * ? *)", "day-of-month", "out of range"},
		{"cron(0 10 1#2 * ? *)", "day-of-month", "only allowed in day-of-week"},
		{"cron(0 10 MON * ? *)", "day-of-month", "invalid value"},
		{"cron(0 10 * 13 ? *)", "month", "out of range 1-12"},
		{"cron(0 10 * FOO ? *)", "month", "invalid value"},
		{"cron(0 10 * DEC-JAN ? *)", "month", "backwards"},
		{"cron(0 10 ? * 0 *)", "day-of-week", "out of range 1-7"},
		{"cron(0 10 ? * 8 *)", "day-of-week", "out of range 1-7"},
		{"cron(0 10 ? * FRI-MON *)", "day-of-week", "backwards"},
		{"cron(0 10 ? * 3#6 *)", "day-of-week", "1-5"},
		{"cron(0 10 ? * 3#1,6#3 *)", "day-of-week", "stand alone"},
		{"cron(0 10 ? * 8L *)", "day-of-week", "out of range"},
		{"cron(0 10 ? * 1-5L *)", "day-of-week", "single weekday"},
		{"cron(0 10 ? * 1W *)", "day-of-week", "only allowed in day-of-month"},
		{"cron(0 10 ? * L,2 *)", "day-of-week", "stand alone"},
		{"cron(0 10 * * ? 1969)", "year", "out of range 1970-2199"},
		{"cron(0 10 * * ? 2200)", "year", "out of range"},
		{"cron(0 10 * * ? ?)", "year", "?"},
		{"cron(0 10 * * * *)", "day-of-week", "can't specify both"},
		{"cron(0 10 1 * MON *)", "day-of-week", "can't specify both"},
		{"cron(0 10 ? * ? *)", "day-of-week", "both be ?"},
		{"rate(1 minutes)", "unit", `singular unit "minute"`},
		{"rate(5 minute)", "unit", `plural unit "minutes"`},
		{"rate(2 day)", "unit", "plural"},
		{"rate(5 seconds)", "unit", "not one of"},
		{"rate(0 minutes)", "value", "at least 1"},
		{"rate(-5 minutes)", "value", "not a positive integer"},
		{"rate(1.5 hours)", "value", "not a positive integer"},
		{"rate(99999999999 days)", "value", "too long"},
		{"rate(5)", "", "value and a unit"},
		{"rate(5 minutes now)", "", "value and a unit"},
		{"at(2026-13-01T00:00:00)", "timestamp", "not a valid"},
		{"at(2026-02-30T10:00:00)", "timestamp", "not a valid"},
		{"at(2026-11-23 10:00:00)", "timestamp", "not a valid"},
		{"at(2026-11-23T10:00)", "timestamp", "not a valid"},
		{"at(2026-11-23T10:00:00.5)", "timestamp", "not a valid"},
		{"at(2026-11-23T10:00:00Z)", "timestamp", "not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr, nil)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.expr, e)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v, want a *SyntaxError", tt.expr, err, err)
			}
			if diff := cmp.Diff(tt.field, se.Field); diff != "" {
				t.Errorf("field mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.expr, se.Expr); diff != "" {
				t.Errorf("expression mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not mention %q and %q", err, tt.field, tt.message)
			}
		})
	}
}
