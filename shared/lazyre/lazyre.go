// Package lazyre is a regular expression compiled on first use. Every
// function imports most shared packages; compiling their patterns in
// package initialisation adds to every cold start, whether the function
// ever validates that field or not.
//
// Layer: leaf.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on first use (and then shared;
// safe for concurrent use). An invalid expression panics on first use, as
// regexp.MustCompile would at start-up; the packages' tests use each one.
type Regexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// New returns expr, to be compiled on first use.
func New(expr string) *Regexp { return &Regexp{expr: expr} }

func (r *Regexp) get() *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(r.expr) })
	return r.re
}

// String returns the expression.
func (r *Regexp) String() string { return r.expr }

// MatchString reports whether s contains a match.
func (r *Regexp) MatchString(s string) bool { return r.get().MatchString(s) }

// FindStringSubmatch returns the leftmost match and its submatches.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.get().FindStringSubmatch(s) }

// FindAllSubmatch is regexp.Regexp.FindAllSubmatch.
func (r *Regexp) FindAllSubmatch(b []byte, n int) [][][]byte { return r.get().FindAllSubmatch(b, n) }
