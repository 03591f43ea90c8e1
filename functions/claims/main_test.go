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
// ClaimsFunction (no mail, no public site) the routes are built, and it
// reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "ClaimsFunction", []string{"APP_SECRET", "BUCKET_NAME", "CATALOG_CACHE_SECONDS", "COMPANY_TIME_ZONE", "EVENTS_TOPIC_ARN", "ROSTER_CACHE_SECONDS", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsWrong: every missing or bad variable of the claim
// services is named at once.
func TestWireNamesWhatIsWrong(t *testing.T) {
	apptest.Setenv(t, map[string]string{"APP_SECRET": "too short", "COMPANY_TIME_ZONE": "Europe/Moskva"})
	_, err := wire(app.NewEnv(), discard)
	want := []string{"TABLE_NAME", "BUCKET_NAME", "EVENTS_TOPIC_ARN", "APP_SECRET", "COMPANY_TIME_ZONE"}
	if diff := cmp.Diff(want, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
