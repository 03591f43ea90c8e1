package casework_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// warranties is a catalog with one type under a 24-month warranty.
type warranties struct{}

func (warranties) Catalog(context.Context) (*catalog.Catalog, error) {
	return &catalog.Catalog{Types: []catalog.Type{{ID: "overheating", CategoryID: "defect", WarrantyMonths: 24}}}, nil
}

// flagged returns the service's claim with two active flags, on the
// overheating type, filed at now.
func flagged(t *testing.T) (*casework.Service, *store, string) {
	t.Helper()
	_, s, id := newService(t)
	c := s.claims[id]
	c.TypeID, c.Product.PurchaseDate = "overheating", "2024-11-01"
	c.Flags = []claims.Flag{
		claims.OpenSerialFlag("SN-1", []string{"RC-2026-000000"}, now),
		claims.AfterWarrantyFlag("2024-11-01", 24, "2026-11-01", "2026-11-23", now),
	}
	s.claims[id] = c
	return newCasework(t, casework.Config{Store: s, Catalog: warranties{}, Now: func() time.Time { return now }}), s, id
}

func TestDismissFlag(t *testing.T) {
	svc, s, id := flagged(t)
	anna := staff("anna", auth.Manager)
	cl, err := svc.DismissFlag(context.Background(), anna, id, 1, claims.FlagOpenSerial, "  The first claim was filed by mistake. ")
	if err != nil {
		t.Fatalf("DismissFlag: %v", err)
	}
	f := cl.Flags[0]
	if f.Active() || f.DismissedBy != "managers:anna" || f.DismissNote != "The first claim was filed by mistake." || !f.DismissedAt.Equal(now) {
		t.Errorf("dismissed flag = %+v", f)
	}
	if !cl.Flagged(claims.AnyFlag) || cl.Flagged(string(claims.FlagOpenSerial)) {
		t.Errorf("after dismissal: any %v, open_serial_duplicate %v; want true, false", cl.Flagged(claims.AnyFlag), cl.Flagged(string(claims.FlagOpenSerial)))
	}
	h := s.history[id]
	last := h[len(h)-1]
	if last.Type != claims.EventFlagDismissed || last.After["flag"] != "open_serial_duplicate" || last.After["note"] != "The first claim was filed by mistake." {
		t.Errorf("history entry = %+v", last)
	}
	if len(s.outbox) != 0 {
		t.Errorf("a dismissal published %d events; flags stay inside", len(s.outbox))
	}

	// Errors: each names what is wrong, and nothing is written.
	writes := s.writes
	tests := []struct {
		name   string
		caller casework.Caller
		kind   claims.FlagKind
		note   string
		code   apperr.Code
	}{
		{"no note", anna, claims.FlagAfterWarranty, "   ", apperr.Invalid},
		{"dismissed already", anna, claims.FlagOpenSerial, "again", apperr.NotFound},
		{"never raised", anna, claims.FlagRepeatEssence, "none", apperr.NotFound},
		{"another manager", staff("boris", auth.Manager), claims.FlagAfterWarranty, "no", apperr.NotFound},
		{"a dealer", casework.Caller{Principal: &auth.Principal{UserID: "d", Roles: []auth.Role{auth.Dealer}}}, claims.FlagAfterWarranty, "no", apperr.NotFound},
	}
	for _, tc := range tests {
		_, err := svc.DismissFlag(context.Background(), tc.caller, id, cl.Version, tc.kind, tc.note)
		if apperr.CodeOf(err) != tc.code {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.code)
		}
	}
	if s.writes != writes {
		t.Errorf("refused dismissals wrote %d changes", s.writes-writes)
	}
	if _, err := svc.DismissFlag(context.Background(), staff("sup", auth.Supervisor), id, cl.Version, claims.FlagAfterWarranty, "receipt checked"); err != nil {
		t.Errorf("a supervisor's dismissal: %v", err)
	}
}

// A corrected purchase date checks the warranty again: within it, the
// after_warranty flag is dismissed; after it, one is raised.
func TestPurchaseDateEditRechecksWarranty(t *testing.T) {
	svc, s, id := flagged(t)
	anna := staff("anna", auth.Manager)
	within := "2024-11-23" // the warranty's last day is the filing day
	cl, err := svc.EditFields(context.Background(), anna, id, 1, casework.FieldPatch{PurchaseDate: &within})
	if err != nil {
		t.Fatalf("EditFields: %v", err)
	}
	if cl.Flagged(string(claims.FlagAfterWarranty)) || cl.Flags[1].DismissedBy != "managers:anna" {
		t.Fatalf("after_warranty flag after a date within the warranty = %+v", cl.Flags[1])
	}
	h := s.history[id]
	if got := h[len(h)-1].After["flag.after_warranty"]; got != "dismissed" {
		t.Errorf("history says %v, want dismissed", got)
	}
	if ev := s.outbox[len(s.outbox)-1]; strings.Contains(string(ev.Data), "flag") {
		t.Errorf("the claim.updated event names the flag: %s", ev.Data)
	}
	after := "2024-11-22"
	cl, err = svc.EditFields(context.Background(), anna, id, cl.Version, casework.FieldPatch{PurchaseDate: &after})
	if err != nil {
		t.Fatalf("EditFields: %v", err)
	}
	if !cl.Flagged(string(claims.FlagAfterWarranty)) || len(cl.Flags) != 3 {
		t.Errorf("flags after a date beyond the warranty = %+v, want a new after_warranty flag", cl.Flags)
	}
	// Editing something else leaves the flags alone.
	name := "Ivan P. Petrov"
	cl, err = svc.EditFields(context.Background(), anna, id, cl.Version, casework.FieldPatch{ClaimantName: &name})
	if err != nil || len(cl.Flags) != 3 {
		t.Errorf("an edit of the name: %v, flags %+v", err, cl.Flags)
	}
}
