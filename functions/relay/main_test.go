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
// RelayFunction (the table, the events topic, the grace; no secret, no bucket, no
// mail) the relay is built, and it reads exactly those variables.
func TestWireTakesTheTemplatesVariables(t *testing.T) {
	apptest.WiresFromTheTemplate(t, "RelayFunction", []string{"EVENTS_TOPIC_ARN", "RELAY_GRACE_SECONDS", "TABLE_NAME"},
		func(env *app.Env) (any, error) { return wire(env, discard) })
}

// TestWireNamesWhatIsMissing: a relay without its table or topic, or with a
// grace that is not a number, does not start, and says which variables.
func TestWireNamesWhatIsMissing(t *testing.T) {
	apptest.Setenv(t, map[string]string{"RELAY_GRACE_SECONDS": "a minute"})
	_, err := wire(app.NewEnv(), discard)
	if diff := cmp.Diff([]string{"TABLE_NAME", "EVENTS_TOPIC_ARN", "RELAY_GRACE_SECONDS"}, apptest.Fields(t, err)); diff != "" {
		t.Errorf("variables named mismatch (-want +got):\n%s", diff)
	}
}
