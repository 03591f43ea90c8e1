package registry

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
)

func TestFlagDims(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := claim("RC-2026-000002", "", "m1", "new")
	if got := FlagDims(&c); got != nil {
		t.Errorf("dims of an unflagged claim = %v", got)
	}
	c.Flags = []claims.Flag{claims.OpenSerialFlag("SN-1", []string{"RC-2026-000001"}, at), claims.RepeatEssenceFlag([]string{"RC-2026-000001"}, at)}
	want := [][2]string{{DimFlag, "open_serial_duplicate"}, {DimFlag, "repeat_essence"}, {DimFlag, "any"}}
	if diff := cmp.Diff(want, FlagDims(&c)); diff != "" {
		t.Errorf("dims mismatch (-want +got):\n%s", diff)
	}
	c.Flags[0].DismissedAt = at
	c.Flags[1].DismissedAt = at
	if got := FlagDims(&c); got != nil {
		t.Errorf("dims with every flag dismissed = %v", got)
	}
}

// The flag filter: staff list a flag's index; a manager's own list is
// filtered by it; a dealer may not ask (the answer would reveal flags).
func TestListByFlag(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	flagged := claim("RC-2026-000002", "DLR-A", "m1", "new")
	flagged.Flags = []claims.Flag{claims.OpenSerialFlag("SN-1", []string{"RC-2026-000001"}, at)}
	plain := claim("RC-2026-000001", "DLR-A", "m1", "new")
	f := &fakeStore{calls: map[string]int{}, pages: map[string][]ListPage{
		"flag/any":    {{Claims: []claims.Claim{flagged}}},
		"assignee/m1": {{Claims: []claims.Claim{flagged, plain}}},
	}}
	s := newService(f)
	page, err := s.List(context.Background(), supervisor, Query{Flag: "any"})
	if err != nil || len(page.Claims) != 1 || page.Claims[0].ID != flagged.ID {
		t.Fatalf("supervisor's ?flag=any = %+v, %v", page, err)
	}
	if got := f.specs[0]; got.Dim != DimFlag || got.Value != "any" {
		t.Errorf("served by %s/%s, want the flag index", got.Dim, got.Value)
	}
	page, err = s.List(context.Background(), manager1, Query{Flag: "open_serial_duplicate"})
	if err != nil || len(page.Claims) != 1 || page.Claims[0].ID != flagged.ID {
		t.Errorf("manager's ?flag=open_serial_duplicate = %+v, %v", page, err)
	}
	page, err = s.List(context.Background(), manager1, Query{Flag: "after_warranty"})
	if err != nil || len(page.Claims) != 0 {
		t.Errorf("manager's ?flag=after_warranty = %+v, %v; want none", page, err)
	}
	_, err = s.List(context.Background(), dealerA, Query{Flag: "any"})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Forbidden || len(e.Fields) != 1 || e.Fields[0].Field != "flag" {
		t.Errorf("dealer's ?flag=any: %v, want Forbidden naming flag", err)
	}
}
