// Package seed holds the reference data a new installation starts with (the
// catalog of claim categories and types, the roster of claims managers, the
// working calendar and the SLA policies) and loads it, validated. The
// SeedFunction writes the catalog and the roster on deploy through a
// CloudFormation custom resource, adding only what the table does not have,
// so administrators' edits survive.
//
// Layer: domain.
package seed

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/sla"
)

//go:embed catalog.json
var catalogJSON []byte

// Catalog returns the seed catalog, validated.
func Catalog() (*catalog.Catalog, error) {
	var c catalog.Catalog
	if err := json.Unmarshal(catalogJSON, &c); err != nil {
		return nil, fmt.Errorf("seed catalog: %w", err)
	}
	var errs []error
	for i := range c.Categories {
		if err := catalog.ValidateCategory(&c.Categories[i]); err != nil {
			errs = append(errs, fmt.Errorf("category %s: %w", c.Categories[i].ID, err))
		}
	}
	for i := range c.Types {
		if err := catalog.ValidateType(&c.Types[i], &c); err != nil {
			errs = append(errs, fmt.Errorf("type %s: %w", c.Types[i].ID, err))
		}
	}
	for i := range c.RootCauses {
		if err := catalog.ValidateRootCause(&c.RootCauses[i]); err != nil {
			errs = append(errs, fmt.Errorf("root cause %s: %w", c.RootCauses[i].ID, err))
		}
	}
	for i := range c.Models {
		if err := catalog.ValidateModel(&c.Models[i]); err != nil {
			errs = append(errs, fmt.Errorf("model %s: %w", c.Models[i].ID, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("seed catalog: %w", err)
	}
	c.Sort()
	return &c, nil
}

//go:embed managers.json
var managersJSON []byte

// Managers returns the seed roster of claims managers (manager-1 is the
// local demo manager), validated: every field, every substitute on the
// roster, every category in the seed catalog.
func Managers() ([]assignment.Manager, error) {
	var r assignment.Roster
	if err := json.Unmarshal(managersJSON, &r); err != nil {
		return nil, fmt.Errorf("seed managers: %w", err)
	}
	c, err := Catalog()
	if err != nil {
		return nil, err
	}
	categories := make([]string, 0, len(c.Categories))
	for _, cat := range c.Categories {
		categories = append(categories, cat.ID)
	}
	if err := r.Validate(categories); err != nil {
		return nil, fmt.Errorf("seed managers: %w", err)
	}
	r.Sort()
	return r.Managers, nil
}

//go:embed calendar.json
var calendarJSON []byte

// Calendar returns the seed working calendar (Europe/Moscow, 09:00-18:00,
// Russia's production calendar for 2025 and 2026 and a preliminary 2027),
// validated.
func Calendar() (*sla.Calendar, error) {
	c, err := sla.ParseCalendar(calendarJSON)
	if err != nil {
		return nil, fmt.Errorf("seed calendar: %w", err)
	}
	return c, nil
}

//go:embed sla.json
var slaJSON []byte

// SLAConfig returns the seed SLA policies and statutory terms, validated,
// also against the seed catalog: every category and type a policy names
// exists, and a type sits in the category named with it.
func SLAConfig() (*sla.Config, error) {
	c, err := sla.ParseConfig(slaJSON)
	if err != nil {
		return nil, fmt.Errorf("seed SLA config: %w", err)
	}
	cat, err := Catalog()
	if err != nil {
		return nil, err
	}
	if err := c.CheckCatalog(cat); err != nil {
		return nil, fmt.Errorf("seed SLA config: %w", err)
	}
	return c, nil
}

//go:embed company.json
var companyJSON []byte

// CompanyJSON is the seed company details the documents carry (a demo
// company: replace them with PUT /v1/admin/company). The seed function
// stores it as it is; the package's tests check it with
// claimdocs.ValidateCompany (which the seed function does not link: it
// renders no documents).
func CompanyJSON() []byte { return companyJSON }

// ConfigDocs returns the reference documents as stored (by name:
// sla.CalendarDoc, sla.PoliciesDoc, and "company", CompanyJSON), after
// validating the SLA's.
func ConfigDocs() (map[string][]byte, error) {
	if _, err := Calendar(); err != nil {
		return nil, err
	}
	if _, err := SLAConfig(); err != nil {
		return nil, err
	}
	return map[string][]byte{sla.CalendarDoc: calendarJSON, sla.PoliciesDoc: slaJSON, "company": companyJSON}, nil
}
