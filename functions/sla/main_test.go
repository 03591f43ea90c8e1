package main

import (
	"log/slog"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/app/apptest"
)

var discard = slog.New(slog.DiscardHandler)

// TestWireTakesTheTemplatesVariables: with what template.yaml gives the
// SlaFunction (no secret, no bucket, no mail) the checker is built, and it
// reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	vars := apptest.FunctionEnv(t, "SlaFunction", nil)
	want := []string{"CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "NOTIFICATIONS_QUEUE_URL", "ROSTER_CACHE_SECONDS", "TABLE_NAME"}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(vars))); diff != "" {
		t.Errorf("the SLA function's variables mismatch (-want +got):\n%s", diff)
	}
	apptest.Setenv(t, vars)
	env := app.NewEnv()
	checker, err := wire(env, discard)
	if err != nil || checker == nil {
		t.Fatalf("wire = %v, %v", checker, err)
	}
	apptest.ReadsWhatTheTemplateSets(t, env, vars)
}

// TestWireNamesWhatIsMissing: without its table, queue or time zone, or with
// a cache time that is not a number, the function does not start and says
// which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"COMPANY_TIME_ZONE": "Moscow", "ROSTER_CACHE_SECONDS": "half a minute"})
	_, err := wire(app.NewEnv(), discard)
	want := []string{"TABLE_NAME", "NOTIFICATIONS_QUEUE_URL", "COMPANY_TIME_ZONE", "ROSTER_CACHE_SECONDS"}
	if diff := cmp.Diff(want, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
