// Package seed holds the reference data a new installation starts with (the
// catalog of claim categories and types, the roster of claims managers) and
// loads it. The SeedFunction
// writes it on deploy through a CloudFormation custom resource, adding only
// what the table does not have, so administrators' edits survive.
package seed

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
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
