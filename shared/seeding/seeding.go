// Package seeding is the CloudFormation custom resource that writes reference
// data on deploy (the catalog of claim categories and types, and the roster
// of claims managers where one is configured). It is the only package that
// sees custom resource events.
package seeding

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
)

// ReferenceStore adds the reference data that is missing, leaving what is
// there (and may have been edited) alone; each method returns how many
// entries it added.
type ReferenceStore interface {
	SeedCatalog(ctx context.Context, c *catalog.Catalog) (int, error)
	SeedRoster(ctx context.Context, managers []assignment.Manager) (int, error)
}

// Seeder is the reference-data custom resource: on Create and Update it
// seeds the catalog and the roster; on Delete it keeps the data (the table is
// retained too).
type Seeder struct {
	Catalog func() (*catalog.Catalog, error)
	// Roster returns the demo managers, seeded only when the resource's
	// DemoData property is "true": a real installation's managers are real
	// users, entered through the API.
	Roster func() ([]assignment.Manager, error)
	Store  ReferenceStore
	Logger *slog.Logger
}

// Handle answers one CloudFormation custom resource request.
func (s *Seeder) Handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	const physicalID = "claimsdesk-reference-data"
	if ev.RequestType == cfn.RequestDelete {
		return physicalID, nil, nil
	}
	c, err := s.Catalog()
	if err != nil {
		return physicalID, nil, err
	}
	added, err := s.Store.SeedCatalog(ctx, c)
	if err != nil {
		return physicalID, nil, fmt.Errorf("seed catalog: %w", err)
	}
	managersAdded := 0
	if s.Roster != nil && fmt.Sprint(ev.ResourceProperties["DemoData"]) == "true" {
		managers, err := s.Roster()
		if err != nil {
			return physicalID, nil, err
		}
		if managersAdded, err = s.Store.SeedRoster(ctx, managers); err != nil {
			return physicalID, nil, fmt.Errorf("seed roster: %w", err)
		}
	}
	s.Logger.InfoContext(ctx, "reference data seeded", "request", string(ev.RequestType), "catalogEntriesAdded", added, "managersAdded", managersAdded)
	return physicalID, map[string]any{"CatalogEntriesAdded": added, "ManagersAdded": managersAdded}, nil
}
