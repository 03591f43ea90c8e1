package app

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Env reads a function's environment variables and collects what is wrong
// with them, so that a function that cannot start says at once everything
// its configuration lacks, each variable by name. Read the variables, then
// check Err before using any value.
type Env struct {
	lookup func(string) (string, bool)
	read   []string
	fields []apperr.FieldError
}

// NewEnv returns an Env on the process's environment.
func NewEnv() *Env { return &Env{lookup: os.LookupEnv} }

func (e *Env) get(name string) string {
	if !slices.Contains(e.read, name) {
		e.read = append(e.read, name)
	}
	v, _ := e.lookup(name)
	return v
}

func (e *Env) fail(name, message string) {
	e.fields = append(e.fields, apperr.FieldError{Field: name, Message: message})
}

// Required returns a variable that must be set; an unset or empty one is
// recorded as "not set".
func (e *Env) Required(name string) string {
	v := e.get(name)
	if v == "" {
		e.fail(name, "not set")
	}
	return v
}

// Optional returns a variable, or def when it is unset or empty.
func (e *Env) Optional(name, def string) string {
	if v := e.get(name); v != "" {
		return v
	}
	return def
}

// Seconds returns a duration given in whole seconds, or def when unset; a
// value that is not a non-negative number is recorded.
func (e *Env) Seconds(name string, def time.Duration) time.Duration {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.fail(name, fmt.Sprintf("%q is not a number of seconds", v))
		return def
	}
	return time.Duration(n) * time.Second
}

// Int returns a non-negative number, or def when unset; anything else is
// recorded.
func (e *Env) Int(name string, def int) int {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.fail(name, fmt.Sprintf("%q is not a non-negative number", v))
		return def
	}
	return n
}

// Location returns the time zone a required variable names (an IANA name
// such as "Europe/Moscow"); an unset or unknown one is recorded. The
// function must link a zone database (time/tzdata): Lambda's runtime image
// has none.
func (e *Env) Location(name string) *time.Location {
	v := e.Required(name)
	if v == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		e.fail(name, fmt.Sprintf("%q is not a time zone", v))
		return time.UTC
	}
	return loc
}

// Check records a problem with a variable found by another reader (a list
// the webhook package parses, a secret too short to derive keys from):
// err's text under name, nothing when err is nil.
func (e *Env) Check(name string, err error) {
	if err != nil {
		e.fail(name, err.Error())
	}
}

// Read returns the names of the variables read so far, in order: what the
// function's template must set.
func (e *Env) Read() []string { return slices.Clone(e.read) }

// Err returns nil when every variable read was fine, else an Invalid error
// listing each bad one (field = the variable's name).
func (e *Env) Err() error {
	if len(e.fields) == 0 {
		return nil
	}
	return fmt.Errorf("environment: %w", &apperr.Error{Code: apperr.Invalid, Message: "the function's environment is incomplete or invalid", Fields: e.fields})
}

// Parse reads a variable (set or not) through parse, recording parse's
// error under the variable's name: the secret the keys derive from
// (Parse(env, "APP_SECRET", keys.Derive)), a list of hosts.
func Parse[T any](e *Env, name string, parse func(string) (T, error)) T {
	v, err := parse(e.get(name))
	e.Check(name, err)
	return v
}
