package sla

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/workflow"
)

// DefaultWarnAtPercent is when a clock warns, as a share of its span, unless
// a policy says otherwise.
const DefaultWarnAtPercent = 80

// MaxHours bounds any business-hours figure of a policy (about a working
// year).
const MaxHours = 2500

// MaxStatutoryDays bounds a statutory term.
const MaxStatutoryDays = 366

// DefaultStatutoryDays returns the consumer-law terms in calendar days by
// desired result (Law "On Consumer Rights Protection"): refund and price
// reduction 10 days (art. 22), replacement 20 (art. 21: 7 days, 20 when the
// seller needs a quality check, which is the norm for claims), repair 45
// (art. 20, the longest term an agreement may set). Config uses them when
// the file has no statutoryDays.
func DefaultStatutoryDays() map[claims.DesiredResult]int {
	return map[claims.DesiredResult]int{
		claims.Refund:         10,
		claims.PriceReduction: 10,
		claims.Replacement:    20,
		claims.Repair:         45,
	}
}

// Config is the SLA policies and the statutory terms.
type Config struct {
	Note string `json:"note,omitempty"`
	// StatutoryDays is the consumer-law term in calendar days by desired
	// result; a result without one has no statutory clock. Omitted, it is
	// DefaultStatutoryDays; an empty object turns the statutory clock off.
	StatutoryDays map[claims.DesiredResult]int `json:"statutoryDays"`
	// Policies are matched by Match; one must be a catch-all.
	Policies []Policy `json:"policies"`
}

// Policy is the service levels for the claims it matches. Empty match keys
// match anything.
type Policy struct {
	ID         string           `json:"id"`
	Note       string           `json:"note,omitempty"`
	CategoryID string           `json:"categoryId,omitempty"`
	TypeID     string           `json:"typeId,omitempty"`
	Priority   catalog.Priority `json:"priority,omitempty"`
	// FirstResponseHours and ResolutionHours are business hours from intake.
	FirstResponseHours float64 `json:"firstResponseHours"`
	ResolutionHours    float64 `json:"resolutionHours"`
	// StageHours is the business hours a working stage may take, from its
	// entry; a stage not listed has no stage clock.
	StageHours map[claims.Stage]float64 `json:"stageHours,omitempty"`
	// WarnAtPercent is the share of a clock's span after which it warns;
	// DefaultWarnAtPercent when omitted.
	WarnAtPercent int `json:"warnAtPercent,omitempty"`
}

// FirstResponse returns the first-response time.
func (p *Policy) FirstResponse() time.Duration { return hours(p.FirstResponseHours) }

// Resolution returns the resolution time.
func (p *Policy) Resolution() time.Duration { return hours(p.ResolutionHours) }

// Stage returns the time stage s may take, and false when it has no stage
// clock.
func (p *Policy) Stage(s claims.Stage) (time.Duration, bool) {
	h, ok := p.StageHours[s]
	return hours(h), ok && h > 0
}

func hours(h float64) time.Duration { return time.Duration(math.Round(h*3600)) * time.Second }

// specificity ranks how narrowly a policy matches: a type beats a category,
// which beats a priority alone, which beats the catch-all; a type with a
// priority beats a type alone, and so on.
func (p *Policy) specificity() int {
	n := 0
	if p.TypeID != "" {
		n += 4
	}
	if p.CategoryID != "" {
		n += 2
	}
	if p.Priority != "" {
		n++
	}
	return n
}

func (p *Policy) matches(cl *claims.Claim) bool {
	return (p.TypeID == "" || p.TypeID == cl.TypeID) &&
		(p.CategoryID == "" || p.CategoryID == cl.CategoryID) &&
		(p.Priority == "" || p.Priority == cl.Priority)
}

// ParseConfig decodes a configuration from JSON and validates it. It
// returns apperr.Invalid naming the failing fields, or a wrapped decoding
// error.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode SLA config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

var policyIDPattern = lazyre.New(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// WorkingStages returns the stages a policy may give a stage clock: every
// stage that is neither final nor a pause for the customer.
func WorkingStages() []claims.Stage {
	var out []claims.Stage
	for _, s := range workflow.Stages {
		if !workflow.Terminal(s) && !workflow.Paused(s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the configuration and fills in defaults (statutory days,
// warning percentages): statutory terms for known desired results within
// 1..MaxStatutoryDays; policies with unique IDs, known priorities, positive
// hours up to MaxHours (resolution not shorter than first response), stage
// hours for working stages only, warnings at 1..99 %; no two policies with
// the same match keys (the second would never apply) and one catch-all. It
// returns apperr.Invalid naming every failing field
// ("policies[2].stageHours.diagnostics").
func (c *Config) Validate() error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }

	c.Note = claims.CleanText(c.Note)
	if c.StatutoryDays == nil {
		c.StatutoryDays = DefaultStatutoryDays()
	}
	for _, r := range slices.Sorted(maps.Keys(c.StatutoryDays)) {
		field := "statutoryDays." + string(r)
		if !slices.Contains(claims.DesiredResults, r) {
			add(field, "unknown desired result")
		} else if d := c.StatutoryDays[r]; d < 1 || d > MaxStatutoryDays {
			add(field, fmt.Sprintf("1..%d calendar days", MaxStatutoryDays))
		}
	}

	if len(c.Policies) == 0 {
		add("policies", "at least the catch-all policy is required")
	}
	ids := map[string]int{}
	keys := map[string]int{}
	catchAll := false
	working := WorkingStages()
	hoursOK := func(h float64) bool { return h > 0 && h <= MaxHours && !math.IsNaN(h) }
	for i := range c.Policies {
		p := &c.Policies[i]
		p.Note = claims.CleanText(p.Note)
		field := fmt.Sprintf("policies[%d]", i)
		if !policyIDPattern.MatchString(p.ID) {
			add(field+".id", "1-64 characters: lower-case letters, digits, '.', '_' or '-'")
		} else if j, dup := ids[p.ID]; dup {
			add(field+".id", fmt.Sprintf("same as policies[%d]", j))
		} else {
			ids[p.ID] = i
		}
		if p.CategoryID != strings.TrimSpace(p.CategoryID) {
			add(field+".categoryId", "no surrounding spaces")
		}
		if p.TypeID != strings.TrimSpace(p.TypeID) {
			add(field+".typeId", "no surrounding spaces")
		}
		if p.Priority != "" && !p.Priority.Valid() {
			add(field+".priority", "one of low, normal, high, critical")
		}
		key := p.CategoryID + "\x00" + p.TypeID + "\x00" + string(p.Priority)
		if j, dup := keys[key]; dup {
			add(field, fmt.Sprintf("matches the same claims as policies[%d], so it would never apply", j))
		} else {
			keys[key] = i
		}
		if p.specificity() == 0 {
			catchAll = true
		}
		limit := fmt.Sprintf("more than 0 and at most %d business hours", MaxHours)
		if !hoursOK(p.FirstResponseHours) {
			add(field+".firstResponseHours", limit)
		}
		if !hoursOK(p.ResolutionHours) {
			add(field+".resolutionHours", limit)
		} else if p.ResolutionHours < p.FirstResponseHours {
			add(field+".resolutionHours", "must not be less than firstResponseHours")
		}
		for _, s := range slices.Sorted(maps.Keys(p.StageHours)) {
			sf := field + ".stageHours." + string(s)
			if !slices.Contains(working, s) {
				add(sf, "not a working stage (closed, rejected, withdrawn and waiting_for_customer have no stage clock)")
			} else if !hoursOK(p.StageHours[s]) {
				add(sf, limit)
			}
		}
		if p.WarnAtPercent == 0 {
			p.WarnAtPercent = DefaultWarnAtPercent
		}
		if p.WarnAtPercent < 1 || p.WarnAtPercent > 99 {
			add(field+".warnAtPercent", "1..99")
		}
	}
	if len(c.Policies) > 0 && !catchAll {
		add("policies", "a catch-all policy (no categoryId, typeId or priority) is required")
	}
	return apperr.Validation(f)
}

// CheckCatalog checks that the categories and types the policies name exist
// in cat, and that a policy naming both has the type in that category. It
// returns apperr.Invalid naming every failing field.
func (c *Config) CheckCatalog(cat *catalog.Catalog) error {
	var f []apperr.FieldError
	for i, p := range c.Policies {
		field := fmt.Sprintf("policies[%d]", i)
		if p.CategoryID != "" {
			if _, ok := cat.Category(p.CategoryID); !ok {
				f = append(f, apperr.FieldError{Field: field + ".categoryId", Message: fmt.Sprintf("no category %q in the catalog", p.CategoryID)})
			}
		}
		if p.TypeID != "" {
			t, ok := cat.Type(p.TypeID)
			switch {
			case !ok:
				f = append(f, apperr.FieldError{Field: field + ".typeId", Message: fmt.Sprintf("no type %q in the catalog", p.TypeID)})
			case p.CategoryID != "" && t.CategoryID != p.CategoryID:
				f = append(f, apperr.FieldError{Field: field + ".typeId", Message: fmt.Sprintf("type %q is in category %q", p.TypeID, t.CategoryID)})
			}
		}
	}
	return apperr.Validation(f)
}

// Match returns the policy for a claim: of the policies whose keys all
// match it, the most specific (a type beats a category, which beats a
// priority alone, which beats the catch-all), the first in the file among
// equals (which only an unvalidated config can have: equal specificity
// with the same claim matching means the same keys). A validated config
// always has a match, the catch-all.
func (c *Config) Match(cl *claims.Claim) *Policy {
	var best *Policy
	for i := range c.Policies {
		p := &c.Policies[i]
		if p.matches(cl) && (best == nil || p.specificity() > best.specificity()) {
			best = p
		}
	}
	return best
}

// Policy returns the policy with the given ID.
func (c *Config) Policy(id string) (*Policy, bool) {
	for i := range c.Policies {
		if c.Policies[i].ID == id {
			return &c.Policies[i], true
		}
	}
	return nil, false
}
