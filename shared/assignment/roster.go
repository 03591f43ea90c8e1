// Package assignment is the roster of claims managers and the rule that
// gives each new claim to one of them: who handles which claim categories and
// product lines, who is absent when (the availability calendar), who stands in
// for whom (the responsibility matrix), and the weighted round robin that
// picks an assignee while keeping the customer's personal manager away from
// that customer's claims.
//
// It imports no AWS package: storage (the roster items, the turn counters,
// the open-claim counts) and transport live elsewhere.
//
// Layer: domain.
package assignment

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/contact"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// DateLayout is how absence dates are written: a calendar day, YYYY-MM-DD.
const DateLayout = "2006-01-02"

// AbsenceKind says why a manager is away.
type AbsenceKind string

// The kinds of absence.
const (
	Vacation     AbsenceKind = "vacation"
	SickLeave    AbsenceKind = "sick_leave"
	OtherAbsence AbsenceKind = "other"
)

// AbsenceKinds lists the valid kinds.
var AbsenceKinds = []AbsenceKind{Vacation, SickLeave, OtherAbsence}

// Absence is one entry of a manager's availability calendar: the manager is
// away from From to To, both days included.
type Absence struct {
	From string      `json:"from"` // YYYY-MM-DD
	To   string      `json:"to"`   // YYYY-MM-DD, inclusive
	Kind AbsenceKind `json:"kind"`
	Note string      `json:"note,omitempty"`
}

// Covers reports whether the absence includes the calendar day of t (in t's
// location: callers pass the company's local time).
func (a Absence) Covers(t time.Time) bool {
	day := t.Format(DateLayout)
	return a.From <= day && day <= a.To
}

// Manager is a claims manager of the roster.
type Manager struct {
	// ID is the manager's user ID (the token's subject).
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Categories are the claim category IDs the manager handles.
	Categories []string `json:"categories"`
	// ProductLines are the product lines (a claim's product.category) the
	// manager handles whatever the claim's category; matched ignoring case.
	ProductLines []string `json:"productLines"`
	// Active managers receive claims; inactive ones (left, moved) do not and
	// are skipped in substitute chains.
	Active bool `json:"active"`
	// Substitute is the responsibility matrix: the manager who takes this
	// manager's claims while this one is absent.
	Substitute string    `json:"substitute,omitempty"`
	Absences   []Absence `json:"absences"`
}

// AbsentOn returns the absence covering the day of t, if any.
func (m *Manager) AbsentOn(t time.Time) (Absence, bool) {
	for _, a := range m.Absences {
		if a.Covers(t) {
			return a, true
		}
	}
	return Absence{}, false
}

// Handles reports whether the manager handles the claim's category or its
// product line (regardless of being active or present).
func (m *Manager) Handles(c *claims.Claim) bool {
	if c.CategoryID != "" && slices.Contains(m.Categories, c.CategoryID) {
		return true
	}
	line := normalLine(c.Product.Category)
	if line == "" {
		return false
	}
	for _, l := range m.ProductLines {
		if normalLine(l) == line {
			return true
		}
	}
	return false
}

func normalLine(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Limits of a manager's profile.
const (
	MaxManagerName = 200
	MaxProductLine = 80
	MaxAbsences    = 200
	MaxAbsenceNote = 500
	MaxSkills      = 100
)

var idPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$`)

// ValidID reports whether s can be a manager ID (a user ID: a Cognito
// subject, or a name such as "manager-1" locally).
func ValidID(s string) bool { return idPattern.MatchString(s) }

// ValidateManager normalises and checks a manager's own fields (name, email,
// skills, absences, that the substitute is not the manager); the caller
// checks what needs the rest of the world: that the categories exist in the
// catalog and the substitute in the roster (see Roster.Validate). It returns
// apperr.Invalid naming every failing field.
func ValidateManager(m *Manager) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if !ValidID(m.ID) {
		add("id", "1-128 characters: letters, digits, '.', '_', '@', ':' or '-'")
	}
	m.Name = strings.Join(strings.Fields(claims.CleanText(m.Name)), " ")
	if n := utf8.RuneCountInString(m.Name); n == 0 || n > MaxManagerName {
		add("name", fmt.Sprintf("1..%d characters", MaxManagerName))
	}
	if email, ok := contact.Email(m.Email); !ok || email == "" {
		add("email", "a valid email address is required")
	} else {
		m.Email = email
	}
	if len(m.Categories) > MaxSkills {
		add("categories", fmt.Sprintf("at most %d", MaxSkills))
	}
	seen := map[string]bool{}
	for i, c := range m.Categories {
		if c == "" || seen[c] {
			add(fmt.Sprintf("categories[%d]", i), "empty or duplicate category")
		}
		seen[c] = true
	}
	if len(m.ProductLines) > MaxSkills {
		add("productLines", fmt.Sprintf("at most %d", MaxSkills))
	}
	seen = map[string]bool{}
	for i := range m.ProductLines {
		m.ProductLines[i] = strings.Join(strings.Fields(claims.CleanText(m.ProductLines[i])), " ")
		l := normalLine(m.ProductLines[i])
		switch {
		case l == "" || utf8.RuneCountInString(l) > MaxProductLine:
			add(fmt.Sprintf("productLines[%d]", i), fmt.Sprintf("1..%d characters", MaxProductLine))
		case seen[l]:
			add(fmt.Sprintf("productLines[%d]", i), "duplicate product line")
		}
		seen[l] = true
	}
	if m.Substitute != "" && m.Substitute == m.ID {
		add("substitute", "a manager cannot substitute for themselves")
	} else if m.Substitute != "" && !ValidID(m.Substitute) {
		add("substitute", "not a manager ID")
	}
	f = append(f, absenceFields(m.Absences)...)
	return apperr.Validation(f)
}

// ValidateAbsences normalises and checks an availability calendar: dates are
// YYYY-MM-DD with From not after To, kinds are known. It returns
// apperr.Invalid naming every failing field ("absences[1].to").
func ValidateAbsences(as []Absence) error { return apperr.Validation(absenceFields(as)) }

func absenceFields(as []Absence) []apperr.FieldError {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if len(as) > MaxAbsences {
		add("absences", fmt.Sprintf("at most %d", MaxAbsences))
	}
	for i := range as {
		a := &as[i]
		p := fmt.Sprintf("absences[%d]", i)
		from, errFrom := time.Parse(DateLayout, a.From)
		if errFrom != nil {
			add(p+".from", "a date, YYYY-MM-DD")
		}
		to, errTo := time.Parse(DateLayout, a.To)
		if errTo != nil {
			add(p+".to", "a date, YYYY-MM-DD")
		}
		if errFrom == nil && errTo == nil && to.Before(from) {
			add(p+".to", "must not be before from")
		}
		if !slices.Contains(AbsenceKinds, a.Kind) {
			add(p+".kind", "one of vacation, sick_leave, other")
		}
		a.Note = claims.CleanText(a.Note)
		if utf8.RuneCountInString(a.Note) > MaxAbsenceNote {
			add(p+".note", fmt.Sprintf("at most %d characters", MaxAbsenceNote))
		}
	}
	return f
}

// DefaultMaxImbalance is the MaxImbalance of a roster that sets none.
const DefaultMaxImbalance = 10

// Roster is every claims manager, with what the assignment needs to know
// about the present: their open workload.
type Roster struct {
	Managers []Manager `json:"managers"`
	// Workload is the number of open claims per manager ID, as fresh as the
	// caller could get it (it may be stale; nil: not considered).
	Workload map[string]int `json:"-"`
	// MaxImbalance is how many more open claims than the least-loaded
	// eligible manager a manager may have and still get a turn (0: the
	// default, DefaultMaxImbalance).
	MaxImbalance int `json:"-"`
}

// Manager returns the manager with id.
func (r *Roster) Manager(id string) (*Manager, bool) {
	for i := range r.Managers {
		if r.Managers[i].ID == id {
			return &r.Managers[i], true
		}
	}
	return nil, false
}

// Sort orders the managers by ID, the round-robin order.
func (r *Roster) Sort() {
	sort.SliceStable(r.Managers, func(i, j int) bool { return r.Managers[i].ID < r.Managers[j].ID })
}

// Validate checks every manager (ValidateManager), that IDs are unique, that
// every substitute is another manager of the roster and, when categories is
// not nil, that every category is one of them. Loops in the matrix are
// allowed (Assign walks them safely). It returns apperr.Invalid with fields
// such as "managers[2].substitute".
func (r *Roster) Validate(categories []string) error {
	var f []apperr.FieldError
	ids := map[string]bool{}
	for _, m := range r.Managers {
		ids[m.ID] = true
	}
	seen := map[string]bool{}
	for i := range r.Managers {
		m := &r.Managers[i]
		p := fmt.Sprintf("managers[%d]", i)
		if e, ok := apperr.As(ValidateManager(m)); ok {
			for _, fe := range e.Fields {
				f = append(f, apperr.FieldError{Field: p + "." + fe.Field, Message: fe.Message})
			}
		}
		if seen[m.ID] {
			f = append(f, apperr.FieldError{Field: p + ".id", Message: "duplicate manager " + m.ID})
		}
		seen[m.ID] = true
		if m.Substitute != "" && m.Substitute != m.ID && !ids[m.Substitute] {
			f = append(f, apperr.FieldError{Field: p + ".substitute", Message: fmt.Sprintf("unknown manager %q", m.Substitute)})
		}
		if categories != nil {
			for j, c := range m.Categories {
				if !slices.Contains(categories, c) {
					f = append(f, apperr.FieldError{Field: fmt.Sprintf("%s.categories[%d]", p, j), Message: fmt.Sprintf("unknown category %q", c)})
				}
			}
		}
	}
	return apperr.Validation(f)
}

// Available reports whether the manager id is on the roster, active and not
// absent on the day of today.
func (r *Roster) Available(id string, today time.Time) bool {
	m, ok := r.Manager(id)
	if !ok || !m.Active {
		return false
	}
	_, absent := m.AbsentOn(today)
	return !absent
}

// Substitutes returns the responsibility-matrix chain of id on the day of
// today: id's substitute, that one's substitute, and so on, ending with the
// first manager available today (who stands in for id), or where the chain
// ends, reaches an unknown manager or would loop. It is empty when id has no
// substitute.
func (r *Roster) Substitutes(id string, today time.Time) []string {
	chain, _ := r.follow(id, today, nil)
	return chain
}

// follow walks the substitute links from id, skipping managers that are
// excluded, inactive or absent; it returns the managers walked and the first
// one available ("" when none). A visited set stops loops.
func (r *Roster) follow(id string, today time.Time, excluded map[string]bool) ([]string, string) {
	visited := map[string]bool{id: true}
	var chain []string
	m, ok := r.Manager(id)
	for ok && m.Substitute != "" && !visited[m.Substitute] {
		next := m.Substitute
		visited[next] = true
		chain = append(chain, next)
		if !excluded[next] && r.Available(next, today) {
			return chain, next
		}
		m, ok = r.Manager(next)
	}
	return chain, ""
}
