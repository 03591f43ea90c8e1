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
// RelayFunction (the table, the queue, the grace; no secret, no bucket, no
// mail) the relay is built, and it reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	vars := apptest.FunctionEnv(t, "RelayFunction", nil)
	if diff := cmp.Diff([]string{"NOTIFICATIONS_QUEUE_URL", "RELAY_GRACE_SECONDS", "TABLE_NAME"}, slices.Sorted(maps.Keys(vars))); diff != "" {
		t.Errorf("the relay's variables mismatch (-want +got):\n%s", diff)
	}
	apptest.Setenv(t, vars)
	env := app.NewEnv()
	relay, err := wire(env, discard)
	if err != nil || relay == nil {
		t.Fatalf("wire = %v, %v", relay, err)
	}
	apptest.ReadsWhatTheTemplateSets(t, env, vars)
}

// TestWireNamesWhatIsMissing: a relay without its table or queue, or with a
// grace that is not a number, does not start, and says which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"RELAY_GRACE_SECONDS": "a minute"})
	_, err := wire(app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"TABLE_NAME", "NOTIFICATIONS_QUEUE_URL", "RELAY_GRACE_SECONDS"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
