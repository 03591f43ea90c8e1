// Package seeding is the CloudFormation custom resource that writes reference
// data on deploy (the catalog of claim categories and types). It is the only
// package that sees custom resource events.
package seeding

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/claimsdesk/backend/shared/catalog"
)

// CatalogSeeder adds catalog entries that are missing.
type CatalogSeeder interface {
	SeedCatalog(ctx context.Context, c *catalog.Catalog) (int, error)
}

// Seeder is the reference-data custom resource: on Create and Update it
// seeds the catalog; on Delete it keeps the data (the table is retained too).
type Seeder struct {
	Catalog func() (*catalog.Catalog, error)
	Store   CatalogSeeder
	Logger  *slog.Logger
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
	s.Logger.InfoContext(ctx, "reference data seeded", "request", string(ev.RequestType), "catalogEntriesAdded", added)
	return physicalID, map[string]any{"CatalogEntriesAdded": added}, nil
}
