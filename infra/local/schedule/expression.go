package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expression is a parsed schedule expression.
type Expression interface {
	// Next returns the first fire time strictly after t, in the expression's
	// location, or the zero Time when there is none (an at() in the past or
	// in a daylight saving gap, or a cron whose years are exhausted).
	Next(t time.Time) time.Time
	// String returns the expression as it was given to Parse.
	String() string
}

// SyntaxError reports an expression that Parse rejects; it is a validation
// error, the project's "invalid" code, for whoever reports it to a user.
type SyntaxError struct {
	// Expr is the expression as given to Parse.
	Expr string
	// Field names the part at fault: a cron field ("minutes", "hours",
	// "day-of-month", "month", "day-of-week", "year"), a rate part ("value",
	// "unit") or "timestamp" for at(). It is empty when the expression as a
	// whole is malformed.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error returns the message with the expression and the field, if any.
func (e *SyntaxError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("schedule expression %q: %s", e.Expr, e.Msg)
	}
	return fmt.Sprintf("schedule expression %q: %s: %s", e.Expr, e.Field, e.Msg)
}

// Option configures Parse.
type Option func(*options)

type options struct {
	anchor time.Time
}

// WithAnchor sets the instant a rate() expression counts from: it fires at
// anchor + k*interval for k = 0, 1, 2, ... AWS counts from the moment the rule
// or schedule is created (or from a Scheduler StartDate), so the local runner
// should pass that moment. Without this option the anchor is the Unix epoch,
// which makes rate(5 minutes) fire on every multiple of five minutes
// (10:00, 10:05, ...) and rate(1 day) at 00:00 UTC. Cron and at() expressions
// ignore the anchor.
func WithAnchor(anchor time.Time) Option {
	return func(o *options) { o.anchor = anchor }
}

// Parse parses a schedule expression and evaluates it in loc (nil means UTC),
// the counterpart of EventBridge Scheduler's ScheduleExpressionTimezone;
// EventBridge rules always use UTC.
//
// Three forms are accepted:
//
//   - rate(value unit): value is a positive integer and unit is minute, hour
//     or day when value is 1 and minutes, hours or days otherwise, as AWS
//     requires. A day is 24 hours, whatever the time zone. See WithAnchor for
//     where the counting starts.
//   - cron(minutes hours day-of-month month day-of-week year): the six-field
//     AWS syntax. Minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or
//     JAN-DEC, day-of-week 1-7 or SUN-SAT (1 is Sunday, unlike Unix cron),
//     year 1970-2199; names in any case. Every field takes lists (1,15),
//     ranges (MON-FRI) and steps (0/15, */10, 10-50/20); a range must not run
//     backwards. Exactly one of day-of-month and day-of-week must be ?.
//     Day-of-month also takes L (last day), LW (last weekday) and nW (the
//     weekday nearest day n, staying inside the month); day-of-week takes L
//     alone (Saturday), nL (the last weekday n of the month) and n#k (the
//     k-th weekday n). ?, L, W and # forms must make up the whole field.
//   - at(yyyy-mm-ddThh:mm:ss): an EventBridge Scheduler one-time schedule,
//     read as a wall-clock time in loc.
//
// Wall-clock times that do not exist because clocks are set forward are
// skipped, as EventBridge Scheduler does: cron(30 2 * * ? *) in
// America/New_York does not fire on the spring-forward day, and an at()
// inside the gap never fires. Wall-clock times that occur twice because
// clocks are set back fire once, at the first occurrence.
//
// Parse returns a *SyntaxError, naming the field at fault, when the
// expression is malformed or a value is out of range.
func Parse(expr string, loc *time.Location, opts ...Option) (Expression, error) {
	if loc == nil {
		loc = time.UTC
	}
	o := options{anchor: time.Unix(0, 0)}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	inner, kind := unwrap(expr)
	switch kind {
	case "rate":
		return parseRate(expr, inner, loc, o.anchor)
	case "cron":
		return parseCron(expr, inner, loc)
	case "at":
		return parseAt(expr, inner, loc)
	}
	return nil, &SyntaxError{Expr: expr, Msg: "want rate(value unit), cron(six fields) or at(yyyy-mm-ddThh:mm:ss)"}
}

// unwrap splits "kind(inner)" into inner and kind; kind is empty when expr
// has none of the known forms.
func unwrap(expr string) (inner, kind string) {
	for _, k := range []string{"rate", "cron", "at"} {
		if strings.HasPrefix(expr, k+"(") && strings.HasSuffix(expr, ")") {
			return expr[len(k)+1 : len(expr)-1], k
		}
	}
	return "", ""
}

// rateExpr fires every interval, counting from anchor.
type rateExpr struct {
	src      string
	loc      *time.Location
	anchor   time.Time
	interval time.Duration // a whole number of minutes
}

var rateUnits = map[string]struct {
	d      time.Duration
	plural bool
}{
	"minute": {time.Minute, false}, "minutes": {time.Minute, true},
	"hour": {time.Hour, false}, "hours": {time.Hour, true},
	"day": {24 * time.Hour, false}, "days": {24 * time.Hour, true},
}

func parseRate(src, inner string, loc *time.Location, anchor time.Time) (Expression, error) {
	parts := strings.Fields(inner)
	if len(parts) != 2 {
		return nil, &SyntaxError{Expr: src, Msg: "rate needs a value and a unit, like rate(5 minutes)"}
	}
	value, unitName := parts[0], parts[1]
	if !isDigits(value) || len(value) > 12 {
		return nil, &SyntaxError{Expr: src, Field: "value", Msg: fmt.Sprintf("%q is not a positive integer", value)}
	}
	n, _ := strconv.ParseInt(value, 10, 64) // at most 12 digits: cannot fail
	if n < 1 {
		return nil, &SyntaxError{Expr: src, Field: "value", Msg: "must be at least 1"}
	}
	unit, ok := rateUnits[unitName]
	if !ok {
		return nil, &SyntaxError{Expr: src, Field: "unit", Msg: fmt.Sprintf("%q is not one of minute(s), hour(s), day(s)", unitName)}
	}
	if n == 1 && unit.plural {
		return nil, &SyntaxError{Expr: src, Field: "unit", Msg: fmt.Sprintf("a value of 1 takes the singular unit %q", strings.TrimSuffix(unitName, "s"))}
	}
	if n > 1 && !unit.plural {
		return nil, &SyntaxError{Expr: src, Field: "unit", Msg: fmt.Sprintf("a value above 1 takes the plural unit %q", unitName+"s")}
	}
	if n > int64(1<<63-1)/int64(unit.d) {
		return nil, &SyntaxError{Expr: src, Field: "value", Msg: "interval too long"}
	}
	return &rateExpr{src: src, loc: loc, anchor: anchor, interval: time.Duration(n) * unit.d}, nil
}

// Next returns anchor + k*interval for the smallest k >= 0 that lands
// strictly after t: the anchor itself when t is before it.
func (r *rateExpr) Next(t time.Time) time.Time {
	if t.Before(r.anchor) {
		return r.anchor.In(r.loc)
	}
	// Whole seconds keep the arithmetic exact far from the anchor, where a
	// time.Duration difference would saturate.
	step := int64(r.interval / time.Second)
	diff := t.Unix() - r.anchor.Unix()
	k := diff / step
	if diff%step == 0 && t.Nanosecond() < r.anchor.Nanosecond() {
		k--
	}
	return time.Unix(r.anchor.Unix()+(k+1)*step, int64(r.anchor.Nanosecond())).In(r.loc)
}

func (r *rateExpr) String() string { return r.src }

// atExpr fires once, or never when its wall time falls in a daylight saving
// gap.
type atExpr struct {
	src   string
	at    time.Time
	fires bool // false: at is in a gap and skipped
}

const atLayout = "2006-01-02T15:04:05"

func parseAt(src, inner string, loc *time.Location) (Expression, error) {
	// time.Parse would also accept a fractional second; AWS does not.
	ts, err := time.Parse(atLayout, inner)
	if err != nil || len(inner) != len(atLayout) {
		return nil, &SyntaxError{Expr: src, Field: "timestamp", Msg: fmt.Sprintf("%q is not a valid yyyy-mm-ddThh:mm:ss time", inner)}
	}
	c := civil{ts.Year(), int(ts.Month()), ts.Day(), ts.Hour(), ts.Minute()}
	at, fires := resolve(c, ts.Second(), loc)
	return &atExpr{src: src, at: at, fires: fires}, nil
}

// Next returns the fire time when there is one and it is after t, the zero
// Time otherwise.
func (a *atExpr) Next(t time.Time) time.Time {
	if a.fires && a.at.After(t) {
		return a.at
	}
	return time.Time{}
}

func (a *atExpr) String() string { return a.src }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
