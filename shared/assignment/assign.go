package assignment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
)

// Result is who gets a claim and why.
type Result struct {
	Assignee string `json:"assignee"`
	// Reason is for the claim's history: "round robin (defect)",
	// "substitute for m2 (vacation)".
	Reason string `json:"reason"`
	// Chain is the path through the responsibility matrix when a substitute
	// was taken: the absent manager whose turn it was, then every manager
	// walked, ending with the assignee. Empty for a direct assignment.
	Chain []string `json:"chain,omitempty"`
}

// Eligible returns the IDs of the active managers who handle the claim's
// category or its product line, sorted by ID: the round-robin pool, present
// or not.
func (r *Roster) Eligible(c *claims.Claim) []string {
	var out []string
	for i := range r.Managers {
		if m := &r.Managers[i]; m.Active && m.Handles(c) {
			out = append(out, m.ID)
		}
	}
	slices.Sort(out)
	return out
}

// TurnKey names the round-robin pool of a claim, for the caller's turn
// counter: the claim's category, extended by its product line when managers
// handle that line without handling the category (they join the pool, so it
// is another pool with its own rotation). Claims with one key draw from one
// pool, which is what keeps their spread even.
func (r *Roster) TurnKey(c *claims.Claim) string {
	line := normalLine(c.Product.Category)
	if line == "" {
		return c.CategoryID
	}
	probe := claims.Claim{Product: claims.Product{Category: line}}
	for i := range r.Managers {
		m := &r.Managers[i]
		if m.Active && m.Handles(&probe) && !m.Handles(&claims.Claim{CategoryID: c.CategoryID}) {
			return c.CategoryID + "|" + line
		}
	}
	return c.CategoryID
}

// Assign picks the manager for a new claim.
//
// turn is the claim's number in its pool (TurnKey), from a counter the
// caller increments atomically, so that concurrent intakes rotate too;
// exclude lists managers who must not get this claim, by ID or email (the
// customer's personal manager); today is the current time in the company's time zone.
//
// The pool is Eligible(c); the candidate is pool[turn mod n], then the next
// ones in order:
//   - an excluded candidate is passed over;
//   - an overloaded one too: "weighted by open workload" means a manager
//     whose open claims (Workload) exceed the least-loaded available pool
//     member's by more than MaxImbalance sits out turns until the others
//     catch up; with an even intake this never triggers, and a stale count
//     only delays it;
//   - an absent candidate's turn goes down the responsibility matrix
//     (Substitute links), past excluded, inactive and absent people, to the
//     first manager available; the matrix is the supervisors' explicit
//     choice, so a substitute neither needs the claim's skills nor is checked
//     for workload. A chain that ends or loops hands the turn to the next
//     candidate.
//
// An excluded manager is never returned. When nobody can take the claim it
// returns apperr.Conflict (Details "unassigned": true): the claim stays
// unassigned and supervisors are to be notified. Assign does not change the
// roster and is safe for concurrent use.
func (r *Roster) Assign(c *claims.Claim, turn int64, today time.Time, exclude []string) (Result, error) {
	pool := r.Eligible(c)
	label := c.CategoryID
	if key := r.TurnKey(c); key != c.CategoryID {
		label = c.CategoryID + ", " + normalLine(c.Product.Category)
	}
	if len(pool) == 0 {
		return Result{}, unassigned(c, "no active claims manager handles category %q or product line %q", c.CategoryID, c.Product.Category)
	}
	excluded := r.excluded(exclude)
	overloaded := r.overloaded(pool, today, excluded)
	n := int64(len(pool))
	start := (turn%n + n) % n
	for k := range n {
		id := pool[(start+k)%n]
		if excluded[id] {
			continue
		}
		m, _ := r.Manager(id)
		absence, absent := m.AbsentOn(today)
		if !absent {
			if overloaded(id) {
				continue
			}
			return Result{Assignee: id, Reason: fmt.Sprintf("round robin (%s)", label)}, nil
		}
		chain, sub := r.follow(id, today, excluded)
		if sub != "" {
			return Result{
				Assignee: sub,
				Reason:   fmt.Sprintf("substitute for %s (%s)", id, absence.Kind),
				Chain:    append([]string{id}, chain...),
			}, nil
		}
	}
	return Result{}, unassigned(c, "no claims manager for %s is available (absent without an available substitute, or excluded as the customer's personal manager)", label)
}

// excluded resolves Assign's exclude list to roster IDs: an entry names a
// manager by ID or by email (ignoring case), since the ERP records a
// customer's sales manager as it knows them.
func (r *Roster) excluded(exclude []string) map[string]bool {
	out := make(map[string]bool, len(exclude))
	for _, x := range exclude {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		out[x] = true
		for _, m := range r.Managers {
			if m.Email != "" && strings.EqualFold(m.Email, x) {
				out[m.ID] = true
			}
		}
	}
	return out
}

// overloaded returns the workload test of Assign: nobody is overloaded
// without a Workload, and the baseline is the least-loaded pool member who
// could take the claim directly (present and not excluded).
func (r *Roster) overloaded(pool []string, today time.Time, excluded map[string]bool) func(string) bool {
	if r.Workload == nil {
		return func(string) bool { return false }
	}
	least, found := 0, false
	for _, id := range pool {
		if excluded[id] || !r.Available(id, today) {
			continue
		}
		if w := r.Workload[id]; !found || w < least {
			least, found = w, true
		}
	}
	limit := r.MaxImbalance
	if limit <= 0 {
		limit = DefaultMaxImbalance
	}
	return func(id string) bool { return r.Workload[id] > least+limit }
}

func unassigned(c *claims.Claim, format string, args ...any) error {
	e := apperr.Errorf(apperr.Conflict, format+": the claim stays unassigned and supervisors are notified", args...)
	e.Details = map[string]any{"unassigned": true, "categoryId": c.CategoryID}
	return e
}

// IsUnassigned reports whether err is Assign's "nobody can take the claim".
func IsUnassigned(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.Conflict && e.Details["unassigned"] == true
}

// PersonalKey is how a customer's personal manager is stored and compared:
// a roster ID as given, an email (the ERP's way of naming its sales
// managers) in lower case.
func PersonalKey(v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "@") {
		return strings.ToLower(v)
	}
	return v
}

// Keys returns the personal-manager keys that name a manager: their ID and,
// when they have one, their email.
func (r *Roster) Keys(id string) []string {
	out := []string{PersonalKey(id)}
	if m, ok := r.Manager(id); ok && m.Email != "" {
		out = append(out, PersonalKey(m.Email))
	}
	return out
}

// Source reads the roster and the managers' open workload.
type Source interface {
	Roster(ctx context.Context) (*Roster, error)
	OpenWorkload(ctx context.Context, managerIDs []string) (map[string]int, error)
}

// Cached keeps the roster with its managers' open workload for ttl in the
// execution environment: intake reads it on every claim, it changes rarely,
// and a workload a little stale only delays the rebalancing. It returns an
// Internal error when src is missing (a typed nil included).
func Cached(src Source, ttl time.Duration) (*cache.Value[*Roster], error) {
	if err := deps.Check("assignment roster cache", deps.Need("Source", src)); err != nil {
		return nil, err
	}
	return &cache.Value[*Roster]{TTL: ttl, Load: func(ctx context.Context) (*Roster, error) {
		r, err := src.Roster(ctx)
		if err != nil {
			return nil, fmt.Errorf("load roster: %w", err)
		}
		ids := make([]string, 0, len(r.Managers))
		for _, m := range r.Managers {
			if m.Active {
				ids = append(ids, m.ID)
			}
		}
		if r.Workload, err = src.OpenWorkload(ctx, ids); err != nil {
			return nil, fmt.Errorf("load workload: %w", err)
		}
		return r, nil
	}}, nil
}

// StandIn returns who takes id's claims today: the first manager available
// down id's substitute chain who is not excluded (IDs or emails, as Assign
// takes them); "" when the chain leads to nobody.
func (r *Roster) StandIn(id string, today time.Time, exclude []string) string {
	_, sub := r.follow(id, today, r.excluded(exclude))
	return sub
}
