package seeding

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/catalog"
)

// fakeStore keeps what was seeded, by ID, adding only what is missing.
type fakeStore struct {
	catalog  map[string]bool
	managers map[string]assignment.Manager
	docs     map[string][]byte
	fail     error
}

func (f *fakeStore) SeedConfigDoc(_ context.Context, name string, doc []byte) (bool, error) {
	if _, ok := f.docs[name]; ok {
		return false, nil
	}
	f.docs[name] = doc
	return true, nil
}

func (f *fakeStore) SeedCatalog(_ context.Context, c *catalog.Catalog) (int, error) {
	added := 0
	for _, cat := range c.Categories {
		if !f.catalog["category:"+cat.ID] {
			f.catalog["category:"+cat.ID], added = true, added+1
		}
	}
	for _, t := range c.Types {
		if !f.catalog["type:"+t.ID] {
			f.catalog["type:"+t.ID], added = true, added+1
		}
	}
	return added, nil
}

func (f *fakeStore) SeedRoster(_ context.Context, managers []assignment.Manager) (int, error) {
	if f.fail != nil {
		return 0, f.fail
	}
	added := 0
	for _, m := range managers {
		if _, ok := f.managers[m.ID]; !ok {
			f.managers[m.ID], added = m, added+1
		}
	}
	return added, nil
}

func newFakeStore() *fakeStore {
	return &fakeStore{catalog: map[string]bool{}, managers: map[string]assignment.Manager{}, docs: map[string][]byte{}}
}

func TestSeederSeedsCatalogAndRoster(t *testing.T) {
	cat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	managers, err := seed.Managers()
	if err != nil {
		t.Fatal(err)
	}
	store := newFakeStore()
	s := &Seeder{Catalog: seed.Catalog, Roster: seed.Managers, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()

	id, data, err := s.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: demo})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := map[string]any{"CatalogEntriesAdded": len(cat.Categories) + len(cat.Types), "ManagersAdded": len(managers), "DocumentsAdded": 0}
	if diff := cmp.Diff(want, data); diff != "" || id != "claimsdesk-reference-data" {
		t.Errorf("Create = %q, data mismatch (-want +got):\n%s", id, diff)
	}
	if got := store.managers["manager-1"]; got.Substitute == "" || !got.Active {
		t.Errorf("manager-1 seeded as %+v", got)
	}

	// A supervisor's edit survives the next deploy: only missing managers are added.
	edited := store.managers["manager-3"]
	edited.Active = false
	store.managers["manager-3"] = edited
	delete(store.managers, "manager-5")
	_, data, err = s.Handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, ResourceProperties: demo})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if diff := cmp.Diff(map[string]any{"CatalogEntriesAdded": 0, "ManagersAdded": 1, "DocumentsAdded": 0}, data); diff != "" {
		t.Errorf("Update data mismatch (-want +got):\n%s", diff)
	}
	if store.managers["manager-3"].Active || len(store.managers) != len(managers) {
		t.Errorf("after Update: %d managers, manager-3 %+v", len(store.managers), store.managers["manager-3"])
	}

	// Delete keeps everything.
	store = newFakeStore()
	s.Store = store
	if _, data, err := s.Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete}); err != nil || data != nil || len(store.managers)+len(store.catalog) != 0 {
		t.Errorf("Delete = %v, %v; seeded %d entries", data, err, len(store.managers)+len(store.catalog))
	}
}

// demo are the custom resource's properties of a stack with DemoData.
var demo = map[string]any{"DemoData": "true"}

func TestSeederSkipsTheDemoRosterByDefault(t *testing.T) {
	store := newFakeStore()
	store.fail = errors.New("SeedRoster must not be called")
	s := &Seeder{Catalog: seed.Catalog, Roster: seed.Managers, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, props := range []map[string]any{nil, {"DemoData": "false"}} {
		_, data, err := s.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: props})
		if err != nil {
			t.Fatal(err)
		}
		if data["ManagersAdded"] != 0 || len(store.managers) != 0 {
			t.Errorf("DemoData %v: seeded %v managers", props, data["ManagersAdded"])
		}
	}
}

func TestSeederWithoutRoster(t *testing.T) {
	store := newFakeStore()
	store.fail = errors.New("SeedRoster must not be called")
	s := &Seeder{Catalog: seed.Catalog, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	_, data, err := s.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate})
	if err != nil {
		t.Fatal(err)
	}
	if data["ManagersAdded"] != 0 || data["CatalogEntriesAdded"] == 0 {
		t.Errorf("data %v", data)
	}
}

func TestSeederFailures(t *testing.T) {
	broken := errors.New("broken")
	tests := []struct {
		name   string
		roster func() ([]assignment.Manager, error)
		store  error
	}{
		{"roster does not load", func() ([]assignment.Manager, error) { return nil, broken }, nil},
		{"store fails", seed.Managers, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.fail = tt.store
			s := &Seeder{Catalog: seed.Catalog, Roster: tt.roster, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			if _, _, err := s.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: demo}); !errors.Is(err, broken) {
				t.Errorf("Handle error = %v, want %v", err, broken)
			}
		})
	}
}

// TestSeederWritesTheReferenceDocumentsOnce: the SLA's documents and the
// company's details are written on the first deploy and left as an
// administrator edited them on the next.
func TestSeederWritesTheReferenceDocumentsOnce(t *testing.T) {
	store := newFakeStore()
	s := &Seeder{Catalog: seed.Catalog, Config: seed.ConfigDocs, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	_, data, err := s.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate})
	if err != nil {
		t.Fatal(err)
	}
	if data["DocumentsAdded"] != 3 || len(store.docs["calendar"]) == 0 || len(store.docs["sla"]) == 0 || len(store.docs["company"]) == 0 {
		t.Fatalf("first seed: %v, documents %v", data, slices.Sorted(maps.Keys(store.docs)))
	}
	// An administrator's edit survives the next deploy.
	store.docs["sla"] = []byte(`{"edited":true}`)
	_, data, err = s.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if data["DocumentsAdded"] != 0 || string(store.docs["sla"]) != `{"edited":true}` {
		t.Errorf("second seed: %v, sla %s", data, store.docs["sla"])
	}
}
