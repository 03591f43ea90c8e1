package intake_test

import (
	"context"
	"testing"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/cache"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/sla"
)

// TestNewRefusesEachMissingDependency: a service missing a required
// dependency is never built: New names it, whether it is absent or a typed
// nil (what wiring an adapter that was never built produces).
func TestNewRefusesEachMissingDependency(t *testing.T) {
	e := newEnv(t)
	full := func() intake.Config {
		return intake.Config{Store: e.store, Files: e.files, Catalog: fixedCatalog{e.cat}, Publisher: e.pub, Keys: e.keys}
	}
	var (
		nilStore *fakeStore
		nilFiles *fakeFiles
		nilPub   *fakePublisher
		nilKeys  *keys.Keys
	)
	tests := []struct {
		missing string
		drop    func(*intake.Config)
	}{
		{"Store", func(c *intake.Config) { c.Store = nil }},
		{"Store", func(c *intake.Config) { c.Store = nilStore }},
		{"Files", func(c *intake.Config) { c.Files = nil }},
		{"Files", func(c *intake.Config) { c.Files = nilFiles }},
		{"Catalog", func(c *intake.Config) { c.Catalog = nil }},
		{"Publisher", func(c *intake.Config) { c.Publisher = nil }},
		{"Publisher", func(c *intake.Config) { c.Publisher = nilPub }},
		{"Keys", func(c *intake.Config) { c.Keys = nilKeys }},
	}
	for _, tt := range tests {
		cfg := full()
		tt.drop(&cfg)
		svc, err := intake.New(cfg)
		if e, ok := apperr.As(err); svc != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
			t.Errorf("New without %s = %v, %v; want an Internal error naming it", tt.missing, svc, err)
		}
	}
	if _, err := intake.New(full()); err != nil {
		t.Errorf("New with every dependency = %v", err)
	}
}

// TestTypedNilOptionalsSwitchTheirFeatureOff: a roster or SLA source given
// as a typed nil (an unbuilt cache) is no roster and no SLA: the claim is
// taken, unassigned and without clocks, instead of the request panicking.
func TestTypedNilOptionalsSwitchTheirFeatureOff(t *testing.T) {
	e := newEnv(t)
	var noRoster *cache.Value[*assignment.Roster]
	var noSLA *cache.Value[*sla.Engine]
	e.svc = e.service(intake.Config{Store: e.store, Files: e.files, Catalog: fixedCatalog{e.cat}, Publisher: e.pub, Keys: e.keys,
		Roster: noRoster, SLA: noSLA, Now: e.clock.now, Sleep: e.clock.sleep})
	res, err := e.svc.Submit(context.Background(), validSubmission(e))
	if err != nil {
		t.Fatalf("Submit = %v", err)
	}
	if res.Claim.Assignee != "" || res.Claim.SLA != nil {
		t.Errorf("claim assignee %q, SLA %+v; want unassigned, no clocks", res.Claim.Assignee, res.Claim.SLA)
	}
}
