package apigw

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
)

// MaxQuery bounds a request's whole query string, in bytes. The longest
// legitimate one (a registry filter with a cursor) is well under 2 KB.
const MaxQuery = 4096

// Param declares a query parameter a route accepts. The router checks
// every request's query against its route's declarations before the
// handler runs: a parameter the route does not declare, one given more
// than once, a missing required one, or a value that fails its check is
// refused with 400 naming the parameter. Build declarations with the
// constructors (TextParam, PatternParam, EnumParam, IntParam, BoolParam,
// TimeParam, IgnoredPrefix).
type Param struct {
	// Name is the parameter's name (a name prefix for IgnoredPrefix).
	Name string
	// Required refuses a request without the parameter.
	Required bool
	// MaxLen bounds the value, in characters.
	MaxLen int
	// Enum lists the allowed values (nil: any value passing Check).
	Enum []string
	// Pattern is the regular expression of a PatternParam whose matcher
	// says it (fmt.Stringer).
	Pattern string
	// Min and Max bound an integer parameter (IsInt).
	Min, Max int
	// IsInt, IsBool and IsTime say what kind of value it is (for the
	// description the OpenAPI test compares with).
	IsInt, IsBool, IsTime bool
	// check returns why a value is refused ("" when it is fine).
	check func(string) string
	// prefix marks a family of parameters the route tolerates and ignores
	// (the marketing tags messengers add to shared links).
	prefix bool
}

// Matcher is what PatternParam needs of a regular expression.
type Matcher interface{ MatchString(string) bool }

// Req returns p as a required parameter.
func (p Param) Req() Param { p.Required = true; return p }

// TextParam is free text of at most maxLen characters (valid UTF-8, no
// control characters).
func TextParam(name string, maxLen int) Param {
	return Param{Name: name, MaxLen: maxLen}
}

// PatternParam is a value matching re (and at most maxLen characters);
// hint says what is expected, for the error message.
func PatternParam(name string, re Matcher, maxLen int, hint string) Param {
	expr := ""
	if s, ok := re.(fmt.Stringer); ok {
		expr = s.String()
	}
	return Param{Name: name, MaxLen: maxLen, Pattern: expr, check: func(v string) string {
		if !re.MatchString(v) {
			return hint
		}
		return ""
	}}
}

// EnumParam is one of the given values.
func EnumParam(name string, values ...string) Param {
	n := 0
	for _, v := range values {
		n = max(n, utf8.RuneCountInString(v))
	}
	return Param{Name: name, MaxLen: n, Enum: values}
}

// BoolParam is "true" or "false".
func BoolParam(name string) Param {
	p := EnumParam(name, "true", "false")
	p.IsBool = true
	return p
}

// IntParam is a decimal integer in [lo, hi].
func IntParam(name string, lo, hi int) Param {
	return Param{Name: name, MaxLen: 20, Min: lo, Max: hi, IsInt: true, check: func(v string) string {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Sprintf("an integer from %d to %d", lo, hi)
		}
		return ""
	}}
}

// TimeParam is a date (2026-11-23) or an RFC 3339 time
// (2026-11-23T10:00:00Z).
func TimeParam(name string) Param {
	return Param{Name: name, MaxLen: 40, IsTime: true, check: func(v string) string {
		if _, err := ParseTime(v, false); err != nil {
			return "a date (2026-11-23) or a time (2026-11-23T10:00:00Z)"
		}
		return ""
	}}
}

// ParseTime reads a TimeParam value; a date as the end of a period (end)
// means the last instant of that day. The zero time for "".
func ParseTime(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date nor an RFC 3339 time", v)
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

// IgnoredPrefix tolerates (and ignores) every parameter whose name starts
// with prefix, such as the "utm_" tags a messenger adds to a shared link.
func IgnoredPrefix(prefix string) Param {
	return Param{Name: prefix, MaxLen: 512, prefix: true}
}

// Prefix reports whether p declares a family of ignored parameters.
func (p Param) Prefix() bool { return p.prefix }

// CheckQuery checks a request's query against a route's declared
// parameters (see Param). It returns an Invalid error naming every
// offending parameter, with Details {"in": "query"}.
func CheckQuery(q map[string][]string, params []Param) error {
	var fields []apperr.FieldError
	bad := func(name, msg string) { fields = append(fields, apperr.FieldError{Field: name, Message: msg}) }
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		values := q[name]
		p, ok := lookup(params, name)
		switch {
		case !ok:
			bad(displayName(name), "unknown query parameter"+known(params))
			continue
		case p.prefix:
			continue
		case len(values) > 1:
			bad(name, "given more than once")
			continue
		}
		if msg := p.validate(values[0]); msg != "" {
			bad(name, msg)
		}
	}
	for _, p := range params {
		if p.Required && len(q[p.Name]) == 0 {
			bad(p.Name, "required")
		}
	}
	if len(fields) == 0 {
		return nil
	}
	offending := make([]string, len(fields))
	for i, f := range fields {
		offending[i] = f.Field
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "invalid query parameter: " + strings.Join(offending, ", "),
		Fields: fields, Details: map[string]any{"in": "query"}}
}

// InQuery reports whether e is about the query string (CheckQuery's).
func InQuery(e *apperr.Error) bool { return e.Details["in"] == "query" }

func (p Param) validate(v string) string {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		return "contains characters that are not text"
	}
	if p.MaxLen > 0 && utf8.RuneCountInString(v) > p.MaxLen {
		return fmt.Sprintf("at most %d characters", p.MaxLen)
	}
	if p.Enum != nil {
		if !slices.Contains(p.Enum, v) {
			return "one of " + strings.Join(p.Enum, ", ")
		}
		return ""
	}
	if p.check != nil {
		return p.check(v)
	}
	return ""
}

func lookup(params []Param, name string) (Param, bool) {
	for _, p := range params {
		if p.prefix && strings.HasPrefix(name, p.Name) || !p.prefix && p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// known lists a route's parameters for the "unknown" message.
func known(params []Param) string {
	var names []string
	for _, p := range params {
		if !p.prefix {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return " (this endpoint takes none)"
	}
	return " (this endpoint takes " + strings.Join(names, ", ") + ")"
}

// displayName keeps an unknown parameter's name printable and short in
// the error that names it.
func displayName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 64 {
		name = string(r[:64]) + "…"
	}
	return name
}
