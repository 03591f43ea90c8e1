package schedule

import (
	"errors"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"cron(0 10 * * ? *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
		"cron(0 0 L * ? *)", "cron(0 12 LW * ? *)", "cron(0 12 15W * ? *)", "cron(0 9 ? * 5L *)",
		"cron(0 0 29 2 ? *)", "cron(0 0 31 2 ? *)", "cron(10-50/20 * * * ? 2027-2029)",
		"cron(0 10 * * * *)", "cron(0 10 ? * 3#1,6#3 *)", "cron(0 10 1-5W * ? *)", "cron(1,,2 * * * ? *)",
		"rate(1 minute)", "rate(5 minutes)", "rate(1 minutes)", "rate(99999999999 days)",
		"at(2026-11-23T10:00:00)", "at(2026-03-08T02:30:00)", "at(2026-11-23T10:00:00.5)", "",
	} {
		f.Add(seed)
	}
	zones := []*time.Location{time.UTC, mustLoad(f, "America/New_York"), mustLoad(f, "Europe/Berlin")}
	from := time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC) // an hour before New York springs forward
	f.Fuzz(func(t *testing.T, expr string) {
		for _, loc := range zones {
			e, err := Parse(expr, loc)
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Parse(%q) error %T, want *SyntaxError", expr, err)
				}
				continue
			}
			if e.String() != expr {
				t.Fatalf("String() = %q, want %q", e.String(), expr)
			}
			prev := from
			for range 5 {
				next := e.Next(prev)
				if next.IsZero() {
					break
				}
				if !next.After(prev) {
					t.Fatalf("%s in %s: Next(%s) = %s, not after it", expr, loc, prev, next)
				}
				prev = next
			}
		}
	})
}
