package schedule

import (
	"testing"
	"time"
)

// BenchmarkNextSparse measures a cron that fires once every four years: Next
// must skip years and months, not scan minutes.
func BenchmarkNextSparse(b *testing.B) {
	e, err := Parse("cron(0 0 29 2 ? *)", mustLoad(b, "Europe/Berlin"))
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if e.Next(from).IsZero() {
			b.Fatal("no fire time")
		}
	}
}

// BenchmarkNextNever measures the worst case: a valid cron that never fires,
// which is searched to the last year.
func BenchmarkNextNever(b *testing.B) {
	e, err := Parse("cron(0 0 31 2 ? *)", nil)
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		e.Next(from)
	}
}
