// Package seed holds the reference data a new installation starts with (the
// catalog of claim categories and types) and loads it. The SeedFunction
// writes it on deploy through a CloudFormation custom resource, adding only
// what the table does not have, so administrators' edits survive.
package seed

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

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
