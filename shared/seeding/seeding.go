// Package seeding is the CloudFormation custom resource that writes reference
// data on deploy (the catalog of claim categories and types, and the roster
// of claims managers where one is configured). It is the only package that
// sees custom resource events.
//
// Layer: edge.
package seeding

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"

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
	// SeedConfigDoc writes a reference document unless one is there.
	SeedConfigDoc(ctx context.Context, name string, doc []byte) (bool, error)
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
	// Config returns the reference documents by name (the SLA policies and
	// the working calendar); nil seeds none.
	Config func() (map[string][]byte, error)
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
	docsAdded := 0
	if s.Config != nil {
		docs, err := s.Config()
		if err != nil {
			return physicalID, nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(docs)) {
			wrote, err := s.Store.SeedConfigDoc(ctx, name, docs[name])
			if err != nil {
				return physicalID, nil, fmt.Errorf("seed %s: %w", name, err)
			}
			if wrote {
				docsAdded++
			}
		}
	}
	s.Logger.InfoContext(ctx, "reference data seeded", "request", string(ev.RequestType), "catalogEntriesAdded", added,
		"managersAdded", managersAdded, "documentsAdded", docsAdded)
	return physicalID, map[string]any{"CatalogEntriesAdded": added, "ManagersAdded": managersAdded, "DocumentsAdded": docsAdded}, nil
}
