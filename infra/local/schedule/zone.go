package schedule

import "time"

// civil is a wall-clock minute, with no time zone attached.
type civil struct {
	year, month, day, hour, minute int
}

func civilOf(t time.Time) civil {
	return civil{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute()}
}

// addMinute returns the wall-clock minute after c.
func (c civil) addMinute() civil {
	return civilOf(time.Date(c.year, time.Month(c.month), c.day, c.hour, c.minute+1, 0, 0, time.UTC))
}

// resolve returns the instant at which the wall clock in loc shows c plus sec
// seconds, and true. A wall time that occurs twice (clocks set back)
// resolves to its first occurrence. A wall time that does not exist (clocks
// set forward) is skipped, as EventBridge Scheduler does: resolve returns
// false and the first instant after the gap, where callers resume their
// search. Both rules keep resolve monotonic in c, gap or not, which Next
// relies on. time.Date is not used because it leaves the choice of
// occurrence unspecified and moves gap times forward instead of reporting
// them.
func resolve(c civil, sec int, loc *time.Location) (time.Time, bool) {
	u := time.Date(c.year, time.Month(c.month), c.day, c.hour, c.minute, sec, 0, time.UTC).Unix()
	// Any instant showing this wall time lies within a day of u, so the
	// offsets a day either side are the ones before and after a transition
	// near it.
	before, after := offsetAt(u-86400, loc), offsetAt(u+86400, loc)
	x1, x2 := u-before, u-after
	ok1, ok2 := offsetAt(x1, loc) == before, offsetAt(x2, loc) == after
	switch {
	case ok1 && ok2:
		return time.Unix(min(x1, x2), 0).In(loc), true
	case ok1:
		return time.Unix(x1, 0).In(loc), true
	case ok2:
		return time.Unix(x2, 0).In(loc), true
	case after > before:
		// In the gap: x1 lies after the transition, so the zone period that
		// contains it starts at the end of the gap.
		start, _ := time.Unix(x1, 0).In(loc).ZoneBounds()
		if !start.IsZero() {
			return start, false
		}
	}
	// Two transitions within a day of each other; no real zone has them
	// around a schedulable time, so the standard library's choice will do.
	return time.Date(c.year, time.Month(c.month), c.day, c.hour, c.minute, sec, 0, loc), true
}

func offsetAt(unix int64, loc *time.Location) int64 {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return int64(off)
}
