package main

import (
	"log/slog"
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
	apptest.WiresFromTheTemplate(t, "SlaFunction", []string{"CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "EVENTS_TOPIC_ARN", "ROSTER_CACHE_SECONDS", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsMissing: without its table, topic or time zone, or with
// a cache time that is not a number, the function does not start and says
// which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"COMPANY_TIME_ZONE": "Moscow", "ROSTER_CACHE_SECONDS": "half a minute"})
	_, err := wire(app.NewEnv(), discard)
	want := []string{"TABLE_NAME", "EVENTS_TOPIC_ARN", "COMPANY_TIME_ZONE", "ROSTER_CACHE_SECONDS"}
	if diff := cmp.Diff(want, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
