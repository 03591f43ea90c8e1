package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/registry"
)

// Lister lists claims by the registry's indexes (a month's claims).
type Lister interface {
	ListClaims(ctx context.Context, spec registry.ListSpec) (*registry.ListPage, error)
}

// Maintenance recounts claims into the aggregates and checks the
// aggregates against a recount, a page of a month's claims at a time (a
// cursor resumes it): a repair after lost events, and the way new
// dimensions fill for the claims before them.
type Maintenance struct {
	Consumer *Consumer
	Claims   Lister
}

// PageSize is how many claims a recount or a check takes per call.
const PageSize = 100

var monthPattern = lazyre.New(`^\d{4}-(0[1-9]|1[0-2])$`)

// Page is what a recount or a check did with one page of a month's claims.
type Page struct {
	Month string `json:"month"`
	// Claims is how many claims the page held.
	Claims int `json:"claims"`
	// Drifted lists the claims whose counts were not what they are now
	// (a check: found; a recount: corrected).
	Drifted []string `json:"drifted"`
	// Next continues with the next page ("" when the month is done).
	Next string `json:"next,omitempty"`
}

// Recount counts a page of a month's claims as they are now. Errors:
// Invalid naming month or cursor.
func (m *Maintenance) Recount(ctx context.Context, month, cursor string) (*Page, error) {
	return m.walk(ctx, month, cursor, true)
}

// Check compares what a page of a month's claims contribute now with what
// the aggregates hold of them, changing nothing. Errors as Recount's.
func (m *Maintenance) Check(ctx context.Context, month, cursor string) (*Page, error) {
	return m.walk(ctx, month, cursor, false)
}

func (m *Maintenance) walk(ctx context.Context, month, cursor string, fix bool) (*Page, error) {
	if !monthPattern.MatchString(month) {
		return nil, apperr.InvalidField("month", "a month as YYYY-MM")
	}
	page, err := m.Claims.ListClaims(ctx, registry.ListSpec{Dim: registry.DimMonth, Value: month, Limit: PageSize, Start: cursor})
	if err != nil {
		return nil, err
	}
	out := &Page{Month: month, Claims: len(page.Claims), Drifted: []string{}, Next: page.Next}
	c := m.Consumer
	cal, err := c.cfg.Calendar.Calendar(ctx)
	if err != nil {
		return nil, fmt.Errorf("working calendar: %w", err)
	}
	for i := range page.Claims {
		cl := &page.Claims[i]
		applied, err := c.cfg.Store.Applied(ctx, cl.ID)
		if err != nil {
			return nil, err
		}
		now := Facts(cl, cal, c.cfg.Location)
		drifted := false
		for _, kind := range FactKinds {
			if len(Delta(applied[kind].Contribution, now[kind])) > 0 {
				drifted = true
			}
		}
		if !drifted {
			continue
		}
		out.Drifted = append(out.Drifted, cl.ID)
		if fix {
			if err := c.recount(ctx, cl.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// MaxSpanMonths bounds the months one rebuild walks.
const MaxSpanMonths = 120

// RecountSpan recounts the claims filed in the months from..to (YYYY-MM,
// both included), a page per call: a rebuild of every aggregate, for a
// repair or a dimension added after the claims were counted. The cursor
// (Page.Next) carries the month and the page, so a rebuild stopped
// anywhere resumes where it stopped. Errors: Invalid naming from, to or
// cursor.
func (m *Maintenance) RecountSpan(ctx context.Context, from, to, cursor string) (*Page, error) {
	return m.walkSpan(ctx, from, to, cursor, true)
}

// CheckSpan is Check over the months from..to, as RecountSpan walks them.
func (m *Maintenance) CheckSpan(ctx context.Context, from, to, cursor string) (*Page, error) {
	return m.walkSpan(ctx, from, to, cursor, false)
}

// spanSep separates the month and the page in a span's cursor.
const spanSep = "~"

func (m *Maintenance) walkSpan(ctx context.Context, from, to, cursor string, fix bool) (*Page, error) {
	start, err := time.Parse("2006-01", from)
	if err != nil || !monthPattern.MatchString(from) {
		return nil, apperr.InvalidField("from", "a month as YYYY-MM")
	}
	end, err := time.Parse("2006-01", to)
	if err != nil || !monthPattern.MatchString(to) {
		return nil, apperr.InvalidField("to", "a month as YYYY-MM")
	}
	switch {
	case end.Before(start):
		return nil, apperr.InvalidField("from", "after to")
	case end.After(start.AddDate(0, MaxSpanMonths-1, 0)):
		return nil, apperr.InvalidField("to", fmt.Sprintf("at most %d months after from", MaxSpanMonths))
	}
	month, page := from, ""
	if cursor != "" {
		var ok bool
		month, page, ok = strings.Cut(cursor, spanSep)
		if !ok || !monthPattern.MatchString(month) || month < from || month > to {
			return nil, apperr.InvalidField("cursor", "not a cursor of this span")
		}
	}
	p, err := m.walk(ctx, month, page, fix)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Next != "":
		p.Next = month + spanSep + p.Next
	case month < to:
		t, _ := time.Parse("2006-01", month)
		p.Next = t.AddDate(0, 1, 0).Format("2006-01") + spanSep
	}
	return p, nil
}

// recount counts a claim from scratch of its stamps: what it contributes
// now against what was applied, whatever the stamps say.
func (c *Consumer) recount(ctx context.Context, claimID string) error {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		err := c.countAll(ctx, claimID, true)
		if err == nil || !isConflict(err) || attempt >= attempts {
			return err
		}
	}
}

func isConflict(err error) bool { return apperr.Is(err, apperr.Conflict) }
