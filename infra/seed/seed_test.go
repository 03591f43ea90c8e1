package seed

import (
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/claims"
)

func TestCatalogIsValid(t *testing.T) {
	c, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Categories) < 5 || len(c.Types) < 10 {
		t.Errorf("seed has %d categories and %d types", len(c.Categories), len(c.Types))
	}
	for _, ty := range c.Types {
		if ty.Instructions["ru"] == "" || ty.Instructions["en"] == "" || ty.Name["en"] == "" {
			t.Errorf("type %s lacks a translation", ty.ID)
		}
	}
}

func TestManagersAreValid(t *testing.T) {
	managers, err := Managers()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(managers) != 5 || managers[0].ID != "manager-1" {
		t.Fatalf("seed roster: %d managers, first %q; want manager-1..manager-5", len(managers), managers[0].ID)
	}
	r := &assignment.Roster{Managers: managers}
	for _, cat := range c.Categories {
		if n := len(r.Eligible(&claims.Claim{CategoryID: cat.ID})); n < 2 {
			t.Errorf("category %s has %d managers, want at least 2", cat.ID, n)
		}
	}
	for _, m := range managers {
		if m.Substitute == "" || len(m.Absences) != 0 || len(m.ProductLines) == 0 {
			t.Errorf("manager %s: substitute %q, %d absences, product lines %v", m.ID, m.Substitute, len(m.Absences), m.ProductLines)
		}
		// The matrix always leads to someone else who is available.
		if chain := r.Substitutes(m.ID, time.Now()); len(chain) != 1 || chain[0] == m.ID {
			t.Errorf("manager %s: substitute chain %v", m.ID, chain)
		}
	}
}
